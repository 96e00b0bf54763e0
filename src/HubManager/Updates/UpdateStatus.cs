using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HubManager.Updates;

/// <summary>The update states <c>GET /update</c> reports.</summary>
public static class UpdateState
{
    public const string Idle = "idle", Running = "running", Succeeded = "succeeded", Failed = "failed", RolledBack = "rolledBack";
}

/// <summary>The phases of a running update, in order (<c>rollback</c> only when the new release is unhealthy).</summary>
public static class UpdatePhase
{
    public const string Download = "download", Verify = "verify", Install = "install", Restart = "restart", Health = "health", Rollback = "rollback";
}

/// <summary>
/// <c>GET /update</c>: the last (or running) update or rollback, persisted in <c>StateDir/update-state.json</c>
/// on every phase change so that it survives manager restarts. <see cref="Journal"/> holds the hub's last
/// journal lines when a release was judged unhealthy; <see cref="Backups"/> is read from disk on every request.
/// </summary>
public sealed record UpdateStatus
{
    public string State { get; init; } = UpdateState.Idle;
    public string? Version { get; init; }
    public string? PreviousVersion { get; init; }
    public string? Phase { get; init; }
    public long BytesDownloaded { get; init; }
    public long? BytesTotal { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public string? Error { get; init; }
    public IReadOnlyList<string> Journal { get; init; } = [];
    public IReadOnlyList<string> Backups { get; init; } = [];
}

/// <summary>One top-level entry of a transaction and the identities (device, inode) of its two sides.</summary>
public sealed record IntentEntry(string Name, ulong[]? New, ulong[]? Old);

/// <summary>
/// The intent journal (<c>StateDir/update-intent.json</c>), written and fsync'd before the first rename and
/// rewritten at each phase boundary. While it exists the install tree may be between two releases;
/// <see cref="UpdateRecovery"/> reads it to bring the tree back to one of them.
/// </summary>
public sealed record UpdateIntent
{
    /// <summary><c>update</c> (other side = freshly staged tree) or <c>rollback</c> (other side = a backup's tree).</summary>
    public required string Kind { get; init; }
    public required string Version { get; init; }
    public string? PreviousVersion { get; init; }
    /// <summary><c>install</c> (swapping), <c>restart</c> (swapped: restart and check), <c>rollback</c> (swapping back), <c>commit</c> (healthy: keep it).</summary>
    public required string Phase { get; init; }
    /// <summary>The directory holding the side of each entry that is not live.</summary>
    public required string OtherTree { get; init; }
    public required bool HubWasRunning { get; init; }
    public required IReadOnlyList<IntentEntry> Entries { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    /// <summary>Why the new release is being swapped back (phase <c>rollback</c>).</summary>
    public string? Reason { get; init; }
    public IReadOnlyList<string> Journal { get; init; } = [];
}

/// <summary>A backup's manifest (<c>backups/VERSION/backup.json</c>): the release it holds and the entries it covers.</summary>
public sealed record BackupManifest(string Version, string? ReplacedBy, DateTimeOffset CreatedAt, IReadOnlyList<string> Entries);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(UpdateStatus))]
[JsonSerializable(typeof(UpdateIntent))]
[JsonSerializable(typeof(BackupManifest))]
public sealed partial class UpdateJson : JsonSerializerContext
{
    /// <summary>Configured like <c>ApiJson.Api</c>: camelCase, only the escaping JSON requires ("2.0.11+build" stays readable).</summary>
    public static UpdateJson Api { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
