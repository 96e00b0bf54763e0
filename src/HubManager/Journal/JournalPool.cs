namespace HubManager.Journal;

/// <summary>
/// Journal handles kept open between <c>GET /logs</c> requests. Opening the journal maps every journal file and
/// costs more than reading a hundred entries, so a request rents an open handle and gives it back when done.
/// A handle is not thread-safe: each one serves one request at a time, and at most <see cref="Capacity"/> idle
/// ones are kept (requests beyond that open and close their own). Every handle watches the journal directories
/// through inotify; when journald adds or removes a file (rotation, vacuuming) the handle is closed at its next
/// rent and a fresh one opened, so no new file is missed and no deleted one stays open. Handles idle for
/// <see cref="DefaultIdleTimeout"/> are closed: a quiet manager holds no journal file and no mapping.
/// </summary>
public sealed class JournalPool : IDisposable
{
    /// <summary>Idle handles kept: one per request read at the same moment, which two cores rarely exceed.</summary>
    public const int Capacity = 4;

    /// <summary>How long the pool keeps handles after the last request gave one back.</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromSeconds(30);

    readonly Func<JournalHandle> open;
    readonly TimeSpan idleTimeout;
    readonly Stack<JournalHandle> idle = new(Capacity);
    readonly Timer closer;
    bool disposed;

    /// <param name="open">Opens the journal (e.g. <see cref="JournalHandle.OpenLocal"/>); called when no idle handle is usable.</param>
    /// <param name="idleTimeout">How long handles are kept after the last return (default <see cref="DefaultIdleTimeout"/>).</param>
    public JournalPool(Func<JournalHandle> open, TimeSpan? idleTimeout = null)
    {
        this.open = open;
        this.idleTimeout = idleTimeout ?? DefaultIdleTimeout;
        closer = new Timer(_ => CloseIdle(), null, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>An open handle without matches, up to date with the journal's files; the caller owns it until <see cref="Return"/>.</summary>
    public JournalHandle Rent()
    {
        while (TryTakeIdle() is { } journal)
        {
            // Reading the queued inotify events lets sd-journal notice appended entries; a changed set of files
            // is cheaper and safer to meet with a fresh handle than with one that juggled files in place.
            int change;
            using (var lease = journal.Use())
                change = SdJournal.Process(lease.Journal);
            if (change >= 0 && change != SdJournal.Invalidate)
                return journal;
            journal.Dispose();
        }
        var fresh = open();
        try
        {
            using var lease = fresh.Use();
            SdJournal.Check(SdJournal.GetFd(lease.Journal), "sd_journal_get_fd");
            return fresh;
        }
        catch
        {
            fresh.Dispose();
            throw;
        }
    }

    /// <summary>Takes back a rented handle (its matches are dropped; the next renter seeks anew), or closes it if the pool is full.</summary>
    public void Return(JournalHandle journal)
    {
        using (var lease = journal.Use())
            SdJournal.FlushMatches(lease.Journal);
        lock (idle)
        {
            if (!disposed && idle.Count < Capacity)
            {
                idle.Push(journal);
                closer.Change(idleTimeout, Timeout.InfiniteTimeSpan);
                return;
            }
        }
        journal.Dispose();
    }

    /// <summary>Closes the idle handles; rented ones are closed when they come back.</summary>
    public void Dispose()
    {
        lock (idle)
            disposed = true;
        closer.Dispose();
        CloseIdle();
    }

    JournalHandle? TryTakeIdle()
    {
        lock (idle)
            return idle.TryPop(out var journal) ? journal : null;
    }

    void CloseIdle()
    {
        while (TryTakeIdle() is { } journal)
            journal.Dispose();
    }
}
