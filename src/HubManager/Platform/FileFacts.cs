namespace HubManager.Platform;

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
