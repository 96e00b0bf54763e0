using static HubManager.Platform.Libc;

namespace HubManager.Platform;

/// <summary>What identifies one version of a file's content, from <c>statx(2)</c> of the path itself (a symlink is not followed, as reading does not follow it).</summary>
public readonly record struct FileStamp(uint DeviceMajor, uint DeviceMinor, ulong Inode, ulong Size, long ChangeSeconds, uint ChangeNanoseconds, long ModifySeconds, uint ModifyNanoseconds)
{
    public DateTimeOffset ChangeTime => DateTimeOffset.FromUnixTimeSeconds(ChangeSeconds).AddTicks(ChangeNanoseconds / 100);

    public static unsafe bool TryGet(string path, out FileStamp stamp)
    {
        var buffer = stackalloc byte[256];
        if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
        {
            stamp = default;
            return false;
        }
        stamp = new FileStamp(
            DeviceMajor: *(uint*)(buffer + 136), DeviceMinor: *(uint*)(buffer + 140), Inode: *(ulong*)(buffer + 32),
            Size: *(ulong*)(buffer + 40), ChangeSeconds: *(long*)(buffer + 96), ChangeNanoseconds: *(uint*)(buffer + 104),
            ModifySeconds: *(long*)(buffer + 112), ModifyNanoseconds: *(uint*)(buffer + 120));
        return true;
    }
}
