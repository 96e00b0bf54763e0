using System.Runtime.InteropServices;

namespace HubManager.Journal;

/// <summary>
/// Reads one unit's entries through one journal handle, oldest first: <see cref="Open"/> applies the unit and
/// priority matches and places the reader at the start of the query's window (the last N entries, or a cursor),
/// <see cref="TryRead"/> yields the entries that pass since/until/grep, and <see cref="Wait"/> blocks until the
/// journal changes, for following. Owns the handle; used by one thread at a time.
/// </summary>
public sealed class JournalReader : IDisposable
{
    /// <summary>
    /// Fields are cut at this size (sd_journal_set_data_threshold) so that one giant entry cannot exhaust memory;
    /// journalctl would print such a field whole. journald's own line limit (LineMax) is far below it.
    /// </summary>
    public const int FieldLimit = 1024 * 1024;

    const int EINVAL = 22;

    readonly JournalHandle journal;
    readonly JournalQuery query;
    byte[] cursor = new byte[256];
    bool onUnreadEntry;
    bool pastUntil;

    JournalReader(JournalHandle journal, JournalQuery query) => (this.journal, this.query) = (journal, query);

    /// <summary>The entry <see cref="TryRead"/> last returned.</summary>
    public JournalEntry Entry { get; } = new();

    /// <summary>
    /// Takes ownership of <paramref name="journal"/> (also on failure), selects <paramref name="unit"/>'s entries
    /// and positions the reader. Throws <see cref="QueryException"/> for a cursor sd-journal refuses.
    /// </summary>
    public static JournalReader Open(JournalHandle journal, string unit, JournalQuery query, CancellationToken token)
    {
        var reader = new JournalReader(journal, query);
        try
        {
            SdJournal.Check(SdJournal.SetDataThreshold(journal, FieldLimit), "sd_journal_set_data_threshold");
            UnitMatch.AddTo(journal, unit);
            if (query.Priorities is var (from, to))
                UnitMatch.AddPriorities(journal, from, to);
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
        while (!pastUntil)
        {
            token.ThrowIfCancellationRequested();
            if (!onUnreadEntry && SdJournal.Check(SdJournal.Next(journal), "sd_journal_next") == 0)
                return false;
            onUnreadEntry = false;
            if (!TryLoad(fields: true))
                continue;
            if (Entry.Realtime > query.UntilUsec)
                pastUntil = true;
            else if (Passes())
                return true;
        }
        return false;
    }

    /// <summary>The current entry's cursor, valid until the next call on this reader.</summary>
    public unsafe ReadOnlySpan<byte> Cursor()
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

    public void Dispose() => journal.Dispose();

    /// <summary>
    /// Walks back from the tail (or from <c>until</c>) over <paramref name="count"/> entries that pass the filters,
    /// stopping early at <c>since</c> or the head, so the reader can then yield them forwards. Entries without a
    /// MESSAGE count as journalctl's <c>-n</c> counts them: they take a place but print nothing.
    /// </summary>
    void StartAtTail(int count, CancellationToken token)
    {
        SdJournal.Check(query.UntilUsec is { } until ? SdJournal.SeekRealtime(journal, until + 1) : SdJournal.SeekTail(journal), "sd_journal_seek");
        int steps = 0, found = 0;
        var beforeSince = false;
        while (found < count)
        {
            token.ThrowIfCancellationRequested();
            if (SdJournal.Check(SdJournal.Previous(journal), "sd_journal_previous") == 0)
                break;
            steps++;
            // Only grep needs the fields; the walk back over thousands of entries otherwise reads one timestamp each.
            if (!TryLoad(fields: query.Grep is not null) || Entry.Realtime > query.UntilUsec)
                continue;
            if (Entry.Realtime < query.SinceUsec)
            {
                beforeSince = true;
                break;
            }
            if (Passes())
                found++;
        }
        onUnreadEntry = steps > 0 && !beforeSince;
        // Nothing matches yet: whatever matches later is new, and reading from the head finds it whichever way
        // sd-journal treats a read past the tail position.
        if (steps == 0 && query.UntilUsec is null)
            SdJournal.Check(SdJournal.SeekHead(journal), "sd_journal_seek_head");
    }

    void StartAtCursor(string start, bool after)
    {
        var sought = SdJournal.SeekCursor(journal, start);
        if (sought == -EINVAL)
            throw new QueryException("cursor", "The cursor is not one this journal accepts; use a cursor /logs returned.");
        SdJournal.Check(sought, "sd_journal_seek_cursor");
        if (SdJournal.Check(SdJournal.Next(journal), "sd_journal_next") == 0)
            return;
        // If the cursor's entry is gone (vacuumed), the seek lands on the next one, which is then not skipped.
        onUnreadEntry = !(after && SdJournal.Check(SdJournal.TestCursor(journal, start), "sd_journal_test_cursor") > 0);
    }

    bool Passes() =>
        !(Entry.Realtime < query.SinceUsec) && (query.Grep is not { } grep || (Entry.HasMessage && Entry.Message.IndexOf(grep) >= 0));

    /// <summary>Reads the current entry's timestamp and, if asked, its fields; false for an entry sd-journal cannot read.</summary>
    unsafe bool TryLoad(bool fields)
    {
        Entry.Clear();
        if (SdJournal.GetRealtime(journal, out var realtime) < 0)
            return false;
        Entry.Realtime = realtime;
        if (!fields)
            return true;
        SdJournal.RestartData(journal);
        int result;
        while ((result = SdJournal.EnumerateData(journal, out var data, out var length)) > 0)
            Entry.Offer(new ReadOnlySpan<byte>(data, checked((int)length)));
        // journalctl skips entries it cannot read (e.g. corrupted, -EBADMSG) and so does /logs.
        return result == 0;
    }
}
