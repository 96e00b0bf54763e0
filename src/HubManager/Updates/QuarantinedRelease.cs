using System.Globalization;

namespace HubManager.Updates;

/// <summary>
/// A release the health gate rolled back (<see cref="Quarantine"/>): which version, when it was rolled back and the
/// health gate's reason. A plain class, not a record: nothing compares or prints entries, and a record's generated
/// members would cost the binary size.
/// </summary>
public sealed class QuarantinedRelease(string version, DateTimeOffset at, string reason)
{
    public string Version => version;
    public DateTimeOffset At => at;
    public string Reason => reason;

    /// <summary>The 409 sentence: which version, when and why it was rolled back, and how to install it anyway.</summary>
    public string Refusal() =>
        $"{version} is quarantined: the health gate rolled it back at {at.UtcDateTime.ToString("s", CultureInfo.InvariantCulture)}Z ({reason}); send \"force\": true to install it anyway";
}
