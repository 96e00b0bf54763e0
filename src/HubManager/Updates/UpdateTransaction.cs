using HubManager.Hosting;
using HubManager.Systemd;

namespace HubManager.Updates;

/// <summary>
/// The part of an update (or rollback) that touches the live install, driven by the intent journal so that it
/// can be picked up at any point by <see cref="RecoverAsync"/>:
/// <list type="number">
/// <item><c>install</c>: the journal (with every entry's identities) is fsync'd, then entries are swapped in.
/// Interrupted here, recovery swaps everything back: the tree is fully old.</item>
/// <item><c>restart</c>: fully new; restart the unit and run the health gate. Interrupted here, recovery
/// re-runs the gate on the new release.</item>
/// <item><c>rollback</c>: the new release was unhealthy; swap everything back, restart, check the old one.</item>
/// <item><c>commit</c>: healthy; the replaced entries become <c>backups/PREVIOUS</c> and old backups are pruned.</item>
/// </list>
/// </summary>
public sealed class UpdateTransaction(
    HubManagerOptions options, UpdateJournal journal, HealthGate health, UpdateProgress progress,
    UnitController controller, ILogger<UpdateTransaction> logger, TimeProvider time)
{
    public const string KindUpdate = "update", KindRollback = "rollback";
    const string PhaseInstall = "install", PhaseRestart = "restart", PhaseRollback = "rollback", PhaseCommit = "commit";

    /// <summary>
    /// Swaps <paramref name="names"/> from <paramref name="otherTree"/> into the install directory and sees it
    /// through to commit or rollback. True when the new side ended up live and healthy.
    /// </summary>
    public async Task<bool> RunAsync(string kind, string version, string? previousVersion, string otherTree,
        IReadOnlyList<string> names, bool hubWasRunning, CancellationToken cancellationToken)
    {
        // Names come from the package: a handful is enough to say what is being installed.
        var listed = string.Join(", ", names.Take(8).Select(Excerpt.Of)) + (names.Count > 8 ? $" and {names.Count - 8} more" : "");
        progress.Phase(UpdatePhase.Install, $"installing {listed} into {options.InstallDir}");
        var swap = Swap(otherTree);
        var intent = new UpdateIntent
        {
            Kind = kind,
            Version = version,
            PreviousVersion = previousVersion,
            Phase = PhaseInstall,
            OtherTree = otherTree,
            HubWasRunning = hubWasRunning,
            Entries = swap.Describe(names),
            StartedAt = time.GetUtcNow(),
        };
        journal.WriteIntent(intent);
        try
        {
            swap.PlaceAll(intent.Entries, newLive: true);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            logger.LogError("Installing {Version} failed: {Reason}; restoring {Previous}", version, failure.Message, previousVersion);
            await UndoInstallAsync(intent, cancellationToken).ConfigureAwait(false);
            progress.Finish(UpdateState.Failed, $"installing {version} failed: {failure.Message}; {previousVersion ?? "the previous release"} was restored");
            return false;
        }
        intent = intent with { Phase = PhaseRestart };
        journal.WriteIntent(intent);
        return await CheckAsync(intent, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Brings an interrupted transaction to a consistent end (see the phases above) and reports it.</summary>
    public async Task RecoverAsync(UpdateIntent intent, CancellationToken cancellationToken)
    {
        switch (intent.Phase)
        {
            case PhaseInstall:
                await UndoInstallAsync(intent, cancellationToken).ConfigureAwait(false);
                var message = $"the manager stopped while installing {intent.Version}; the install was undone and {intent.PreviousVersion ?? "the previous release"} kept";
                logger.LogWarning("Recovered: {Message}", message);
                progress.Finish(UpdateState.Failed, message);
                break;
            case PhaseRestart:
                // Fully swapped before the manager stopped: make sure, then judge the new release as if uninterrupted.
                Swap(intent.OtherTree).PlaceAll(intent.Entries, newLive: true);
                await CheckAsync(intent, cancellationToken).ConfigureAwait(false);
                break;
            case PhaseRollback:
                await RollBackAsync(intent, cancellationToken).ConfigureAwait(false);
                break;
            case PhaseCommit:
                Commit(intent);
                break;
            default:
                throw new InvalidDataException($"{journal.IntentFile} has an unknown phase '{intent.Phase}'");
        }
    }

    async Task<bool> CheckAsync(UpdateIntent intent, CancellationToken cancellationToken)
    {
        var restartedAt = time.GetUtcNow();
        var verdict = await health.RestartAndCheckAsync(phase => progress.Phase(phase), cancellationToken).ConfigureAwait(false);
        if (verdict.Healthy)
        {
            Commit(intent);
            return true;
        }
        var lines = HubJournalTail.Read(options.Unit, restartedAt.AddSeconds(-1));
        logger.LogError("{Version} is unhealthy: {Reason}; rolling back to {Previous}", intent.Version, verdict.Reason, intent.PreviousVersion);
        intent = intent with { Phase = PhaseRollback, Reason = verdict.Reason, Journal = lines };
        journal.WriteIntent(intent);
        await RollBackAsync(intent, cancellationToken).ConfigureAwait(false);
        return false;
    }

    async Task RollBackAsync(UpdateIntent intent, CancellationToken cancellationToken)
    {
        progress.Phase(UpdatePhase.Rollback, $"rolling back to {intent.PreviousVersion}: {intent.Reason}");
        Swap(intent.OtherTree).PlaceAll(intent.Entries, newLive: false);
        var verdict = await health.RestartAndCheckAsync(_ => { }, cancellationToken).ConfigureAwait(false);
        if (intent.Kind == KindUpdate)
            UpdateJournal.DeleteTree(journal.Transaction); // the unhealthy release
        journal.DeleteIntent();
        var oldHealth = verdict.Healthy ? "" : $"; after rolling back, {intent.PreviousVersion} is not healthy either: {verdict.Reason}";
        if (intent.Kind == KindUpdate)
        {
            logger.LogWarning("Update to {Version} rolled back to {Previous}{OldHealth}", intent.Version, intent.PreviousVersion, oldHealth);
            progress.Finish(UpdateState.RolledBack, intent.Reason + oldHealth, intent.Journal);
        }
        else
        {
            logger.LogWarning("Rollback to {Version} was unhealthy; {Previous} restored{OldHealth}", intent.Version, intent.PreviousVersion, oldHealth);
            progress.Finish(UpdateState.Failed, $"the rollback to {intent.Version} was unhealthy ({intent.Reason}); {intent.PreviousVersion} was restored{oldHealth}", intent.Journal);
        }
    }

    /// <summary>Puts the old side back live after a failed or interrupted install, and restarts the hub if it was running.</summary>
    async Task UndoInstallAsync(UpdateIntent intent, CancellationToken cancellationToken)
    {
        Swap(intent.OtherTree).PlaceAll(intent.Entries, newLive: false);
        if (intent.Kind == KindUpdate)
            UpdateJournal.DeleteTree(journal.Transaction);
        journal.DeleteIntent();
        // Its files may have been swapped under it and back: a fresh start reads one consistent tree.
        if (intent.HubWasRunning)
        {
            var outcome = await controller.RunAsync(UnitJob.Restart, cancellationToken).ConfigureAwait(false);
            if (!outcome.Succeeded)
                logger.LogError("Restarting {Unit} after undoing the install failed: {Reason}", controller.Unit, outcome.Error);
        }
    }

    /// <summary>Keeps the replaced entries as a backup (update) or drops the rolled-away release (rollback); idempotent.</summary>
    void Commit(UpdateIntent intent)
    {
        if (intent.Phase != PhaseCommit)
            journal.WriteIntent(intent = intent with { Phase = PhaseCommit });
        if (intent.Kind == KindUpdate)
        {
            if (Directory.Exists(journal.Transaction))
            {
                if (intent.PreviousVersion is { } previous && ReleaseVersion.IsValid(previous))
                {
                    journal.WriteManifest(journal.Transaction, new BackupManifest(previous, intent.Version, time.GetUtcNow(), intent.Entries.Select(e => e.Name).ToList()));
                    Directory.CreateDirectory(journal.BackupsDir);
                    UpdateJournal.DeleteTree(journal.BackupDir(previous));
                    Posix.RenameNoReplace(journal.Transaction, journal.BackupDir(previous));
                    Posix.FsyncDirectory(journal.BackupsDir);
                }
                else
                    UpdateJournal.DeleteTree(journal.Transaction); // no version to name a backup by
            }
            foreach (var stale in journal.Backups().Skip(options.Update.KeepBackups))
            {
                logger.LogInformation("Pruning the backup of {Version} (Update:KeepBackups={Keep})", stale.Version, options.Update.KeepBackups);
                UpdateJournal.DeleteTree(journal.BackupDir(stale.Version));
            }
        }
        else
            UpdateJournal.DeleteTree(Path.GetDirectoryName(intent.OtherTree)!); // the backup now holds what was rolled away from
        journal.DeleteIntent();
        logger.LogInformation("{Kind} to {Version} is healthy and committed", intent.Kind == KindUpdate ? "Update" : "Rollback", intent.Version);
        progress.Finish(intent.Kind == KindUpdate ? UpdateState.Succeeded : UpdateState.RolledBack, null, []);
    }

    ReleaseSwap Swap(string otherTree) => new(options.InstallDir, otherTree, journal.Aside);
}
