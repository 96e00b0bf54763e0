using HubManager.Hosting;

namespace HubManager.Updates;

/// <summary>
/// The part of an update (or rollback) that touches the live install, driven by the intent journal so that it
/// can be picked up at any point by <see cref="RecoverAsync"/>:
/// <list type="number">
/// <item><c>install</c>: the journal (with every entry's identities) is fsync'd, then entries are swapped in.
/// Interrupted here, recovery swaps everything back: the tree is fully old.</item>
/// <item><c>restart</c>: fully new; restart the unit and run the health gate. Interrupted here, recovery
/// re-runs the gate on the new release.</item>
/// <item><c>rollback</c>: the new release was unhealthy; swap everything back, restart, check the old one; an update's
/// version is quarantined (<see cref="Quarantine"/>).</item>
/// <item><c>commit</c>: healthy; the replaced entries become <c>backups/PREVIOUS</c>, old backups are pruned, and an
/// update's version is no longer quarantined.</item>
/// </list>
/// The transaction holds the hub (<see cref="HubOwnership"/>) throughout, so no operator job interleaves. A hub that
/// was not running when it took it stays stopped: the release is swapped in and committed without a restart (there
/// is nothing the gate could check, and starting the hub is the operator's call). Every failure after the first
/// rename converges in process (<see cref="ConvergeAsync"/>): the old release goes back live and the journal is
/// closed, so that <c>GET /update</c>, <c>/version</c>, the running hub and a later manager restart tell one story.
/// A healthy verdict is final: a commit that cannot keep its backup (a full disk) still keeps the new release.
/// <c>stepDone</c> hears the name of each durable step as it completes (the manager passes none): the transaction's
/// spec, UpdateTransactionTests, aborts there as a crash would and checks that recovery converges.
/// </summary>
public sealed partial class UpdateTransaction(
    HubManagerOptions options, UpdateStore store, IHubUnit hub, UpdateProgress progress, HubOwnership ownership,
    ILogger<UpdateTransaction> logger, TimeProvider time, Action<string>? stepDone = null)
{
    /// <summary>
    /// Swaps <paramref name="names"/> from <paramref name="otherTree"/> into the install directory and sees it
    /// through to commit or rollback. True when the new side ended up live (and healthy, if the hub was running).
    /// </summary>
    public async Task<bool> RunAsync(TransactionKind kind, string version, string? previousVersion, string otherTree,
        IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        using var held = await ownership.TakeAsync($"the {kind.Word()} to {version}", cancellationToken).ConfigureAwait(false);
        // Read with the hub held: no operator job is under way or can start, so this is how the operator left it.
        var hubWasRunning = await hub.IsRunningAsync().ConfigureAwait(false);
        store.EnsureReleasesDir();
        store.EnsureReserve();
        // Names come from the package: a handful is enough to say what is being installed.
        var listed = string.Join(", ", names.Take(8).Select(Excerpt.Of)) + (names.Count > 8 ? $" and {names.Count - 8} more" : "");
        progress.Phase(UpdatePhase.Install, $"installing {listed} into {options.InstallDir}");
        var swap = Swap(otherTree);
        var intent = new UpdateIntent
        {
            Kind = kind,
            Version = version,
            PreviousVersion = previousVersion,
            Phase = IntentPhase.Install,
            OtherTree = otherTree,
            HubWasRunning = hubWasRunning,
            Entries = swap.Describe(names),
            StartedAt = time.GetUtcNow(),
        };
        store.WriteFirstIntent(intent);
        try
        {
            Done("install journaled");
            swap.PlaceAll(intent.Entries, newLive: true, name => Done($"{name} swapped in"));
            intent = intent with { Phase = IntentPhase.Restart };
            store.WriteIntent(intent);
            Done("restart journaled");
            return await CheckAsync(intent, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception failure) when (failure is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // (Cancelled means the manager is stopping: the journal says where it was, and recovery finishes it.)
            await ConvergeAsync(intent, failure, cancellationToken).ConfigureAwait(false);
            return false;
        }
    }

    async Task<bool> CheckAsync(UpdateIntent intent, CancellationToken cancellationToken)
    {
        if (!intent.HubWasRunning)
        {
            logger.LogInformation("{Unit} was stopped and stays stopped: {Version} is installed but neither started nor health-checked", options.Unit, intent.Version);
            Commit(intent);
            return true;
        }
        var restartedAt = time.GetUtcNow();
        var verdict = await hub.RestartAndCheckAsync(phase => progress.Phase(phase), cancellationToken).ConfigureAwait(false);
        Done(verdict.Healthy ? "judged healthy" : "judged unhealthy");
        if (verdict.Healthy)
        {
            Commit(intent);
            return true;
        }
        var lines = hub.LogSince(restartedAt.AddSeconds(-1));
        logger.LogError("{Version} is unhealthy: {Reason}; rolling back to {Previous}", intent.Version, verdict.Reason, intent.PreviousVersion);
        intent = intent with { Phase = IntentPhase.Rollback, Reason = verdict.Reason, HubLog = lines };
        try
        {
            store.WriteIntent(intent);
            Done("rollback journaled");
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            // The journal still says "restart": interrupted now, recovery judges the new release again and rolls back again.
            logger.LogWarning("Cannot journal the rollback ({Reason}); rolling back all the same", failure.Message);
        }
        await RollBackAsync(intent, cancellationToken).ConfigureAwait(false);
        return false;
    }

    async Task RollBackAsync(UpdateIntent intent, CancellationToken cancellationToken)
    {
        progress.Phase(UpdatePhase.Rollback, $"rolling back to {intent.PreviousVersion}: {intent.Reason}");
        Swap(intent.OtherTree).PlaceAll(intent.Entries, newLive: false, name => Done($"{name} swapped back"));
        var verdict = await hub.RestartAndCheckAsync(_ => { }, cancellationToken).ConfigureAwait(false);
        Done("old release restarted");
        if (intent.Kind == TransactionKind.Update)
            UpdateStore.DeleteTree(store.Transaction); // the unhealthy release
        Done("unhealthy release deleted");
        var oldHealth = verdict.Healthy ? "" : $"; after rolling back, {intent.PreviousVersion} is not healthy either: {verdict.Reason}";
        if (intent.Kind == TransactionKind.Update)
        {
            UpdateQuarantine(intent.Version, intent.Reason ?? "judged unhealthy");
            Done("release quarantined");
            logger.LogWarning("Update to {Version} rolled back to {Previous}{OldHealth}", intent.Version, intent.PreviousVersion, oldHealth);
            progress.Finish(UpdateState.RolledBack, intent.Reason + oldHealth, intent.HubLog);
        }
        else
        {
            logger.LogWarning("Rollback to {Version} was unhealthy; {Previous} restored{OldHealth}", intent.Version, intent.PreviousVersion, oldHealth);
            progress.Finish(UpdateState.Failed, $"the rollback to {intent.Version} was unhealthy ({intent.Reason}); {intent.PreviousVersion} was restored{oldHealth}", intent.HubLog);
        }
        CloseJournal();
    }

    /// <summary>
    /// After any failure past the first rename (a full <c>StateDir</c>, an I/O error, systemd gone): puts the old side
    /// back live, restarts the hub if it had been running, closes the journal and reports the failure. Only when that
    /// fails too does the journal stay, for recovery at the next start (and the <see cref="Updater"/> refuses updates until then).
    /// </summary>
    async Task ConvergeAsync(UpdateIntent intent, Exception failure, CancellationToken cancellationToken)
    {
        var previous = intent.PreviousVersion ?? "the previous release";
        logger.LogError("The {Kind} to {Version} failed after its first rename: {Reason}; restoring {Previous}", intent.Kind.Word(), intent.Version, failure.Message, previous);
        string outcome;
        try
        {
            outcome = $"{previous} was restored{await UndoInstallAsync(intent, cancellationToken).ConfigureAwait(false)}";
        }
        catch (Exception undo) when (undo is not OperationCanceledException)
        {
            logger.LogCritical("Restoring {Previous} failed: {Reason}; the install tree is left to recovery at the next start", previous, undo.Message);
            outcome = $"restoring {previous} failed too ({undo.Message}); the manager finishes it when it next starts and refuses updates until then";
        }
        progress.Finish(UpdateState.Failed, $"installing {intent.Version} failed: {failure.Message}; {outcome}");
    }

    /// <summary>
    /// Puts the old side back live after a failed or interrupted install, closes the journal, and restarts the hub if
    /// it was running. Returns "" or, when that restart failed, a clause saying so.
    /// </summary>
    async Task<string> UndoInstallAsync(UpdateIntent intent, CancellationToken cancellationToken)
    {
        Swap(intent.OtherTree).PlaceAll(intent.Entries, newLive: false);
        if (intent.Kind == TransactionKind.Update)
            UpdateStore.DeleteTree(store.Transaction);
        store.DeleteIntent();
        if (!intent.HubWasRunning)
            return "";
        // Its files may have been swapped under it and back, or it may run the new release: a fresh start reads the old tree.
        if (await hub.RestartAsync(cancellationToken).ConfigureAwait(false) is not { } problem)
            return "";
        logger.LogError("Restarting {Unit} after undoing the install failed: {Reason}", hub.Name, problem);
        return $"; restarting {hub.Name} failed: {problem}";
    }

    /// <summary>
    /// Keeps the replaced entries as a backup (update) or drops the rolled-away release (rollback), closes the journal
    /// and reports success; idempotent. The new release stays whatever happens here: a journal or a backup that cannot
    /// be written (a full disk) costs the backup, never the release.
    /// </summary>
    void Commit(UpdateIntent intent)
    {
        if (intent.Phase != IntentPhase.Commit)
        {
            try
            {
                store.WriteIntent(intent = intent with { Phase = IntentPhase.Commit });
                Done("commit journaled");
            }
            catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
            {
                // Without a "commit" journal, recovery would judge the release again after the backup moved away:
                // close the transaction first. A crash before the backup is kept leaves txn/, which the next update deletes.
                logger.LogWarning("Cannot journal the commit of {Version} ({Reason}); closing the transaction first", intent.Version, failure.Message);
                store.DeleteIntent();
            }
        }
        try
        {
            KeepBackup(intent);
            Done("backup kept");
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("{Version} is kept, but the backup of {Previous} could not be: {Reason}", intent.Version, intent.PreviousVersion, failure.Message);
            if (intent.Kind == TransactionKind.Update)
                UpdateStore.DeleteTree(store.Transaction); // gives back the space it held
        }
        if (intent.Kind == TransactionKind.Update)
            UpdateQuarantine(intent.Version, reason: null);
        logger.LogInformation("{Kind} to {Version} is healthy and committed", intent.Kind == TransactionKind.Update ? "Update" : "Rollback", intent.Version);
        progress.Finish(intent.Kind == TransactionKind.Update ? UpdateState.Succeeded : UpdateState.RolledBack, null, []);
        CloseJournal();
    }

    /// <summary>
    /// The last step, after the outcome is saved: a crash in between makes recovery redo the (idempotent) phase, where
    /// the other order would leave a "running" status and no journal, which recovery reports as "nothing was installed".
    /// The tree is final by now, so a journal that cannot be deleted or synced is no failure to undo: the next start redoes the phase.
    /// </summary>
    void CloseJournal()
    {
        Done("outcome saved");
        try
        {
            store.DeleteIntent();
            Done("journal closed");
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Cannot close the journal {File} ({Reason}); the next start finishes the transaction", store.IntentFile, failure.Message);
        }
    }

    /// <summary>
    /// Quarantines the version the health gate rolled back (<paramref name="reason"/> given), or lifts its quarantine once
    /// it is installed and healthy (null; only <c>force</c> installs a quarantined one). Done before the outcome is saved,
    /// so a crash in between redoes it, which changes nothing more. A quarantine that cannot be saved (a full
    /// <c>StateDir</c>) changes no outcome: it is logged, and the release is only not quarantined (or not lifted).
    /// </summary>
    void UpdateQuarantine(string version, string? reason)
    {
        try
        {
            var quarantine = store.ReadQuarantine();
            if (reason is not null)
                store.WriteQuarantine(quarantine.With(new QuarantinedRelease(version, time.GetUtcNow(), reason)));
            else if (quarantine.Find(version) is not null)
                store.WriteQuarantine(quarantine.Without(version));
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            logger.LogError("Cannot save the quarantine of {Version} in {File}: {Reason}", version, store.QuarantineFile, failure.Message);
        }
    }

    void KeepBackup(UpdateIntent intent)
    {
        if (intent.Kind != TransactionKind.Update)
        {
            UpdateStore.DeleteTree(Path.GetDirectoryName(intent.OtherTree)!); // the backup now holds what was rolled away from
            return;
        }
        store.KeepReplacedAsBackup(intent.PreviousVersion, intent.Version, time.GetUtcNow(), intent.Entries.Select(e => e.Name).ToList());
        foreach (var stale in store.Backups().Skip(options.Update.KeepBackups))
        {
            logger.LogInformation("Pruning the backup of {Version} (Update:KeepBackups={Keep})", stale.Version, options.Update.KeepBackups);
            UpdateStore.DeleteTree(store.BackupDir(stale.Version));
        }
    }

    void Done(string step) => stepDone?.Invoke(step);

    ReleaseSwap Swap(string otherTree) => new(options.InstallDir, otherTree, store.Aside);
}
