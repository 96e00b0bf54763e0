namespace HubManager.Updates;

/// <summary>A backup's manifest (<c>backups/VERSION/backup.json</c>): the release it holds and the entries it covers.</summary>
public sealed record BackupManifest(string Version, string? ReplacedBy, DateTimeOffset CreatedAt, IReadOnlyList<string> Entries);
