using HubManager.Hosting;
using HubManager.Systemd;

namespace HubManager.Updates;

/// <summary>
/// Restarts the hub over D-Bus and decides whether the release it now runs is healthy: the restart job ended
/// <c>done</c>, then for <c>Update:HealthGraceSeconds</c> the unit stayed <c>active</c> with <c>NRestarts</c>
/// unchanged (a crash-looping hub under <c>Restart=</c> bumps it; one without goes <c>failed</c>), and, when
/// <c>Update:HealthUrl</c> is set, that URL answered 2xx at least once within the window.
/// A grace of 0 trusts the job result alone. No operator job can interfere meanwhile (<see cref="HubOwnership"/>),
/// so a stop in the window is a crash (or a <c>systemctl stop</c> behind the manager's back). It is the
/// transaction's <see cref="IHubUnit"/>: the hub's unit over D-Bus, and its log from the journal.
/// </summary>
public sealed class HealthGate(UnitController controller, UnitStatusCache status, UpdateOptions options, TimeProvider time) : IHubUnit
{
    static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    static readonly HttpClient Probe = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(3) };

    public string Name => controller.Unit;

    public async Task<bool> IsRunningAsync() =>
        (await status.GetAsync().ConfigureAwait(false)).ActiveState is "active" or "activating" or "reloading";

    public async Task<string?> RestartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var outcome = await controller.RunAsync(UnitJob.Restart, cancellationToken).ConfigureAwait(false);
            return outcome.Succeeded ? null : outcome.Error;
        }
        catch (SystemdException refused)
        {
            return refused.Message;
        }
    }

    public IReadOnlyList<string> LogSince(DateTimeOffset since) => HubJournalTail.Read(controller.Unit, since);

    /// <summary>
    /// Restarts the unit and watches it; never throws for an unhealthy hub or an unreachable systemd (both are
    /// verdicts: the transaction must converge either way), only for a cancelled wait.
    /// </summary>
    public async Task<HealthVerdict> RestartAndCheckAsync(Action<UpdatePhase> phase, CancellationToken cancellationToken)
    {
        try
        {
            return await CheckAsync(phase, cancellationToken).ConfigureAwait(false);
        }
        catch (SystemdException refused)
        {
            return HealthVerdict.Fail($"systemd could not restart or report {controller.Unit}: {refused.Message}");
        }
    }

    async Task<HealthVerdict> CheckAsync(Action<UpdatePhase> phase, CancellationToken cancellationToken)
    {
        phase(UpdatePhase.Restart);
        var outcome = await controller.RunAsync(UnitJob.Restart, cancellationToken).ConfigureAwait(false);
        if (!outcome.Succeeded)
            return HealthVerdict.Fail($"restarting {controller.Unit} failed: {outcome.Error}");
        var baseline = await status.GetAsync().ConfigureAwait(false);
        if (!baseline.Running)
            return HealthVerdict.Fail($"{controller.Unit} is {baseline.ActiveState} ({baseline.Result}) right after its restart");
        if (options.HealthGraceSeconds == 0)
            return HealthVerdict.Ok;

        phase(UpdatePhase.Health);
        var started = time.GetUtcNow();
        var window = TimeSpan.FromSeconds(options.HealthGraceSeconds);
        var urlAnswered = options.HealthUrl is null;
        string? urlProblem = null;
        while (true)
        {
            var now = await status.GetAsync().ConfigureAwait(false);
            var elapsed = (time.GetUtcNow() - started).TotalSeconds;
            if (!now.Running)
                return HealthVerdict.Fail($"{controller.Unit} went {now.ActiveState} ({now.Result}) {elapsed:0.0} s after its restart");
            if (now.NRestarts != baseline.NRestarts)
                return HealthVerdict.Fail($"systemd restarted {controller.Unit} {now.NRestarts - baseline.NRestarts} time(s) within {elapsed:0.0} s of the update's restart (crash loop)");
            if (!urlAnswered)
                (urlAnswered, urlProblem) = await ProbeAsync(options.HealthUrl!, cancellationToken).ConfigureAwait(false);
            if (time.GetUtcNow() - started >= window)
                break;
            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
        return urlAnswered ? HealthVerdict.Ok
            : HealthVerdict.Fail($"{options.HealthUrl} did not answer 2xx within {options.HealthGraceSeconds} s ({urlProblem})");
    }

    static async Task<(bool, string?)> ProbeAsync(Uri url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Probe.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? (true, null) : (false, $"last answer {(int)response.StatusCode} {Excerpt.Of(response.ReasonPhrase ?? "")}");
        }
        catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (false, failure is TaskCanceledException ? "last try timed out" : $"last try: {failure.Message}");
        }
    }
}
