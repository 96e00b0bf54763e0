using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using static HubManager.Platform.Libc;

namespace HubManager.Platform;

/// <summary>
/// Opens paths the way a root daemon must open what a less trusted user may have put there: a final symlink is
/// refused, not followed (<c>O_NOFOLLOW</c>); the open never blocks (<c>O_NONBLOCK</c>: a FIFO would otherwise
/// wait for a writer, holding a thread and whatever lock its caller holds); and the type is checked on the open
/// descriptor (<c>statx</c>), so it is the file read that was checked. Refusals are <see cref="IOException"/>s
/// whose message names the path and what is wrong, never a byte of the content.
/// </summary>
public static class NoFollowFile
{
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
        var fd = open(path, OReadOnly | NoFollow | ONonBlocking | OCloseOnExec);
        if (fd >= 0)
            return new SafeFileHandle(fd, ownsHandle: true);
        var errno = Marshal.GetLastPInvokeError();
        if (errno == Errno.ENOENT)
            throw new FileNotFoundException($"{path} does not exist", path);
        throw new IOException(errno == Errno.ELOOP
            ? $"{path} is a symbolic link; it is not followed"
            : $"cannot open {path}: {Marshal.GetPInvokeErrorMessage(errno)}") { HResult = errno };
    }

    /// <summary>Type, mode, owner and size of an open file.</summary>
    public static unsafe FileFacts Facts(SafeFileHandle handle, string path)
    {
        var buffer = stackalloc byte[256];
        if (statx((int)handle.DangerousGetHandle(), "", AtEmptyPath, StatxBasicStats, buffer) != 0)
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
}
