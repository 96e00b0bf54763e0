using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using HubManager.Platform;
using Microsoft.Win32.SafeHandles;

namespace HubManager.Updates;

/// <summary>
/// The updater's files. In <c>StateDir</c>:
/// <list type="bullet">
/// <item><c>update-state.json</c> — what <c>GET /update</c> shows, kept across restarts;</item>
/// <item><c>update-intent.json</c> — the intent journal, present while the install tree may be between releases;</item>
/// <item><c>quarantine.json</c> — the releases the health gate rolled back (<see cref="Quarantine"/>);</item>
/// <item><c>update-reserve</c> — 64 KiB kept free for the outcome: made before a transaction's first rename, and
/// given up when a full disk would otherwise keep the final status from being saved (a manager restarted later
/// would then report a stale one).</item>
/// </list>
/// In <c>InstallDir/.hub-manager/</c>, the releases, which must be renamed into place and so live on the install
/// tree's own mount (under systemd's <c>ProtectSystem=strict</c>, <c>StateDirectory=</c> and <c>ReadWritePaths=</c>
/// are separate bind mounts even on one disk, and rename(2) across them fails with EXDEV):
/// <list type="bullet">
/// <item><c>txn/tree/</c> — the staged release, which after the swap holds the replaced entries;</item>
/// <item><c>aside/</c> — a parking place for the two-rename fallback where <c>RENAME_EXCHANGE</c> is unsupported;</item>
/// <item><c>backups/VERSION/</c> — <c>tree/</c> plus <c>backup.json</c> for each kept previous release.</item>
/// </list>
/// <c>.hub-manager</c> must be the manager's own directory (see <see cref="EnsureReleasesDir"/>). Every write is
/// write-temp, fsync, rename, fsync the directory: after a crash a file is wholly old or wholly new; a failed write
/// leaves no temporary file behind. Every read is bounded and refuses anything but a regular file (<see cref="NoFollowFile"/>).
/// </summary>
public sealed class UpdateStore(string stateDir, string installDir)
{
    /// <summary>The entry in <c>InstallDir</c> that holds releases; no package may contain it.</summary>
    public const string ReleasesDirName = ".hub-manager";

    /// <summary>The size of <c>update-reserve</c>: more than a final status takes (20 journal lines of at most 1 KiB).</summary>
    public const int ReserveBytes = 64 * 1024;

    const int MaxJsonBytes = 1 << 20;
    const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public string StateDir => stateDir;
    public string StateFile => Path.Combine(stateDir, "update-state.json");
    public string IntentFile => Path.Combine(stateDir, "update-intent.json");
    public string ReserveFile => Path.Combine(stateDir, "update-reserve");
    public string QuarantineFile => Path.Combine(stateDir, "quarantine.json");
    public string ReleasesDir => Path.Combine(installDir, ReleasesDirName);
    public string Transaction => Path.Combine(ReleasesDir, "txn");
    public string StagedTree => Path.Combine(Transaction, "tree");
    public string Aside => Path.Combine(ReleasesDir, "aside");
    public string BackupsDir => Path.Combine(ReleasesDir, "backups");

    public string BackupDir(string version) => Path.Combine(BackupsDir, version);

    /// <summary>Creates <c>StateDir</c> (0700) if missing.</summary>
    public void EnsureStateDir() => Directory.CreateDirectory(stateDir, OwnerOnly);

    /// <summary>
    /// Creates <c>InstallDir/.hub-manager</c> if missing and makes sure it is the manager's own: a real directory,
    /// not a symlink (root would follow it to delete <c>txn/</c> and write backups wherever it points), owned by the
    /// manager's user, mode 0700 (it holds old releases, <c>.env</c> files included). Throws an
    /// <see cref="IOException"/> saying what to do otherwise; called at start-up and before every transaction.
    /// </summary>
    public void EnsureReleasesDir()
    {
        if (Directory.Exists(installDir) && !Posix.Exists(ReleasesDir))
            Directory.CreateDirectory(ReleasesDir, OwnerOnly);
        // Checked on the opened directory itself, so a swap after the check cannot redirect the chmod.
        SafeFileHandle handle;
        try
        {
            handle = NoFollowFile.Open(ReleasesDir);
        }
        catch (IOException refused) when (refused.HResult == Errno.ELOOP)
        {
            throw new IOException($"'{ReleasesDir}' is a symbolic link; the manager keeps releases there as root and does not follow it: remove it (the manager creates the directory)");
        }
        catch (FileNotFoundException)
        {
            return; // no InstallDir yet: nothing to update
        }
        using (handle)
        {
            var facts = NoFollowFile.Facts(handle, ReleasesDir);
            if (!facts.IsDirectory)
                throw new IOException($"'{ReleasesDir}' is {facts.Kind}, not a directory; the manager keeps releases there: remove it (the manager creates the directory)");
            var manager = NoFollowFile.EffectiveUser;
            if (facts.Owner != manager)
                throw new IOException($"'{ReleasesDir}' is owned by uid {facts.Owner}, not by the manager's uid {manager}; the manager keeps releases there: remove it or chown it to uid {manager}");
            if (facts.Permissions != OwnerOnly)
                NoFollowFile.SetPermissions(handle, ReleasesDir, OwnerOnly);
        }
    }

    /// <summary>True when <c>.hub-manager</c> is a directory the manager owns (what <see cref="EnsureReleasesDir"/> enforces).</summary>
    bool ReleasesDirIsOwn()
    {
        try
        {
            using var handle = NoFollowFile.Open(ReleasesDir);
            var facts = NoFollowFile.Facts(handle, ReleasesDir);
            return facts.IsDirectory && facts.Owner == NoFollowFile.EffectiveUser;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Makes <c>update-reserve</c> if missing; throws an <see cref="IOException"/> when <c>StateDir</c> has no room for it.</summary>
    public void EnsureReserve()
    {
        if (File.Exists(ReserveFile) && new FileInfo(ReserveFile).Length == ReserveBytes)
            return;
        try
        {
            // Random bytes written, not a length or zeros: a sparse file takes no blocks, and compressing
            // filesystems (btrfs, ZFS) store zeros in next to none.
            WriteDurably(ReserveFile, RandomNumberGenerator.GetBytes(ReserveBytes));
        }
        catch (IOException full)
        {
            throw new IOException($"{stateDir} has no room for the update's journal ({ReserveBytes / 1024} KiB): {full.Message}", full);
        }
    }

    /// <summary>The persisted status, or idle when there is none (or it cannot be read).</summary>
    public UpdateStatus ReadStatus() => Read(StateFile, UpdateJson.Api.UpdateStatus) ?? new UpdateStatus();

    /// <summary>
    /// Saves the status. A final one (not running) that finds the disk full is saved in the room
    /// <c>update-reserve</c> gives up: how an update ended must survive a manager restart.
    /// </summary>
    public void WriteStatus(UpdateStatus status)
    {
        status = status with { Backups = [] };
        try
        {
            Write(StateFile, status, UpdateJson.Api.UpdateStatus);
        }
        catch (IOException full) when (IsNoSpace(full) && status.State != UpdateState.Running && File.Exists(ReserveFile))
        {
            File.Delete(ReserveFile);
            Write(StateFile, status, UpdateJson.Api.UpdateStatus);
        }
    }

    /// <summary>ENOSPC, however .NET reported it.</summary>
    public static bool IsNoSpace(IOException failure) =>
        failure.HResult == Errno.ENOSPC || failure.Message.Contains("No space left", StringComparison.Ordinal);

    /// <summary>The intent journal; null when no transaction is open. Throws when it exists but cannot be read.</summary>
    public UpdateIntent? ReadIntent()
    {
        if (!File.Exists(IntentFile))
            return null;
        return Read(IntentFile, UpdateJson.Api.UpdateIntent)
            ?? throw new InvalidDataException($"{IntentFile} exists but cannot be read; the install tree needs a look by hand");
    }

    public void WriteIntent(UpdateIntent intent) => Write(IntentFile, intent, UpdateJson.Api.UpdateIntent);

    /// <summary>The first journal write: nothing is renamed yet, so a failure only has to leave no journal behind.</summary>
    public void WriteFirstIntent(UpdateIntent intent)
    {
        try
        {
            WriteIntent(intent);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            try
            {
                DeleteIntent(); // a write that failed at its final fsync has already renamed the file into place
            }
            catch (IOException)
            {
                // An intent left over only makes recovery undo nothing and restart the hub: harmless.
            }
            throw new IOException($"cannot write the update's journal {IntentFile}: {failure.Message}; nothing was installed", failure);
        }
    }

    /// <summary>Closes the transaction: after this (durable) delete, recovery has nothing to do.</summary>
    public void DeleteIntent()
    {
        File.Delete(IntentFile);
        Posix.FsyncDirectory(stateDir);
    }

    /// <summary>
    /// The quarantined releases; empty when there are none or the file cannot be read (a release could then be installed
    /// again without <c>force</c>; the manager never writes such a file).
    /// </summary>
    public Quarantine ReadQuarantine() => Read(QuarantineFile, UpdateJson.Api.Quarantine) ?? Quarantine.Empty;

    public void WriteQuarantine(Quarantine quarantine) => Write(QuarantineFile, quarantine, UpdateJson.Api.Quarantine);

    public void WriteManifest(string backupDir, BackupManifest manifest) =>
        Write(Path.Combine(backupDir, "backup.json"), manifest, UpdateJson.Api.BackupManifest);

    public static BackupManifest? ReadManifest(string backupDir) => Read(Path.Combine(backupDir, "backup.json"), UpdateJson.Api.BackupManifest);

    /// <summary>
    /// After a committed update, <c>txn/tree</c> holds the replaced entries: they become <c>backups/PREVIOUS</c>
    /// (replacing an older backup of that version). Idempotent: once moved, there is no <c>txn/</c> left to keep.
    /// Without a valid previous version there is nothing to name the backup by, and the entries are deleted.
    /// </summary>
    public void KeepReplacedAsBackup(string? previous, string replacedBy, DateTimeOffset at, IReadOnlyList<string> entries)
    {
        if (!Directory.Exists(Transaction))
            return;
        if (previous is null || !ReleaseVersion.IsValid(previous))
        {
            DeleteTree(Transaction);
            return;
        }
        WriteManifest(Transaction, new BackupManifest(previous, replacedBy, at, entries));
        Directory.CreateDirectory(BackupsDir);
        DeleteTree(BackupDir(previous));
        Posix.RenameNoReplace(Transaction, BackupDir(previous));
        Posix.FsyncDirectory(BackupsDir);
    }

    /// <summary>Kept backups with a readable manifest, newest first.</summary>
    public IReadOnlyList<BackupManifest> Backups()
    {
        if (!ReleasesDirIsOwn() || !Directory.Exists(BackupsDir))
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
            return JsonSerializer.Deserialize(NoFollowFile.ReadRegular(path, MaxJsonBytes), type);
        }
        catch (Exception unreadable) when (unreadable is IOException or JsonException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }

    static void Write<T>(string path, T value, JsonTypeInfo<T> type) => WriteDurably(path, JsonSerializer.SerializeToUtf8Bytes(value, type));

    static void WriteDurably(string path, byte[] content)
    {
        var temporary = path + ".tmp";
        try
        {
            using (var file = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                RandomAccess.Write(file, content, 0);
                RandomAccess.FlushToDisk(file);
            }
            Posix.Rename(temporary, path);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            // A half-written temporary file would hold on to the very space that ran out.
            File.Delete(temporary);
            throw;
        }
        Posix.FsyncDirectory(Path.GetDirectoryName(path)!);
    }
}
