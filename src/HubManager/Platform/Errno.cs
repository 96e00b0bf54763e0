namespace HubManager.Platform;

/// <summary>The errno values the manager tells apart (Linux, every architecture it runs on); the <c>HResult</c> of the <see cref="IOException"/>s <see cref="Posix"/> and <see cref="NoFollowFile"/> throw.</summary>
public static class Errno
{
    public const int ENOENT = 2, EEXIST = 17, EXDEV = 18, EINVAL = 22, ENOSPC = 28, ENOSYS = 38, ELOOP = 40;
}
