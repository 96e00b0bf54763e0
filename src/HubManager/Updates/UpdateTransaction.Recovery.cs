namespace HubManager.Updates;

// Recovery: the same transaction picked up from its intent journal after the manager stopped part-way (the phases are
// in the class's documentation), each phase finished or undone with the steps RunAsync uses.
public sealed partial class UpdateTransaction
{
    /// <summary>Brings an interrupted transaction to a consistent end (the phases are in the class summary) and reports it.</summary>
    public async Task RecoverAsync(UpdateIntent intent, CancellationToken cancellationToken)
    {
        if (!Enum.IsDefined(intent.Phase))
            throw new InvalidDataException($"{store.IntentFile} has an unknown phase '{intent.Phase}'");
        using var held = await ownership.TakeAsync($"the recovery of the {intent.Kind.Word()} to {intent.Version}", cancellationToken).ConfigureAwait(false);
        try
        {
            store.EnsureReleasesDir();
            switch (intent.Phase)
            {
                case IntentPhase.Install:
                    var restart = await UndoInstallAsync(intent, cancellationToken).ConfigureAwait(false);
                    var message = $"the install of {intent.Version} was found unfinished at start-up; it was undone and {intent.PreviousVersion ?? "the previous release"} kept{restart}";
                    logger.LogWarning("Recovered: {Message}", message);
                    progress.Finish(UpdateState.Failed, message);
                    break;
                case IntentPhase.Restart:
                    // Fully swapped before the manager stopped: make sure, then judge the new release as if uninterrupted.
                    Swap(intent.OtherTree).PlaceAll(intent.Entries, newLive: true);
                    await CheckAsync(intent, cancellationToken).ConfigureAwait(false);
                    break;
                case IntentPhase.Rollback:
                    await RollBackAsync(intent, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    Commit(intent);
                    break;
            }
        }
        catch (Exception failure) when (failure is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await ConvergeAsync(intent, failure, cancellationToken).ConfigureAwait(false);
        }
    }
}
