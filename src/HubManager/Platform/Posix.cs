using System.Runtime.InteropServices;
using static HubManager.Platform.Errno;
using static HubManager.Platform.Libc;

namespace HubManager.Platform;

/// <summary>
/// The few libc calls .NET does not offer: an atomic swap of two paths (<c>renameat2</c>), renames that never
/// replace, directory fsync, and a path's inode (the identity the update journal uses to tell, after a crash,
/// which copy of an entry sits where). All take paths relative to nothing (<c>AT_FDCWD</c>) and never follow
/// a final symlink.
/// </summary>
public static class Posix
{
    /// <summary>
    /// Atomically exchanges two existing paths. False (nothing changed) when the filesystem cannot
    /// (<c>EINVAL</c>, <c>ENOSYS</c>): the caller falls back to plain renames. Throws on any other error.
    /// </summary>
    public static bool TryExchange(string a, string b)
    {
        if (renameat2(AtFdCwd, a, AtFdCwd, b, RenameFlagExchange) == 0)
            return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno is EINVAL or ENOSYS)
            return false;
        throw Failure("exchange", a, b, errno);
    }

    /// <summary>Renames <paramref name="from"/> to <paramref name="to"/>, which must not exist (never replaces).</summary>
    public static void RenameNoReplace(string from, string to)
    {
        if (renameat2(AtFdCwd, from, AtFdCwd, to, RenameFlagNoReplace) == 0)
            return;
        var errno = Marshal.GetLastPInvokeError();
        if (errno is EINVAL or ENOSYS)
        {
            // Filesystems without renameat2 flags: check, then rename. Only the manager writes these paths.
            if (Exists(to))
                throw Failure("rename", from, to, EEXIST);
            if (rename(from, to) == 0)
                return;
            errno = Marshal.GetLastPInvokeError();
        }
        throw Failure("rename", from, to, errno);
    }

    /// <summary>Renames, replacing <paramref name="to"/> if it is a file (used for write-then-rename of small files).</summary>
    public static void Rename(string from, string to)
    {
        if (rename(from, to) != 0)
            throw Failure("rename", from, to, Marshal.GetLastPInvokeError());
    }

    /// <summary>Flushes a directory's entries (renames, creations) to disk.</summary>
    public static void FsyncDirectory(string path)
    {
        var fd = open(path, OReadOnly | OCloseOnExec);
        if (fd < 0)
            throw new IOException($"cannot open {path} to sync it: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        try
        {
            if (fsync(fd) != 0)
                throw new IOException($"cannot sync {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        finally
        {
            close(fd);
        }
    }

    /// <summary>The (device, inode) of a path itself (a symlink is not followed), or null when it does not exist.</summary>
    public static unsafe (ulong Device, ulong Inode)? Identity(string path)
    {
        // st_dev and st_ino are the first two 64-bit fields of struct stat on x86_64 and arm64 alike.
        var buffer = stackalloc byte[256];
        if (lstat(path, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == ENOENT)
                return null;
            throw new IOException($"cannot stat {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        return (((ulong*)buffer)[0], ((ulong*)buffer)[1]);
    }

    /// <summary>True when something (file, directory, symlink, even a dangling one) is at <paramref name="path"/>.</summary>
    public static bool Exists(string path) => Identity(path) is not null;

    static IOException Failure(string what, string a, string b, int errno) =>
        new($"cannot {what} {a} and {b}: {Marshal.GetPInvokeErrorMessage(errno)}") { HResult = errno };
}
