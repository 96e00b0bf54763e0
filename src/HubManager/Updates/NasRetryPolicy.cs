namespace HubManager.Updates;

/// <summary>The knobs of the NAS client's retry policy (<see cref="NasClient.CreateHandler"/>); tests shorten the delays.</summary>
public sealed record NasRetryPolicy(int MaxRetries, TimeSpan FirstDelay, TimeSpan MaxDelay, TimeSpan TotalTimeout)
{
    public static NasRetryPolicy Default { get; } = new(5, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(2));
}
