namespace HubManager.Updates;

// Start-up recovery: what a previous manager process left unfinished, claimed in the constructor (the busy gate) before
// the first request can arrive, and finished or undone here once the host has started.
public sealed partial class Updater
{
    /// <summary>Finishes or undoes whatever a previous manager process left (called once at start-up).</summary>
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        // Nothing was left: an update may already have started by now, and it is not ours to judge.
        if (!recoveryClaimed)
            return;
        try
        {
            if (store.ReadIntent() is { } intent)
            {
                logger.LogWarning("Found an unfinished {Kind} to {Version} (phase {Phase}); recovering", intent.Kind.Word(), intent.Version, intent.Phase.Word());
                await transaction.RecoverAsync(intent, cancellationToken).ConfigureAwait(false);
            }
            else if (progress.Current.State == UpdateState.Running)
            {
                // Killed before the intent journal: the live install was never touched.
                UpdateStore.DeleteTree(store.Transaction);
                var message = $"the manager stopped during the {progress.Current.Phase.Word()} phase; nothing was installed";
                logger.LogWarning("Update to {Version}: {Message}", progress.Current.Version, message);
                progress.Finish(UpdateState.Failed, message);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception failure)
        {
            logger.LogError("Recovering the interrupted update failed: {Reason}", failure.Message);
            progress.Finish(UpdateState.Failed, $"recovery after a manager restart failed: {failure.Message}");
        }
        finally
        {
            Release();
        }
    }

    string? RecoveryNeeded()
    {
        try
        {
            if (store.ReadIntent() is { } intent)
                return $"recovery of the {intent.Kind.Word()} to {intent.Version}";
        }
        catch (InvalidDataException)
        {
            return "recovery of an unreadable update journal";
        }
        return progress.Current.State == UpdateState.Running ? $"recovery of the update to {progress.Current.Version}" : null;
    }
}
