using System.Formats.Tar;
using System.Runtime.InteropServices;
using System.Text;

namespace HubManager.Updates;

/// <summary>
/// Extracts a tar stream into an empty staging directory, refusing the whole package on the first entry that
/// could reach outside it or is not plain content: absolute paths, <c>..</c>, NUL in names, paths through a
/// symlink or a file, symlinks that resolve outside the package (checked once all links are known, the way the
/// kernel would resolve them), hard links, devices, FIFOs, duplicates, anything in the manager's own
/// <c>.hub-manager</c> (directories too), names or link targets over <see cref="TarHeaderGuard.MaxNameBytes"/>,
/// and more entries or bytes (file data plus header data) than allowed.
/// Files belong to the manager's user (no chown), and setuid/setgid/sticky bits are dropped.
/// Unlike <c>TarFile.ExtractToDirectory</c> it never creates device nodes and never writes through a link.
/// Reads the stream strictly forward (no seeking, one buffer) through a <see cref="TarHeaderGuard"/>, so memory
/// stays flat whatever the size, header bombs included. Refusals quote names as a short <see cref="Excerpt"/>.
/// </summary>
public sealed class PackageExtractor(string stagingDir, int maxEntries, long maxBytes)
{
    const UnixFileMode PermissionBits = (UnixFileMode)0x1FF; // rwxrwxrwx: no setuid, setgid or sticky
    const UnixFileMode WorkingDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    const UnixFileMode ImpliedDirectoryMode = (UnixFileMode)0x1ED; // 0755
    const int MaxSymlinkHops = 40; // the kernel's own limit (ELOOP)
    /// <summary>
    /// Every path is remembered until the end (duplicates, links, modes): all names together may hold this many
    /// characters, so that 200,000 names of 4 KiB each cannot cost a gigabyte. A hub release needs well under 1 %.
    /// </summary>
    public const long MaxPathCharacters = 4 << 20;

    enum Kind { Directory, File, Symlink }

    readonly Dictionary<string, Kind> kinds = new(StringComparer.Ordinal);
    readonly Dictionary<string, UnixFileMode> directoryModes = new(StringComparer.Ordinal);
    readonly Dictionary<string, string> symlinks = new(StringComparer.Ordinal);
    readonly List<string> topLevel = [];
    long pathCharacters;

    /// <summary>
    /// Reads every entry of <paramref name="tar"/> into the staging directory (which must exist and be empty).
    /// Throws <see cref="PackageRefusedException"/> for hostile or oversized content, and an <see cref="IOException"/>
    /// (with the errno of, say, a full disk) naming the entry it could not write; either way the caller deletes
    /// the staging directory.
    /// </summary>
    public async Task<ExtractedPackage> ExtractAsync(Stream tar, CancellationToken cancellationToken)
    {
        var entries = 0;
        long bytes = 0;
        var buffer = new byte[81920];
        // Header bombs are refused by the guard before TarReader reads their data into memory.
        var guard = new TarHeaderGuard(tar);
        await using var reader = new TarReader(guard, leaveOpen: true);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            if (++entries > maxEntries)
                throw new PackageRefusedException($"the package has more than {maxEntries} entries (Update:MaxEntries)");
            // A pax size record makes TarReader skip other than the header says: the guard would lose step.
            if (entry.Length != guard.LastHeaderSize)
                throw Refuse(entry.Name, $"has a pax size record ({entry.Length}) that disagrees with its header ({guard.LastHeaderSize})");
            var fileBytes = IsFile(entry.EntryType) ? entry.Length : 0;
            if (fileBytes > maxBytes - bytes - guard.HeaderDataBytes)
                throw new PackageRefusedException($"the package holds more than {maxBytes} bytes of files and header data (Update:MaxExtractedBytes)");
            bytes += fileBytes;
            if (entry.EntryType == TarEntryType.GlobalExtendedAttributes)
                continue; // pax metadata for the entries that follow, not content
            var path = Normalize(entry.Name);
            // Directories too: a staged .hub-manager/ would be swapped with the manager's own releases directory.
            if (path == UpdateStore.ReleasesDirName || path.StartsWith(UpdateStore.ReleasesDirName + "/", StringComparison.Ordinal))
                throw Refuse(entry.Name, $"uses '{UpdateStore.ReleasesDirName}', where the manager keeps releases and backups in InstallDir");
            try
            {
                await PlaceAsync(entry, path, buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
            {
                // The runtime's message quotes the whole staged path, which the package chose.
                throw new IOException($"extracting package entry '{Excerpt.Of(entry.Name)}' failed: {Describe(failure)}", failure.HResult);
            }
        }
        // Only now are all links known: a link is judged by where the kernel would take it, through the others.
        foreach (var (path, target) in symlinks)
        {
            if (!StaysInside(path, target))
                throw Refuse(path, $"is a symlink to '{Excerpt.Of(target)}', which leads outside the package");
        }
        // Directories were writable while filling them; give them the package's modes, deepest first.
        foreach (var (path, mode) in directoryModes.OrderByDescending(d => d.Key.Length))
            File.SetUnixFileMode(Full(path), mode);
        return new ExtractedPackage(topLevel, entries, bytes);
    }

    static bool IsFile(TarEntryType type) => type is TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile;

    /// <summary>Creates one entry in the staging tree, or refuses it.</summary>
    async Task PlaceAsync(TarEntry entry, string path, byte[] buffer, CancellationToken cancellationToken)
    {
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                if (path.Length == 0)
                    return; // "./" itself: the staging directory
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

            case var type when IsFile(type):
                RequireNew(path, entry.Name);
                PrepareParents(path);
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

    /// <summary>What went wrong on disk, without the path the runtime's message would quote.</summary>
    static string Describe(Exception failure) => failure switch
    {
        PathTooLongException => "the path is too long",
        UnauthorizedAccessException => "permission denied",
        IOException { HResult: > 0 and < 4096 } => Marshal.GetPInvokeErrorMessage(failure.HResult), // an errno
        _ => Excerpt.Of(failure.Message),
    };

    /// <summary>
    /// Turns a tar name into a clean relative path ("a/b"; "" for the root). Refuses names over
    /// <see cref="TarHeaderGuard.MaxNameBytes"/>, NUL, absolute paths and <c>..</c>; drops <c>.</c> and empty
    /// components (so "./dist//x" is "dist/x").
    /// </summary>
    public static string Normalize(string name)
    {
        RequireShort(name, name, "a name");
        if (name.Contains('\0'))
            throw Refuse(name, "contains a NUL character");
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
        if ((pathCharacters += path.Length) > MaxPathCharacters)
            throw new PackageRefusedException($"the package's names add up to more than {MaxPathCharacters} characters");
        kinds[path] = kind;
        if (!path.Contains('/'))
            topLevel.Add(path);
    }

    void RequireNew(string path, string name)
    {
        if (path.Length == 0)
            throw Refuse(name, "names the package root");
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
                    throw Refuse(path, $"passes through the symlink {Excerpt.Of(parent)}");
                if (kind == Kind.File)
                    throw Refuse(path, $"passes through the file {Excerpt.Of(parent)}");
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
                throw Refuse(entry.Name, "is cut short: the package ends in the middle of its data");
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
        RequireShort(target, name, "a symlink target");
        if (target.Length == 0)
            throw Refuse(name, "is a symlink with an empty target");
        if (target.Contains('\0'))
            throw Refuse(name, "is a symlink whose target contains a NUL character");
        if (target.StartsWith('/'))
            throw Refuse(name, $"is a symlink to the absolute path '{Excerpt.Of(target)}'");
    }

    /// <summary>PATH_MAX for names and link targets: the guard bounds GNU headers, this bounds pax records too.</summary>
    static void RequireShort(string text, string name, string what)
    {
        if (Encoding.UTF8.GetByteCount(text) is var bytes and > TarHeaderGuard.MaxNameBytes)
            throw Refuse(name, $"has {what} of {bytes} bytes; at most {TarHeaderGuard.MaxNameBytes} are allowed");
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

    static PackageRefusedException Refuse(string name, string why) => new($"package entry '{Excerpt.Of(name)}' {why}");
}
