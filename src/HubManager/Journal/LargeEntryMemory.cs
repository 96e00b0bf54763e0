namespace HubManager.Journal;

/// <summary>
/// Gives the memory of large entries back to the system soon after they were read. Copying, formatting and sending a
/// 1 MiB message allocates a few MiB of large-object-heap arrays, which the GC reclaims only when later allocations
/// call for a collection, and whose regions it keeps committed for a while even then: a manager that goes quiet after
/// reading one would keep them. So a second after an entry with a field over <see cref="LargeField"/> was read, one
/// aggressive (compacting, decommitting) collection returns them; at most one per second, and never for ordinary
/// entries (journald cuts a service's output lines at 48 KiB).
/// </summary>
static class LargeEntryMemory
{
    /// <summary>A field this large makes its entry count as large.</summary>
    public const int LargeField = 64 * 1024;

    static readonly TimeSpan Delay = TimeSpan.FromSeconds(1);
    static readonly Timer Collector = new(_ => Collect());
    static int scheduled;

    /// <summary>Schedules the collection, unless one is already due.</summary>
    public static void ReturnSoon()
    {
        if (Interlocked.Exchange(ref scheduled, 1) == 0)
            Collector.Change(Delay, Timeout.InfiniteTimeSpan);
    }

    static void Collect()
    {
        Volatile.Write(ref scheduled, 0);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }
}
