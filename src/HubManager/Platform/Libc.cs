using System.Runtime.InteropServices;

namespace HubManager.Platform;

/// <summary>
/// Every libc call of the manager, declared once. Callers go through <see cref="Posix"/>, <see cref="NoFollowFile"/>,
/// <see cref="FileStamp"/>, <see cref="OpenFileLimit"/>, <see cref="NativeHeap"/>, <see cref="ProcessUsage"/> and <see cref="DescriptorStream"/>, which say what failed.
/// </summary>
internal static partial class Libc
{
    /// <summary>glibc by its soname: "libc" would make the runtime probe libc.so, which is a linker script where libc6-dev is installed.</summary>
    internal const string SoName = "libc.so.6";

    /// <summary><c>dirfd</c> meaning "relative to the working directory" (paths here are absolute).</summary>
    internal const int AtFdCwd = -100;
    internal const int AtSymlinkNoFollow = 0x100, AtEmptyPath = 0x1000;
    internal const int OReadOnly = 0, ONonBlocking = 0x800, OCloseOnExec = 0x80000;
    internal const uint RenameFlagNoReplace = 1, RenameFlagExchange = 2;
    /// <summary><c>STATX_BASIC_STATS</c>.</summary>
    internal const uint StatxBasicStats = 0x7ff;

    [LibraryImport(SoName, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int renameat2(int olddirfd, string oldpath, int newdirfd, string newpath, uint flags);

    [LibraryImport(SoName, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rename(string oldpath, string newpath);

    [LibraryImport(SoName, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int open(string path, int flags);

    [LibraryImport(SoName, SetLastError = true)]
    internal static partial int fsync(int fd);

    [LibraryImport(SoName, SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport(SoName, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int lstat(string path, byte* buffer);

    /// <summary>struct statx has one layout on every architecture (struct stat does not); 256 bytes hold it.</summary>
    [LibraryImport(SoName, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport(SoName, SetLastError = true)]
    internal static partial int fchmod(int fd, uint mode);

    [LibraryImport(SoName)]
    internal static partial uint geteuid();

    [StructLayout(LayoutKind.Sequential)]
    internal struct ResourceLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport(SoName, SetLastError = true)]
    internal static partial int getrlimit(int resource, out ResourceLimit limit);

    [LibraryImport(SoName, SetLastError = true)]
    internal static partial int setrlimit(int resource, in ResourceLimit limit);

    [LibraryImport(SoName)]
    internal static partial int mallopt(int parameter, int value);

    [LibraryImport(SoName)]
    internal static unsafe partial nint read(int fd, byte* buffer, nuint count);

    [LibraryImport(SoName, SetLastError = true)]
    internal static unsafe partial nint write(int fd, byte* buffer, nuint count);

    [LibraryImport(SoName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint opendir(string path);

    /// <summary>A <c>struct dirent*</c>; its name starts at byte 19 on every 64-bit Linux glibc.</summary>
    [LibraryImport(SoName)]
    internal static unsafe partial byte* readdir(nint directory);

    [LibraryImport(SoName)]
    internal static partial int closedir(nint directory);

    internal const int ClockBootTime = 7;

    [StructLayout(LayoutKind.Sequential)]
    internal struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport(SoName)]
    internal static partial int clock_gettime(int clock, out TimeSpec time);
}
