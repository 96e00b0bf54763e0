namespace HubManager.Journal;

/// <summary>
/// Keeps the garbage of large entries small and gives it back to the system. Copying, formatting and sending a 1 MiB
/// message leaves a few MiB of large-object-heap arrays behind. The GC collects them when its budget for such arrays
/// runs out, and that budget grows with what survives: sixteen followers holding a MiB each for slow clients let a
/// flood of 1 MiB entries pile up a hundred MiB of garbage first. And a manager that goes quiet keeps the garbage of its
/// last reads, since nothing calls for a collection any more. So every <see cref="CollectEvery"/> bytes of large
/// entries read, and a second after the last one, a collection runs (the latter aggressive: compacting and giving the
/// freed memory back). Never for ordinary entries: journald cuts a service's output lines at 48 KiB.
/// </summary>
static class LargeEntryMemory
{
    /// <summary>A field this large makes its entry count as large.</summary>
    public const int LargeField = 64 * 1024;

    /// <summary>Large entries read between two collections at most (each leaves about three times its size of garbage).</summary>
    const long CollectEvery = 4 * 1024 * 1024;

    static readonly TimeSpan Delay = TimeSpan.FromSeconds(1);
    static readonly Timer Collector = new(_ => Collect());
    static long sinceCollection;
    static int scheduled;

    /// <summary>Counts an entry whose largest field has <paramref name="bytes"/> bytes (the reader keeps at most <see cref="JournalEntry.MessageLimit"/>).</summary>
    public static void Read(long bytes)
    {
        if (Interlocked.Add(ref sinceCollection, Math.Min(bytes, JournalEntry.MessageLimit)) >= CollectEvery)
        {
            Interlocked.Exchange(ref sinceCollection, 0);
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);
        }
        ReturnSoon();
    }

    /// <summary>Schedules the aggressive collection, unless one is already due.</summary>
    public static void ReturnSoon()
    {
        if (Interlocked.Exchange(ref scheduled, 1) == 0)
            Collector.Change(Delay, Timeout.InfiniteTimeSpan);
    }

    static void Collect()
    {
        Volatile.Write(ref scheduled, 0);
        Interlocked.Exchange(ref sinceCollection, 0);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }
}
