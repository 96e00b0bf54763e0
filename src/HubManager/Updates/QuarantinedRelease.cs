namespace HubManager.Updates;

/// <summary>
/// A release the health gate rolled back (<c>GET /update</c>'s <c>quarantined</c>, kept in <c>StateDir/quarantine.json</c>):
/// which version, when it was rolled back and the health gate's reason.
/// </summary>
public sealed record QuarantinedRelease(string Version, DateTimeOffset At, string Reason);
