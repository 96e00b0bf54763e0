namespace HubManager.Updates;

/// <summary>
/// At start-up, finishes or undoes an update that a previous manager process left (killed, crashed, power cut),
/// in the background so that the manager still reports READY promptly; until it is done <see cref="Updater"/>
/// answers new updates and rollbacks with 409.
/// </summary>
public sealed class UpdateRecovery(Updater updater) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => updater.RecoverAsync(stoppingToken);
}
