using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace HubManager.Updates;

/// <summary>
/// The updater's files. In <c>StateDir</c>:
/// <list type="bullet">
/// <item><c>update-state.json</c> — what <c>GET /update</c> shows, kept across restarts;</item>
/// <item><c>update-intent.json</c> — the intent journal, present while the install tree may be between releases.</item>
/// </list>
/// In <c>InstallDir/.hub-manager/</c>, the releases, which must be renamed into place and so live on the install
/// tree's own mount (under systemd's <c>ProtectSystem=strict</c>, <c>StateDirectory=</c> and <c>ReadWritePaths=</c>
/// are separate bind mounts even on one disk, and rename(2) across them fails with EXDEV):
/// <list type="bullet">
/// <item><c>txn/tree/</c> — the staged release, which after the swap holds the replaced entries;</item>
/// <item><c>aside/</c> — a parking place for the two-rename fallback where <c>RENAME_EXCHANGE</c> is unsupported;</item>
/// <item><c>backups/VERSION/</c> — <c>tree/</c> plus <c>backup.json</c> for each kept previous release.</item>
/// </list>
/// Every write is write-temp, fsync, rename, fsync the directory: after a crash a file is wholly old or wholly new.
/// </summary>
public sealed class UpdateJournal(string stateDir, string installDir)
{
    /// <summary>The entry in <c>InstallDir</c> that holds releases; no package may contain it.</summary>
    public const string ReleasesDirName = ".hub-manager";

    public string StateDir => stateDir;
    public string StateFile => Path.Combine(stateDir, "update-state.json");
    public string IntentFile => Path.Combine(stateDir, "update-intent.json");
    public string ReleasesDir => Path.Combine(installDir, ReleasesDirName);
    public string Transaction => Path.Combine(ReleasesDir, "txn");
    public string StagedTree => Path.Combine(Transaction, "tree");
    public string Aside => Path.Combine(ReleasesDir, "aside");
    public string BackupsDir => Path.Combine(ReleasesDir, "backups");

    public string BackupDir(string version) => Path.Combine(BackupsDir, version);

    /// <summary>Creates <c>StateDir</c> and the releases directory (0700: they hold old releases) if missing.</summary>
    public void EnsureStateDir()
    {
        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Directory.CreateDirectory(stateDir, ownerOnly);
        if (Directory.Exists(installDir))
            Directory.CreateDirectory(ReleasesDir, ownerOnly);
    }

    /// <summary>The persisted status, or idle when there is none (or it cannot be read).</summary>
    public UpdateStatus ReadStatus() => Read(StateFile, UpdateJson.Api.UpdateStatus) ?? new UpdateStatus();

    public void WriteStatus(UpdateStatus status) => Write(StateFile, status with { Backups = [] }, UpdateJson.Api.UpdateStatus);

    /// <summary>The intent journal; null when no transaction is open. Throws when it exists but cannot be read.</summary>
    public UpdateIntent? ReadIntent()
    {
        if (!File.Exists(IntentFile))
            return null;
        return Read(IntentFile, UpdateJson.Api.UpdateIntent)
            ?? throw new InvalidDataException($"{IntentFile} exists but cannot be read; the install tree needs a look by hand");
    }

    public void WriteIntent(UpdateIntent intent) => Write(IntentFile, intent, UpdateJson.Api.UpdateIntent);

    /// <summary>Closes the transaction: after this (durable) delete, recovery has nothing to do.</summary>
    public void DeleteIntent()
    {
        File.Delete(IntentFile);
        Posix.FsyncDirectory(stateDir);
    }

    public void WriteManifest(string backupDir, BackupManifest manifest) =>
        Write(Path.Combine(backupDir, "backup.json"), manifest, UpdateJson.Api.BackupManifest);

    public static BackupManifest? ReadManifest(string backupDir) => Read(Path.Combine(backupDir, "backup.json"), UpdateJson.Api.BackupManifest);

    /// <summary>Kept backups with a readable manifest, newest first.</summary>
    public IReadOnlyList<BackupManifest> Backups()
    {
        if (!Directory.Exists(BackupsDir))
            return [];
        return Directory.EnumerateDirectories(BackupsDir)
            .Select(ReadManifest)
            .OfType<BackupManifest>()
            .Where(m => ReleaseVersion.IsValid(m.Version) && Directory.Exists(Path.Combine(BackupDir(m.Version), "tree")))
            .OrderByDescending(m => m.CreatedAt)
            .ToList();
    }

    /// <summary>Deletes a directory tree without following symlinks in it (Directory.Delete unlinks links, never their targets).</summary>
    public static void DeleteTree(string path)
    {
        if (Directory.Exists(path) && !File.GetAttributes(path).HasFlag(FileAttributes.ReparsePoint))
            Directory.Delete(path, recursive: true);
        else if (Posix.Exists(path))
            File.Delete(path);
    }

    static T? Read<T>(string path, JsonTypeInfo<T> type) where T : class
    {
        try
        {
            using var file = File.OpenRead(path);
            return JsonSerializer.Deserialize(file, type);
        }
        catch (Exception unreadable) when (unreadable is IOException or JsonException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }

    static void Write<T>(string path, T value, JsonTypeInfo<T> type)
    {
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(file, value, type);
            file.Flush(flushToDisk: true);
        }
        Posix.Rename(temporary, path);
        Posix.FsyncDirectory(Path.GetDirectoryName(path)!);
    }
}
