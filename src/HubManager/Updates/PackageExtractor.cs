using System.Formats.Tar;

namespace HubManager.Updates;

/// <summary>A package that must not be installed; the message says which entry and why.</summary>
public sealed class PackageRefusedException(string message) : Exception(message);

/// <summary>What a finished extraction produced.</summary>
public sealed record ExtractedPackage(IReadOnlyList<string> TopLevelEntries, int Entries, long Bytes);

/// <summary>
/// Extracts a tar stream into an empty staging directory, refusing the whole package on the first entry that
/// could reach outside it or is not plain content: absolute paths, <c>..</c>, NUL in names, paths through a
/// symlink or a file, symlinks that resolve outside the package (checked once all links are known, the way the
/// kernel would resolve them), hard links, devices, FIFOs, duplicates, and more entries or bytes than allowed.
/// Files belong to the manager's user (no chown), and setuid/setgid/sticky bits are dropped.
/// Unlike <c>TarFile.ExtractToDirectory</c> it never creates device nodes and never writes through a link.
/// Reads the stream strictly forward (no seeking, one buffer), so memory stays flat whatever the size.
/// </summary>
public sealed class PackageExtractor(string stagingDir, int maxEntries, long maxBytes)
{
    const UnixFileMode PermissionBits = (UnixFileMode)0x1FF; // rwxrwxrwx: no setuid, setgid or sticky
    const UnixFileMode WorkingDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    const UnixFileMode ImpliedDirectoryMode = (UnixFileMode)0x1ED; // 0755
    const int MaxSymlinkHops = 40; // the kernel's own limit (ELOOP)

    enum Kind { Directory, File, Symlink }

    readonly Dictionary<string, Kind> kinds = new(StringComparer.Ordinal);
    readonly Dictionary<string, UnixFileMode> directoryModes = new(StringComparer.Ordinal);
    readonly Dictionary<string, string> symlinks = new(StringComparer.Ordinal);
    readonly List<string> topLevel = [];

    /// <summary>
    /// Reads every entry of <paramref name="tar"/> into the staging directory (which must exist and be empty).
    /// Throws <see cref="PackageRefusedException"/> for hostile or oversized content, and lets I/O errors
    /// (a full disk) through; either way the caller deletes the staging directory.
    /// </summary>
    public async Task<ExtractedPackage> ExtractAsync(Stream tar, CancellationToken cancellationToken)
    {
        var entries = 0;
        long bytes = 0;
        var buffer = new byte[81920];
        await using var reader = new TarReader(tar, leaveOpen: true);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            if (++entries > maxEntries)
                throw new PackageRefusedException($"the package has more than {maxEntries} entries (Update:MaxEntries)");
            if (entry.EntryType == TarEntryType.GlobalExtendedAttributes)
                continue; // pax metadata for the entries that follow, not content
            var path = Normalize(entry.Name);
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    if (path.Length == 0)
                        continue; // "./" itself: the staging directory
                    PrepareParents(path);
                    if (kinds.TryGetValue(path, out var existing))
                    {
                        if (existing != Kind.Directory)
                            throw Refuse(entry.Name, "appears twice, as a directory and as something else");
                    }
                    else
                    {
                        Directory.CreateDirectory(Full(path), WorkingDirectoryMode);
                        Record(path, Kind.Directory);
                    }
                    directoryModes[path] = entry.Mode & PermissionBits;
                    break;

                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    RequireNew(path, entry.Name);
                    PrepareParents(path);
                    if (entry.Length < 0 || entry.Length > maxBytes - bytes)
                        throw new PackageRefusedException($"the package holds more than {maxBytes} bytes (Update:MaxExtractedBytes)");
                    bytes += entry.Length;
                    await WriteFileAsync(path, entry, buffer, cancellationToken).ConfigureAwait(false);
                    Record(path, Kind.File);
                    break;

                case TarEntryType.SymbolicLink:
                    RequireNew(path, entry.Name);
                    PrepareParents(path);
                    CheckLinkTarget(entry.Name, entry.LinkName);
                    File.CreateSymbolicLink(Full(path), entry.LinkName);
                    symlinks[path] = entry.LinkName;
                    Record(path, Kind.Symlink);
                    break;

                case TarEntryType.HardLink:
                    throw Refuse(entry.Name, "is a hard link; packages may not contain hard links");
                case TarEntryType.CharacterDevice or TarEntryType.BlockDevice:
                    throw Refuse(entry.Name, "is a device node; packages may not contain devices");
                case TarEntryType.Fifo:
                    throw Refuse(entry.Name, "is a FIFO; packages may not contain FIFOs");
                default:
                    throw Refuse(entry.Name, $"has tar entry type {entry.EntryType}, which a package may not contain");
            }
        }
        // Only now are all links known: a link is judged by where the kernel would take it, through the others.
        foreach (var (path, target) in symlinks)
        {
            if (!StaysInside(path, target))
                throw Refuse(path, $"is a symlink to '{target}', which leads outside the package");
        }
        // Directories were writable while filling them; give them the package's modes, deepest first.
        foreach (var (path, mode) in directoryModes.OrderByDescending(d => d.Key.Length))
            File.SetUnixFileMode(Full(path), mode);
        return new ExtractedPackage(topLevel, entries, bytes);
    }

    /// <summary>
    /// Turns a tar name into a clean relative path ("a/b"; "" for the root). Refuses NUL, absolute paths and
    /// <c>..</c>; drops <c>.</c> and empty components (so "./dist//x" is "dist/x").
    /// </summary>
    public static string Normalize(string name)
    {
        if (name.Contains('\0'))
            throw Refuse(name.Replace("\0", "\\0"), "contains a NUL character");
        if (name.StartsWith('/'))
            throw Refuse(name, "is an absolute path");
        var parts = name.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Contains(".."))
            throw Refuse(name, "contains a '..' component");
        return string.Join('/', parts.Where(p => p != "."));
    }

    string Full(string path) => Path.Combine(stagingDir, path);

    void Record(string path, Kind kind)
    {
        kinds[path] = kind;
        if (!path.Contains('/'))
            topLevel.Add(path);
    }

    void RequireNew(string path, string name)
    {
        if (path.Length == 0)
            throw Refuse(name, "names the package root");
        if (path == UpdateJournal.ReleasesDirName || path.StartsWith(UpdateJournal.ReleasesDirName + "/", StringComparison.Ordinal))
            throw Refuse(name, $"uses '{UpdateJournal.ReleasesDirName}', where the manager keeps releases and backups in InstallDir");
        if (kinds.ContainsKey(path))
            throw Refuse(name, "appears twice in the package");
    }

    /// <summary>Creates missing parent directories; refuses a parent that is a symlink or a file.</summary>
    void PrepareParents(string path)
    {
        for (var slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            var parent = path[..slash];
            if (kinds.TryGetValue(parent, out var kind))
            {
                if (kind == Kind.Symlink)
                    throw Refuse(path, $"passes through the symlink {parent}");
                if (kind == Kind.File)
                    throw Refuse(path, $"passes through the file {parent}");
                continue;
            }
            Directory.CreateDirectory(Full(parent), WorkingDirectoryMode);
            Record(parent, Kind.Directory);
            directoryModes[parent] = ImpliedDirectoryMode;
        }
    }

    async Task WriteFileAsync(string path, TarEntry entry, byte[] buffer, CancellationToken cancellationToken)
    {
        // CreateNew is O_CREAT|O_EXCL: it never opens an existing file or follows a symlink.
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            BufferSize = 0,
        };
        await using var file = new FileStream(Full(path), options);
        if (entry.DataStream is { } data)
        {
            long written = 0;
            int read;
            while ((read = await data.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                written += read;
                if (written > entry.Length)
                    throw Refuse(entry.Name, "holds more data than its header says");
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
            if (written != entry.Length)
                throw new EndOfStreamException($"the package ends in the middle of {entry.Name}");
        }
        // Set after writing: a mode given at creation is cut by the umask, and a 0444 file could not be written.
        File.SetUnixFileMode(file.SafeFileHandle, entry.Mode & PermissionBits);
        try
        {
            File.SetLastWriteTimeUtc(file.SafeFileHandle, entry.ModificationTime.UtcDateTime);
        }
        catch (ArgumentOutOfRangeException)
        {
            // A timestamp before 1601 or far in the future: keep the extraction time rather than refuse.
        }
    }

    static void CheckLinkTarget(string name, string target)
    {
        if (target.Length == 0)
            throw Refuse(name, "is a symlink with an empty target");
        if (target.Contains('\0'))
            throw Refuse(name, "is a symlink whose target contains a NUL character");
        if (target.StartsWith('/'))
            throw Refuse(name, $"is a symlink to the absolute path '{target}'");
    }

    /// <summary>
    /// Resolves <paramref name="target"/> from the link's directory the way the kernel would, following the
    /// package's other symlinks (a "dir/.." after a link goes to the link target's parent, not the link's),
    /// and answers whether every step stays within the package root.
    /// </summary>
    bool StaysInside(string linkPath, string target)
    {
        var resolved = new List<string>(linkPath.Split('/')[..^1]);
        var pending = new Stack<string>(target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        var hops = 0;
        while (pending.TryPop(out var part))
        {
            if (part == ".")
                continue;
            if (part == "..")
            {
                if (resolved.Count == 0)
                    return false;
                resolved.RemoveAt(resolved.Count - 1);
                continue;
            }
            resolved.Add(part);
            if (symlinks.TryGetValue(string.Join('/', resolved), out var next))
            {
                if (++hops > MaxSymlinkHops || next.StartsWith('/'))
                    return false;
                resolved.RemoveAt(resolved.Count - 1);
                foreach (var nextPart in next.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
                    pending.Push(nextPart);
            }
        }
        return true;
    }

    static PackageRefusedException Refuse(string name, string why) => new($"package entry '{name}' {why}");
}
