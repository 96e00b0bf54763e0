namespace HubManager.Platform;

/// <summary>
/// Makes glibc give large blocks back to the system as soon as they are freed. libsystemd unpacks a compressed journal
/// field whole into one malloc()ed block (a 16 MB message: 16 MB), which the reader frees at once by closing the handle
/// (<see cref="Journal.JournalReader"/>). By default glibc raises its mmap threshold to the size of the first large block freed
/// (up to 32 MiB), so later ones come from a heap arena, which keeps the memory after free(); a fixed threshold keeps
/// every block above it in a mapping of its own, unmapped by free().
/// </summary>
static class NativeHeap
{
    /// <summary>glibc's <c>M_MMAP_THRESHOLD</c> parameter of mallopt(3); setting it also turns the dynamic raise off.</summary>
    const int MmapThresholdParameter = -3;

    /// <summary>glibc's initial threshold, now kept: blocks of this size or more get a mapping of their own.</summary>
    const int MmapThreshold = 128 * 1024;

    static int applied;

    /// <summary>Fixes the threshold, once per process (before the first journal is opened).</summary>
    public static void ReturnLargeBlocks()
    {
        if (Interlocked.Exchange(ref applied, 1) == 0)
            Libc.mallopt(MmapThresholdParameter, MmapThreshold);
    }
}
