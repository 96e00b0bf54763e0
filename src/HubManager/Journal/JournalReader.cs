using System.Runtime.InteropServices;
using System.Text;
using HubManager.Platform;

namespace HubManager.Journal;

/// <summary>
/// Reads one unit's entries through one journal handle, oldest first: <c>Open</c> applies the unit and
/// priority matches and places the reader at the start of the query's window (the last N entries, or a cursor),
/// <see cref="TryRead"/> yields the entries that pass since/until/grep, and <see cref="Wait"/> blocks until the
/// journal changes, for following. When not following, the last N entries are kept as they are found walking
/// back from the tail (an <see cref="EntryWindow"/>), so they are not searched for a second time going forwards,
/// and reading ends with them. Owns the handle (or, opened from a <see cref="JournalPool"/>, gives it back when
/// disposed); used by one thread at a time.
/// <para>
/// libsystemd hands every field over whole, however large (journald takes fields of up to 768 MiB through its
/// native protocol): sd_journal_set_data_threshold is only a hint, and libsystemd 252 unpacks a compressed field
/// whole into a buffer of the journal file that lives as long as the handle. The reader copies at most
/// <see cref="JournalEntry.MessageLimit"/> of a field, and after an entry with a field larger than that it moves to
/// a fresh handle at the same entry, so the unpacked field is freed at once instead of staying with a pooled or
/// following handle.
/// </para>
/// </summary>
public sealed class JournalReader : IDisposable
{

    /// <summary>
    /// Held while an entry is loaded, by one reader at a time in the whole process: a load may make libsystemd unpack a
    /// field whole (a 16 MB message: 16 MB, until <see cref="MoveToFreshHandle"/> frees it, still under the lock), and
    /// all followers wake at once for a new entry. An ordinary load takes a microsecond or two.
    /// </summary>
    static readonly Lock Loading = new();

    JournalHandle handle;
    JournalHandle.Lease lease;
    nint journal;
    readonly JournalPool? pool;
    readonly UnitMatch unit;
    readonly JournalQuery query;
    byte[] cursor = new byte[256];
    /// <summary>The last N entries, found walking back; null when the reader walks forwards instead.</summary>
    EntryWindow? window;
    bool onUnreadEntry;
    bool pastUntil;
    bool readLargeEntries;
    bool disposed;

    JournalReader(JournalHandle handle, JournalPool? pool, UnitMatch unit, JournalQuery query)
    {
        (this.handle, this.pool, this.unit, this.query) = (handle, pool, unit, query);
        lease = handle.Use();
        journal = lease.Journal;
    }

    /// <summary>The entry <see cref="TryRead"/> last returned.</summary>
    public JournalEntry Entry { get; } = new();

    /// <summary>
    /// Takes ownership of <paramref name="journal"/> (also on failure), selects <paramref name="unit"/>'s entries
    /// and positions the reader. Throws <see cref="QueryException"/> for a cursor sd-journal refuses.
    /// </summary>
    public static JournalReader Open(JournalHandle journal, string unit, JournalQuery query, CancellationToken token) =>
        Open(journal, null, unit, query, token);

    /// <summary>As <see cref="Open(JournalHandle, string, JournalQuery, CancellationToken)"/> with a handle rented from <paramref name="pool"/>.</summary>
    public static JournalReader Open(JournalPool pool, string unit, JournalQuery query, CancellationToken token) =>
        Open(pool.Rent(), pool, unit, query, token);

    static JournalReader Open(JournalHandle handle, JournalPool? pool, string unit, JournalQuery query, CancellationToken token)
    {
        var reader = new JournalReader(handle, pool, UnitMatch.For(unit), query);
        try
        {
            reader.AddMatches();
            if (query.Cursor is { } start)
                reader.StartAtCursor(start, query.AfterCursor);
            else
                reader.StartAtTail(query.Lines, token);
            return reader;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>Moves to the next entry in the window that passes the filters; false at the end (for now, when following).</summary>
    public bool TryRead(CancellationToken token)
    {
        if (window is not null)
            return window.TryNext(Entry);
        while (!pastUntil)
        {
            token.ThrowIfCancellationRequested();
            if (!onUnreadEntry && SdJournal.Check(SdJournal.Next(journal), "sd_journal_next") == 0)
                return false;
            onUnreadEntry = false;
            if (!TryLoad())
                continue;
            if (Entry.Realtime > query.UntilUsec)
                pastUntil = true;
            else if (Passes())
                return true;
        }
        return false;
    }

    /// <summary>The current entry's cursor, valid until the next call on this reader.</summary>
    public ReadOnlySpan<byte> Cursor() => window is not null ? window.Cursor : JournalCursor();

    /// <summary>The cursor of sd-journal's current entry.</summary>
    unsafe ReadOnlySpan<byte> JournalCursor()
    {
        SdJournal.Check(SdJournal.GetCursor(journal, out var text), "sd_journal_get_cursor");
        try
        {
            var span = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(text);
            if (span.Length > cursor.Length)
                cursor = new byte[span.Length];
            span.CopyTo(cursor);
            return cursor.AsSpan(0, span.Length);
        }
        finally
        {
            NativeMemory.Free(text);
        }
    }

    /// <summary>Blocks until the journal changes or <paramref name="timeout"/> passes (sd_journal_wait).</summary>
    public void Wait(TimeSpan timeout) =>
        SdJournal.Check(SdJournal.Wait(journal, (ulong)timeout.TotalMicroseconds), "sd_journal_wait");

    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        window?.Dispose();
        lease.Dispose();
        if (pool is null)
            handle.Dispose();
        else
            pool.Return(handle);
        if (readLargeEntries)
            LargeEntryMemory.ReturnSoon();
    }

    /// <summary>
    /// Walks back from the tail (or from <c>until</c>) over <paramref name="count"/> entries that pass the filters,
    /// stopping early at <c>since</c> or the head. Entries without a MESSAGE count as journalctl's <c>-n</c> counts
    /// them: they take a place but print nothing. If all <paramref name="count"/> entries fit the window, they are
    /// what the reader yields; otherwise (following, fewer entries, too many bytes) it yields them walking
    /// forwards from where the walk stopped, and on to the journal's end.
    /// </summary>
    void StartAtTail(int count, CancellationToken token)
    {
        SdJournal.Check(query.UntilUsec is { } until ? SdJournal.SeekRealtime(journal, until + 1) : SdJournal.SeekTail(journal), "sd_journal_seek");
        window = query.Follow || count > EntryWindow.MaxEntries ? null : new EntryWindow();
        int steps = 0, found = 0;
        var beforeSince = false;
        while (found < count)
        {
            token.ThrowIfCancellationRequested();
            if (SdJournal.Check(SdJournal.Previous(journal), "sd_journal_previous") == 0)
                break;
            steps++;
            if (!TryLoad() || Entry.Realtime > query.UntilUsec)
                continue;
            if (Entry.Realtime < query.SinceUsec)
            {
                beforeSince = true;
                break;
            }
            if (!Passes())
                continue;
            found++;
            // JSON entries carry cursors; plain text does not need them.
            if (window is not null && !window.TryAdd(Entry, query.Json ? JournalCursor() : default))
            {
                window.Dispose();
                window = null;
            }
        }
        if (found < count)
        {
            window?.Dispose();
            window = null;
        }
        onUnreadEntry = window is null && steps > 0 && !beforeSince;
        // Nothing matches yet: whatever matches later is new, and reading from the head finds it whichever way
        // sd-journal treats a read past the tail position.
        if (steps == 0 && query.UntilUsec is null)
            SdJournal.Check(SdJournal.SeekHead(journal), "sd_journal_seek_head");
    }

    void StartAtCursor(string start, bool after)
    {
        var sought = SdJournal.SeekCursor(journal, start);
        if (sought == -Errno.EINVAL)
            throw new QueryException("cursor", "The cursor is not one this journal accepts; use a cursor /logs returned.");
        SdJournal.Check(sought, "sd_journal_seek_cursor");
        if (SdJournal.Check(SdJournal.Next(journal), "sd_journal_next") == 0)
            return;
        // If the cursor's entry is gone (vacuumed), the seek lands on the next one, which is then not skipped.
        onUnreadEntry = !(after && SdJournal.Check(SdJournal.TestCursor(journal, start), "sd_journal_test_cursor") > 0);
    }

    /// <summary>Selects the unit's entries (and the query's priorities) on the current handle.</summary>
    void AddMatches()
    {
        // What journalctl sets; libsystemd 252 still hands over larger fields whole (see the class remarks).
        SdJournal.Check(SdJournal.SetDataThreshold(journal, JournalEntry.MessageLimit), "sd_journal_set_data_threshold");
        unit.AddTo(journal);
        if (query.Priorities is var (from, to))
            UnitMatch.AddPriorities(journal, from, to);
    }

    /// <summary>
    /// Closes the current handle, which holds a large unpacked field, and continues on a fresh one (from the pool, or
    /// opened like it) placed on the same entry. Rare (only entries with a field over the limit), so it may allocate.
    /// </summary>
    void MoveToFreshHandle()
    {
        var at = Encoding.UTF8.GetString(JournalCursor());
        var fresh = pool?.Rent() ?? handle.OpenAnother();
        lease.Dispose();
        handle.Dispose();
        (handle, lease) = (fresh, fresh.Use());
        journal = lease.Journal;
        AddMatches();
        SdJournal.Check(SdJournal.SeekCursor(journal, at), "sd_journal_seek_cursor");
        // sd-journal places the reader on the entry with the next step, in either direction; from there the walk goes on.
        // If the entry was vacuumed meanwhile, the step lands on the one after it, which is then still to be read.
        if (SdJournal.Check(SdJournal.Next(journal), "sd_journal_next") > 0)
            onUnreadEntry = SdJournal.Check(SdJournal.TestCursor(journal, at), "sd_journal_test_cursor") == 0;
    }

    bool Passes() =>
        !(Entry.Realtime < query.SinceUsec) && (query.Grep is not { } grep || (Entry.HasMessage && Entry.Message.IndexOf(grep) >= 0));

    /// <summary>
    /// Reads the current entry's timestamp and fields; false for an entry sd-journal cannot read, or one that only
    /// looks like the unit's (sd-journal selected it by one field of a term, <see cref="UnitMatch"/>).
    /// </summary>
    unsafe bool TryLoad()
    {
        Entry.Clear();
        if (SdJournal.GetRealtime(journal, out var realtime) < 0)
            return false;
        Entry.Realtime = realtime;
        int result, seen = 0;
        nuint largest = 0;
        lock (Loading)
        {
            SdJournal.RestartData(journal);
            while ((result = SdJournal.EnumerateData(journal, out var data, out var length)) > 0)
            {
                largest = Math.Max(largest, length);
                // A view, not a copy: the entry copies what it keeps, cut at its limits.
                var field = new ReadOnlySpan<byte>(data, (int)Math.Min(length, int.MaxValue));
                Entry.Offer(field);
                seen |= unit.Observe(field);
            }
            if (largest > JournalEntry.MessageLimit)
                MoveToFreshHandle();
        }
        if (largest > LargeEntryMemory.LargeField)
        {
            readLargeEntries = true;
            LargeEntryMemory.Read((long)largest);
        }
        // journalctl skips entries it cannot read (e.g. corrupted, -EBADMSG) and so does /logs.
        return result == 0 && unit.Selects(seen);
    }
}
