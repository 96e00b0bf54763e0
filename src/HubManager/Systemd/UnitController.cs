namespace HubManager.Systemd;

/// <summary>
/// Starts, stops and restarts the managed unit over D-Bus and answers only when systemd has removed
/// the job, so a status read right after is already up to date. Jobs are serialized: a start and a
/// stop racing never interleave. Reads never take this lock.
/// </summary>
public sealed class UnitController(SystemdManager systemd, UnitStatusCache status, string unit)
{
    /// <summary>
    /// An upper bound on waiting for a job. systemd times jobs out itself (TimeoutStartSec= and friends);
    /// this only guards against a unit configured with no timeout at all.
    /// </summary>
    public static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(5);

    readonly SemaphoreSlim jobGate = new(1, 1);

    public string Unit => unit;

    /// <summary>Queues the job in <c>replace</c> mode and waits for it to finish.</summary>
    public async Task<JobOutcome> RunAsync(UnitJob job, CancellationToken cancellationToken)
    {
        var verb = Verb(job);
        await jobGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Once systemd has the job, wait for it even if the caller hangs up: the next job must
            // not be queued on top of this one.
            if (job != UnitJob.Stop)
                await ResetFailedAsync(cancellationToken).ConfigureAwait(false);
            JobRemoved removed;
            using (var watch = systemd.WatchJobs())
            {
                var jobPath = await (job switch
                {
                    UnitJob.Start => systemd.StartUnitAsync(unit, "replace", cancellationToken),
                    UnitJob.Stop => systemd.StopUnitAsync(unit, "replace", cancellationToken),
                    _ => systemd.RestartUnitAsync(unit, "replace", cancellationToken),
                }).ConfigureAwait(false);
                try
                {
                    removed = await watch.WaitAsync(jobPath, CancellationToken.None).WaitAsync(JobTimeout).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    return new JobOutcome(false, $"{verb} did not finish within {JobTimeout.TotalMinutes:0} minutes; systemd still has job {jobPath}");
                }
            }
            status.Invalidate();
            if (removed.Succeeded)
                return new JobOutcome(true, null);
            var unitResult = (await status.GetAsync().ConfigureAwait(false)).Result;
            return new JobOutcome(false, $"{verb} {removed.Result}: {unitResult}");
        }
        finally
        {
            jobGate.Release();
        }
    }

    /// <summary>The job as systemctl's verb: <c>start</c>, <c>stop</c>, <c>restart</c>.</summary>
    public static string Verb(UnitJob job) => job switch
    {
        UnitJob.Start => "start",
        UnitJob.Stop => "stop",
        _ => "restart",
    };

    /// <summary>
    /// Clears a failed state and systemd's start-rate counter (<c>reset-failed</c>) before a start: after a
    /// release that crash-looped into <c>start-limit-hit</c>, the restart that rolls back must not be refused.
    /// </summary>
    async Task ResetFailedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await systemd.ResetFailedUnitAsync(unit, cancellationToken).ConfigureAwait(false);
        }
        catch (UnitNotFoundException)
        {
            // Not loaded, so nothing to reset; the start itself will say whether the unit exists.
        }
        catch (SystemdRefusedException)
        {
            // Not allowed (an unprivileged manager under a narrower polkit rule): the start still says how it went.
        }
    }
}
