using System.Globalization;
using Microsoft.Extensions.Hosting.Systemd;

namespace HubManager.Updates;

/// <summary>
/// The current update's status, told three ways: kept in memory for <c>GET /update</c>, persisted to
/// <c>StateDir/update-state.json</c> at every phase change (byte counts are not worth an fsync each),
/// and sent to systemd as <c>STATUS=</c> so that <c>systemctl status</c> shows the progress
/// (throttled to one message a second while downloading). Watchers (<c>GET /update/events</c>) wait for the next change
/// with <see cref="ChangedSince"/> and read it with <see cref="Watch"/>.
/// </summary>
public sealed class UpdateProgress
{
    static readonly TimeSpan NotifyEvery = TimeSpan.FromSeconds(1);

    readonly UpdateStore store;
    readonly ISystemdNotifier? notifier;
    readonly ILogger<UpdateProgress> logger;
    readonly TimeProvider time;
    readonly Lock gate = new();
    UpdateStatus current;
    DateTimeOffset lastNotified;
    long change, run;
    UpdateStatus[] steps = [];
    /// <summary>Completed at the next change; made only when someone waits, and shared by all who wait.</summary>
    TaskCompletionSource? nextChange;

    // The notifier is optional: AddSystemd registers it only when systemd runs the manager.
    public UpdateProgress(UpdateStore store, ILogger<UpdateProgress> logger, TimeProvider time, ISystemdNotifier? notifier = null)
    {
        this.store = store;
        this.logger = logger;
        this.time = time;
        this.notifier = notifier is { IsEnabled: true } ? notifier : null;
        current = store.ReadStatus();
        if (current is { State: not UpdateState.Running, FinishedAt: { } finishedAt })
            Counters.Remember(current.StartedAt, finishedAt);
    }

    /// <summary>Outcomes and downloaded bytes since the manager started, for <c>/metrics</c>.</summary>
    public UpdateCounters Counters { get; } = new();

    public UpdateStatus Current
    {
        get
        {
            lock (gate)
                return current;
        }
    }

    /// <summary>The status with its change count and the current run's steps, read together.</summary>
    public UpdateWatch Watch()
    {
        lock (gate)
            return new UpdateWatch(change, run, current, steps);
    }

    /// <summary>
    /// Completes at the first change after the <paramref name="seen"/>th (at once if it has happened). However many wait,
    /// they share one task, and a change nobody waits for costs no allocation.
    /// </summary>
    public Task ChangedSince(long seen)
    {
        lock (gate)
            return change != seen ? Task.CompletedTask : (nextChange ??= new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
    }

    /// <summary>A new update or rollback: running, from its first phase.</summary>
    public void Begin(string version, string? previousVersion, UpdatePhase phase)
    {
        Save(new UpdateStatus
        {
            State = UpdateState.Running,
            Version = version,
            PreviousVersion = previousVersion,
            Phase = phase,
            StartedAt = time.GetUtcNow(),
        });
        Notify($"Updating hub to {version}: {Describe(phase)}");
    }

    /// <summary>A phase boundary: persisted, logged (one line per phase) and shown in <c>systemctl status</c>.</summary>
    public void Phase(UpdatePhase phase, string? detail = null)
    {
        UpdateStatus now;
        lock (gate)
        {
            now = current = current with { Phase = phase };
            Changed(step: true);
        }
        Persist(now);
        logger.LogInformation("Update to {Version}: {Phase}", now.Version, detail ?? Describe(phase));
        Notify($"Updating hub to {now.Version}: {Describe(phase)}");
    }

    /// <summary>Download progress, called for every chunk read.</summary>
    public void Downloaded(long bytes, long? total)
    {
        UpdateStatus now;
        long arrived;
        lock (gate)
        {
            arrived = bytes - current.BytesDownloaded;
            now = current = current with { BytesDownloaded = bytes, BytesTotal = total };
            Changed(step: false);
        }
        if (arrived > 0)
            Counters.Downloaded(arrived);
        var clock = time.GetUtcNow();
        if (clock - lastNotified < NotifyEvery && bytes != total)
            return;
        lastNotified = clock;
        Notify(DownloadStatus(now.Version, bytes, total));
    }

    /// <summary>The sentence <c>systemctl status</c> shows while downloading, e.g. "downloading 45% (12.3/27.1 MiB)".</summary>
    public static string DownloadStatus(string? version, long bytes, long? total) =>
        total is > 0
            ? string.Create(CultureInfo.InvariantCulture, $"Updating hub to {version}: downloading {bytes * 100 / total.Value}% ({bytes / 1048576.0:0.0}/{total.Value / 1048576.0:0.0} MiB)")
            : string.Create(CultureInfo.InvariantCulture, $"Updating hub to {version}: downloading {bytes / 1048576.0:0.0} MiB");

    /// <summary>
    /// The end: state, error and the hub's last log lines (when a release was judged unhealthy). Saved before it is
    /// shown, so that <c>GET /update</c> never reports an end a manager restart would not, and so that the run
    /// (which releases the updater right after this) is as good as over once it is shown.
    /// </summary>
    public void Finish(UpdateState state, string? error, IReadOnlyList<string>? hubLog = null)
    {
        var finishedAt = time.GetUtcNow();
        UpdateStatus now;
        lock (gate)
            now = current with
            {
                State = state,
                Phase = UpdatePhase.None,
                Error = error,
                FinishedAt = finishedAt,
                HubLog = hubLog ?? current.HubLog,
            };
        Persist(now);
        lock (gate)
        {
            current = now;
            Changed(step: true);
        }
        Counters.Finished(state, now.StartedAt, finishedAt);
        Notify(state switch
        {
            UpdateState.Succeeded => $"Hub updated to {now.Version}",
            UpdateState.RolledBack when error is null => $"Hub rolled back to {now.PreviousVersion}",
            UpdateState.RolledBack => $"Update to {now.Version} rolled back: {error}",
            _ => $"Update to {now.Version} failed: {error}",
        });
    }

    /// <summary>Replaces the status wholesale (recovery restores the one the journal describes).</summary>
    public void Save(UpdateStatus status)
    {
        lock (gate)
        {
            current = status;
            run++;
            steps = [];
            Changed(step: true);
        }
        Persist(status);
    }

    /// <summary>Counts a change of <see cref="current"/> (under the gate) and wakes its watchers; a step is kept in the run's steps.</summary>
    void Changed(bool step)
    {
        change++;
        if (step)
            steps = [.. steps, current];
        // Continuations run asynchronously: nothing a watcher does runs here, under the gate.
        nextChange?.TrySetResult();
        nextChange = null;
    }

    void Persist(UpdateStatus status)
    {
        try
        {
            store.EnsureStateDir();
            store.WriteStatus(status);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            // The update itself must not fail because its report could not be saved.
            logger.LogWarning("Cannot save the update status to {File}: {Reason}", store.StateFile, failure.Message);
        }
    }

    void Notify(string text) => notifier?.Notify(new ServiceState("STATUS=" + text.ReplaceLineEndings(" ")));

    /// <summary>A phase in words, as the journal and <c>systemctl status</c> tell it: "downloading", "checking the hub's health".</summary>
    public static string Describe(UpdatePhase phase) => phase switch
    {
        UpdatePhase.Download => "downloading",
        UpdatePhase.Verify => "verifying",
        UpdatePhase.Install => "installing",
        UpdatePhase.Restart => "restarting the hub",
        UpdatePhase.Health => "checking the hub's health",
        UpdatePhase.Rollback => "rolling back",
        _ => phase.Word(),
    };
}
