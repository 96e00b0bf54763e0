namespace HubManager.Updates;

/// <summary>
/// The hub's systemd unit as an update transaction needs it: is it running, restart it, restart it and judge the
/// release it runs, and what it logged. The manager's is <see cref="HealthGate"/> (systemd over D-Bus); the
/// transaction's spec scripts one, so that every phase and crash point runs in process, without systemd or root.
/// </summary>
public interface IHubUnit
{
    /// <summary>The unit's name, for sentences (<c>ai-hub.service</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Whether the hub is up or on its way up (a crash-looping hub between restarts counts; a stopped or failed one
    /// does not). Throws when systemd cannot say: guessing "stopped" would skip the health gate.
    /// </summary>
    Task<bool> IsRunningAsync();

    /// <summary>Restarts the hub; null when it restarted, else why it did not (never throws for systemd's refusal).</summary>
    Task<string?> RestartAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Restarts the hub and judges the release it now runs; never throws for an unhealthy hub or an unreachable
    /// systemd (both are verdicts), only for a cancelled wait. <paramref name="phase"/> hears <c>restart</c> and <c>health</c>.
    /// </summary>
    Task<HealthVerdict> RestartAndCheckAsync(Action<UpdatePhase> phase, CancellationToken cancellationToken);

    /// <summary>The hub's last log lines since <paramref name="since"/>, for the report of an unhealthy release.</summary>
    IReadOnlyList<string> LogSince(DateTimeOffset since);
}
