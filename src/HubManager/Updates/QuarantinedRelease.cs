using System.Globalization;

namespace HubManager.Updates;

/// <summary>
/// A release the health gate rolled back (<see cref="Quarantine"/>): which version, when it was rolled back and the
/// health gate's reason.
/// </summary>
public sealed record QuarantinedRelease(string Version, DateTimeOffset At, string Reason)
{
    /// <summary>The 409 sentence: which version, when and why it was rolled back, and how to install it anyway.</summary>
    public string Refusal() =>
        $"{Version} is quarantined: the health gate rolled it back at {At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)} ({Reason}); send \"force\": true to install it anyway";
}
