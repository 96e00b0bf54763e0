using HubManager.Hosting;

namespace HubManager.Updates;

/// <summary>
/// Runs updates and rollbacks, one at a time (the busy gate), and keeps <see cref="Status"/>. An update is:
/// download and verify into <c>InstallDir/.hub-manager/txn/tree</c> (<see cref="ReleaseStaging"/>), then the transaction in <see cref="UpdateTransaction"/>:
/// intent journal, swap, restart, health gate, and commit (keep a backup) or roll back.
/// Until the intent journal is written the live install is untouched, so any failure before it only deletes
/// the staging tree. A rollback is the same transaction with a backup's tree as the other side.
/// Until the install begins the operator may cancel an update (<see cref="CancelAsync"/>); after, it runs to its end.
/// The installed version is read before the lock is taken (its reading is bounded, but no file read stalls the
/// lock), and while a transaction's journal is left for recovery, new updates and rollbacks are refused.
/// </summary>
public sealed partial class Updater
{
    readonly HubManagerOptions options;
    readonly ReleaseStaging staging;
    readonly UpdateStore store;
    readonly UpdateTransaction transaction;
    readonly UpdateProgress progress;
    readonly IHostApplicationLifetime lifetime;
    readonly ILogger<Updater> logger;
    readonly Lock gate = new();
    string? busy;
    CancellableUpdate? cancellable;
    Task? running;
    readonly bool recoveryClaimed;

    public Updater(HubManagerOptions options, ReleaseStaging staging, UpdateStore store, UpdateTransaction transaction, UpdateProgress progress,
        IHostApplicationLifetime lifetime, ILogger<Updater> logger)
    {
        this.options = options;
        this.staging = staging;
        this.store = store;
        this.transaction = transaction;
        this.progress = progress;
        this.lifetime = lifetime;
        this.logger = logger;
        // Claimed before the first request can arrive: while recovery runs, nothing else may start.
        if (RecoveryNeeded() is { } what)
        {
            busy = what;
            recoveryClaimed = true;
        }
    }

    /// <summary>What <c>GET /update</c> shows: the persisted status plus what is read afresh for each request.</summary>
    public UpdateStatus Status => AsShown(progress.Current);

    /// <summary>
    /// A status as <c>GET /update</c> shows it: with the backups on disk (newest first), the quarantined releases, and
    /// whether signatures are required.
    /// </summary>
    public UpdateStatus AsShown(UpdateStatus status) => status with
    {
        Backups = store.Backups().Select(b => b.Version).ToList(),
        Quarantined = store.ReadQuarantine(),
        Signatures = staging.Signatures,
    };

    /// <summary>
    /// <see cref="AsShown(UpdateStatus)"/> for one more status of a run that <paramref name="shownBefore"/> was shown of:
    /// the backups, the quarantine and the signature mode change only as a run ends, so a running status reuses those
    /// already read (an event stream sends progress 4 times a second) and only an ended one reads them again.
    /// </summary>
    public UpdateStatus AsShown(UpdateStatus status, UpdateStatus shownBefore) => status.State == UpdateState.Running
        ? status with { Backups = shownBefore.Backups, Quarantined = shownBefore.Quarantined, Signatures = shownBefore.Signatures }
        : AsShown(status);

    /// <summary>
    /// Starts an update in the background; the answer says started, already there, busy, a downgrade, quarantined or not
    /// configured, and a sentence. <paramref name="force"/> reinstalls the installed version and lifts a quarantine;
    /// <paramref name="allowDowngrade"/> allows an older version: two separate decisions, so neither implies the other.
    /// </summary>
    public async Task<(StartOutcome Outcome, string Sentence)> StartUpdateAsync(string version, bool force, bool allowDowngrade)
    {
        if (!staging.Configured)
            return (StartOutcome.NotConfigured, "updates are not configured: set Nas:Url");
        await LetEndingRunEndAsync().ConfigureAwait(false);
        // Read before the lock, so that no file read ever holds it: at worst a transaction ending in between makes
        // this an update to the version it just installed (or misses a quarantine that one has just added).
        var installed = InstalledRelease.TryRead(options.InstallDir)?.Version;
        var quarantined = force ? null : store.ReadQuarantine().Find(version);
        lock (gate)
        {
            if (busy is not null)
                return (StartOutcome.Busy, $"{busy} already in progress");
            if (installed == version && !force)
                return (StartOutcome.AlreadyThere, $"Hub is already at version {version}");
            if (!allowDowngrade && SemanticVersion.Compare(version, installed) < 0)
                return (StartOutcome.Downgrade, $"{version} is older than the installed {installed}: a downgrade; send \"allowDowngrade\": true to install it anyway (POST /rollback goes back to a kept backup)");
            if (quarantined is not null)
                return (StartOutcome.Quarantined, quarantined.Refusal());
            busy = $"update to {version}";
            progress.Begin(version, installed, UpdatePhase.Download);
            var update = cancellable = new CancellableUpdate(version);
            running = Task.Run(() => RunUpdateAsync(version, installed, update, lifetime.ApplicationStopping));
        }
        return (StartOutcome.Started, $"Hub update to version {version} started");
    }

    /// <summary>
    /// Cancels the running update unless it has begun installing, and waits (a bounded while) for it to stop, so
    /// that an update asked for right after is accepted. The update ends <c>failed</c>, "cancelled by the operator".
    /// </summary>
    public async Task<(CancelOutcome Outcome, string Sentence)> CancelAsync()
    {
        CancellableUpdate? update;
        Task? work;
        string? what;
        lock (gate)
            (what, update, work) = (busy, cancellable, running);
        if (what is null)
            return (CancelOutcome.NothingRunning, "no update is running");
        if (update is null || work is null)
            return (CancelOutcome.NotCancellable, $"the {what} cannot be cancelled");
        if (!update.TryCancel())
            return (CancelOutcome.NotCancellable, $"the update to {update.Version} is installing; it can no longer be cancelled");
        logger.LogWarning("Update to {Version}: cancelled by the operator", update.Version);
        // Stopping is prompt (every NAS read and extractor write watches the token); deleting a large staging tree is the slow part.
        try
        {
            await work.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return (CancelOutcome.Cancelling, $"the update to {update.Version} is being cancelled; GET /update shows when it has stopped");
        }
        return (CancelOutcome.Cancelled, $"the update to {update.Version} was cancelled; nothing was installed");
    }

    /// <summary>Rolls back to the newest backup and answers when the health gate has spoken.</summary>
    public async Task<(RollbackOutcome Outcome, string Sentence)> RollbackAsync()
    {
        Task<(RollbackOutcome, string)> work;
        await LetEndingRunEndAsync().ConfigureAwait(false);
        var installed = InstalledRelease.TryRead(options.InstallDir)?.Version;
        var newest = store.Backups().FirstOrDefault();
        lock (gate)
        {
            if (busy is not null)
                return (RollbackOutcome.Busy, $"{busy} already in progress");
            // Backups change only in a transaction, which the busy check excludes; one that just ended is seen next time.
            if (newest is not { } backup)
                return (RollbackOutcome.NoBackup, "there is no backup to roll back to");
            busy = $"rollback to {backup.Version}";
            progress.Begin(installed ?? "unknown", backup.Version, UpdatePhase.Rollback);
            // Not the request's token: a caller hanging up must not leave a rollback half-way.
            running = work = Task.Run(() => RunRollbackAsync(backup, installed, lifetime.ApplicationStopping));
        }
        return await work.ConfigureAwait(false);
    }

    async Task RunUpdateAsync(string version, string? installed, CancellableUpdate update, CancellationToken cancellationToken)
    {
        var releasesDirChecked = false;
        try
        {
            store.EnsureStateDir();
            // Before deleting anything in it: a .hub-manager that is a symlink would point the delete elsewhere.
            store.EnsureReleasesDir();
            releasesDirChecked = true;
            UpdateStore.DeleteTree(store.Transaction);
            Directory.CreateDirectory(store.StagedTree);
            IReadOnlyList<string> entries;
            try
            {
                using var downloading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, update.Token);
                entries = await staging.StageAsync(version, downloading.Token).ConfigureAwait(false);
                if (!update.TryBeginInstall())
                    throw new OperationCanceledException(update.Token); // cancelled as the verification ended
            }
            catch (Exception failure)
            {
                // Nothing live was touched: drop the staging tree and say why.
                UpdateStore.DeleteTree(store.Transaction);
                var reason = failure switch
                {
                    _ when update.CancelRequested => "cancelled by the operator",
                    OperationCanceledException when cancellationToken.IsCancellationRequested => "the manager is stopping",
                    IOException io when UpdateStore.IsNoSpace(io)
                        => $"no space left on the install filesystem: {failure.Message}",
                    _ => failure.Message,
                };
                logger.LogError("Update to {Version} failed before install: {Reason}", version, reason);
                progress.Finish(UpdateState.Failed, reason);
                return;
            }
            await transaction.RunAsync(TransactionKind.Update, version, installed, store.StagedTree, entries, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Update to {Version} interrupted by the manager stopping; it is finished at the next start", version);
        }
        catch (Exception failure)
        {
            // Failed before the transaction's first rename (it converges by itself after it): only staging to drop.
            logger.LogError(failure, "Update to {Version} failed", version);
            if (releasesDirChecked && !File.Exists(store.IntentFile))
                DropStaging();
            progress.Finish(UpdateState.Failed, failure.Message);
        }
        finally
        {
            Release();
        }
    }

    async Task<(RollbackOutcome, string)> RunRollbackAsync(BackupManifest backup, string? installed, CancellationToken cancellationToken)
    {
        try
        {
            var tree = Path.Combine(store.BackupDir(backup.Version), "tree");
            var healthy = await transaction.RunAsync(TransactionKind.Rollback, backup.Version, installed, tree, backup.Entries, cancellationToken).ConfigureAwait(false);
            return healthy
                ? (RollbackOutcome.RolledBack, $"Hub rolled back to version {backup.Version}")
                // An unhealthy rollback always ends with an error saying why (UpdateTransaction); the fallback is never seen.
                : (RollbackOutcome.Failed, progress.Current.Error ?? $"rollback to {backup.Version} failed");
        }
        catch (Exception failure)
        {
            logger.LogError(failure, "Rollback to {Version} failed", backup.Version);
            progress.Finish(UpdateState.Failed, failure.Message);
            return (RollbackOutcome.Failed, $"rollback to {backup.Version} failed: {failure.Message}");
        }
        finally
        {
            Release();
        }
    }

    /// <summary>
    /// A run shows its outcome (<see cref="UpdateProgress.Finish"/>, saved first so that no outcome is shown that a restart
    /// would not show) an instant before it lets go of the busy gate (<see cref="Release"/>). A caller that saw the outcome
    /// (<c>GET /update</c>, the events stream, the CLI) and asks again at once waits for that instant instead of being told
    /// that the run is still in progress.
    /// </summary>
    async Task LetEndingRunEndAsync()
    {
        Task? ending;
        lock (gate)
            ending = busy is not null && progress.Current.State != UpdateState.Running ? running : null;
        if (ending is not null)
            await ending.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>
    /// Ends a run. A journal still there means a transaction could not converge (see <see cref="UpdateTransaction"/>):
    /// the tree may be between releases, so nothing may start until recovery (at the next manager start) has run.
    /// </summary>
    void Release()
    {
        var stranded = File.Exists(store.IntentFile);
        lock (gate)
            (busy, cancellable, running) = (stranded ? "recovery of an unfinished update (restart the manager to run it)" : null, null, null);
    }

    void DropStaging()
    {
        try
        {
            UpdateStore.DeleteTree(store.Transaction);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Cannot delete the staging tree {Path}: {Reason}", store.Transaction, failure.Message);
        }
    }
}
