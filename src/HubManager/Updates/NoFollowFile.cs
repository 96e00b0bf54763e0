using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace HubManager.Updates;

/// <summary>What <c>statx(2)</c> says about an open file: its type and permission bits, owner and size.</summary>
public readonly record struct FileFacts(uint Mode, uint Owner, long Size)
{
    const uint TypeMask = 0xF000, RegularType = 0x8000, DirectoryType = 0x4000;

    public bool IsRegular => (Mode & TypeMask) == RegularType;
    public bool IsDirectory => (Mode & TypeMask) == DirectoryType;
    public UnixFileMode Permissions => (UnixFileMode)(Mode & 0xFFF);

    /// <summary>"a FIFO", "a directory"...: for sentences that say why a path was refused.</summary>
    public string Kind => (Mode & TypeMask) switch
    {
        RegularType => "a regular file",
        DirectoryType => "a directory",
        0x1000 => "a FIFO",
        0x2000 => "a character device",
        0x6000 => "a block device",
        0xC000 => "a socket",
        _ => "a special file",
    };
}

/// <summary>
/// Opens paths the way a root daemon must open what a less trusted user may have put there: a final symlink is
/// refused, not followed (<c>O_NOFOLLOW</c>); the open never blocks (<c>O_NONBLOCK</c>: a FIFO would otherwise
/// wait for a writer, holding a thread and whatever lock its caller holds); and the type is checked on the open
/// descriptor (<c>statx</c>), so it is the file read that was checked. Refusals are <see cref="IOException"/>s
/// whose message names the path and what is wrong, never a byte of the content.
/// </summary>
public static partial class NoFollowFile
{
    /// <summary>The errno (and the <c>HResult</c> of the <see cref="IOException"/>) of opening a symlink.</summary>
    public const int ELoop = 40;
    const int ReadOnly = 0, NonBlocking = 0x800, CloseOnExec = 0x80000, AtEmptyPath = 0x1000;
    const uint BasicStats = 0x7ff;

    /// <summary><c>O_NOFOLLOW</c> is one of the few flags whose value differs between architectures.</summary>
    static readonly int NoFollow = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;

    /// <summary>
    /// The whole content of a regular file of at most <paramref name="maxBytes"/>. Throws <see cref="FileNotFoundException"/>
    /// when it is missing, else <see cref="IOException"/> for a symlink, a FIFO, a device, a directory or a larger file.
    /// </summary>
    public static byte[] ReadRegular(string path, int maxBytes)
    {
        using var handle = Open(path);
        var facts = Facts(handle, path);
        if (!facts.IsRegular)
            throw new IOException($"{path} is {facts.Kind}, not a regular file; it is not read");
        if (facts.Size > maxBytes)
            throw new IOException($"{path} is larger than {maxBytes} bytes; it is not read");
        // Sized by what statx said, but read to the end (bounded): the file may change while it is read.
        var buffer = new byte[facts.Size + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = RandomAccess.Read(handle, buffer.AsSpan(length), length)) > 0)
            length += read;
        if (length > maxBytes)
            throw new IOException($"{path} is larger than {maxBytes} bytes; it is not read");
        return buffer.AsSpan(0, length).ToArray();
    }

    /// <summary>Opens <paramref name="path"/> (file or directory) read-only without following a final symlink or blocking.</summary>
    public static SafeFileHandle Open(string path)
    {
        var fd = open(path, ReadOnly | NoFollow | NonBlocking | CloseOnExec);
        if (fd >= 0)
            return new SafeFileHandle(fd, ownsHandle: true);
        var errno = Marshal.GetLastPInvokeError();
        if (errno == Posix.ENOENT)
            throw new FileNotFoundException($"{path} does not exist", path);
        throw new IOException(errno == ELoop
            ? $"{path} is a symbolic link; it is not followed"
            : $"cannot open {path}: {Marshal.GetPInvokeErrorMessage(errno)}") { HResult = errno };
    }

    /// <summary>Type, mode, owner and size of an open file.</summary>
    public static unsafe FileFacts Facts(SafeFileHandle handle, string path)
    {
        // struct statx has one layout on every architecture (struct stat does not).
        var buffer = stackalloc byte[256];
        if (statx((int)handle.DangerousGetHandle(), "", AtEmptyPath, BasicStats, buffer) != 0)
            throw new IOException($"cannot stat {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        return new FileFacts(Mode: *(ushort*)(buffer + 28), Owner: *(uint*)(buffer + 20), Size: *(long*)(buffer + 40));
    }

    /// <summary>Sets the permission bits of an open file (or directory).</summary>
    public static void SetPermissions(SafeFileHandle handle, string path, UnixFileMode mode)
    {
        if (fchmod((int)handle.DangerousGetHandle(), (uint)mode) != 0)
            throw new IOException($"cannot chmod {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    /// <summary>The user the manager runs as (it owns what it creates).</summary>
    public static uint EffectiveUser => geteuid();

    [LibraryImport(Posix.Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport(Posix.Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport(Posix.Libc, SetLastError = true)]
    private static partial int fchmod(int fd, uint mode);

    [LibraryImport(Posix.Libc)]
    private static partial uint geteuid();
}
