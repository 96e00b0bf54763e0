namespace HubManager.Updates;

/// <summary>The health gate's verdict; <see cref="Reason"/> says what failed.</summary>
public readonly record struct HealthVerdict(bool Healthy, string? Reason)
{
    public static HealthVerdict Ok { get; } = new(true, null);
    public static HealthVerdict Fail(string reason) => new(false, reason);
}
