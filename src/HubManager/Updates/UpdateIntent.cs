using System.Text.Json.Serialization;

namespace HubManager.Updates;

/// <summary>
/// The intent journal (<c>StateDir/update-intent.json</c>), written and fsync'd before the first rename and
/// rewritten at each phase boundary. While it exists the install tree may be between two releases;
/// <see cref="UpdateRecovery"/> reads it to bring the tree back to one of them.
/// </summary>
public sealed record UpdateIntent
{
    public required TransactionKind Kind { get; init; }
    public required string Version { get; init; }
    public string? PreviousVersion { get; init; }
    public required IntentPhase Phase { get; init; }
    /// <summary>The directory holding the side of each entry that is not live.</summary>
    public required string OtherTree { get; init; }
    public required bool HubWasRunning { get; init; }
    public required IReadOnlyList<IntentEntry> Entries { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    /// <summary>Why the new release is being swapped back (phase <c>rollback</c>).</summary>
    public string? Reason { get; init; }
    /// <summary>The hub's last log lines when it was judged unhealthy (<c>journal</c> in the file, as in <see cref="UpdateStatus"/>).</summary>
    [JsonPropertyName("journal")]
    public IReadOnlyList<string> HubLog { get; init; } = [];
}
