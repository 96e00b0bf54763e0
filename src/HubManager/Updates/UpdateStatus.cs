using System.Text.Json.Serialization;

namespace HubManager.Updates;

/// <summary>
/// <c>GET /update</c>: the last (or running) update or rollback, persisted in <c>StateDir/update-state.json</c>
/// on every phase change so that it survives manager restarts. <see cref="HubLog"/> (<c>journal</c> in the API)
/// holds the hub's last log lines when a release was judged unhealthy; <see cref="Backups"/> and <see cref="Quarantined"/> are read from disk on every request.
/// </summary>
public sealed record UpdateStatus
{
    public UpdateState State { get; init; } = UpdateState.Idle;
    public string? Version { get; init; }
    public string? PreviousVersion { get; init; }
    public UpdatePhase Phase { get; init; }
    public long BytesDownloaded { get; init; }
    public long? BytesTotal { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public string? Error { get; init; }
    [JsonPropertyName("journal")]
    public IReadOnlyList<string> HubLog { get; init; } = [];
    public IReadOnlyList<string> Backups { get; init; } = [];
    /// <summary><c>required</c> or <c>off</c>: read from the allowed signers file for each <c>GET /update</c>, never persisted.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Signatures { get; init; }
    /// <summary>
    /// Read from <c>StateDir/quarantine.json</c> on every request, like <see cref="Backups"/>. Never null: the source
    /// generator sets an init-only property that a file lacks (one from before the quarantine) to null.
    /// </summary>
    public Quarantine Quarantined { get => quarantined ?? Quarantine.Empty; init => quarantined = value; }

    readonly Quarantine? quarantined;
}
