namespace HubManager.Hosting;

/// <summary>
/// Time bounds on everything the NAS sends, so that a NAS that stalls or drips fails the update with a sentence
/// instead of holding it (and every later update) for ever. The initial values, the defaults of the <c>Nas:</c> limit keys, suit a LAN NAS that may be busy.
/// </summary>
public sealed record NasLimits
{
    /// <summary>
    /// The longest the NAS may go without sending: waiting for an answer's headers (each attempt; then it is
    /// retried) or for any read of a body to bring data (a stalled package body is then resumed).
    /// </summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A login or a checksum sidecar, retries included, must be over within this.</summary>
    public TimeSpan ExchangeTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The package must arrive at least this fast, averaged over <see cref="RateWindow"/> (0: no minimum).</summary>
    public long MinBytesPerSecond { get; init; } = 1024;

    /// <summary>The span over which <see cref="MinBytesPerSecond"/> is averaged, so that a short pause is no failure.</summary>
    public TimeSpan RateWindow { get; init; } = TimeSpan.FromSeconds(60);
}
