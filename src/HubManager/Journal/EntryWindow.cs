using System.Buffers;
using System.Runtime.InteropServices;

namespace HubManager.Journal;

/// <summary>
/// The entries a <c>lines=N</c> read found walking back from the tail, copied as they were found (newest first)
/// and handed out oldest first. Walking forwards again would search sd-journal's matches a second time for every
/// entry; copying a few hundred bytes each is cheaper. Holds at most <see cref="MaxEntries"/> entries and
/// <see cref="Budget"/> bytes (pooled): a window that would outgrow them is refused, and the reader then walks
/// forwards instead (large reads are dominated by writing the response anyway).
/// </summary>
sealed class EntryWindow : IDisposable
{
    /// <summary>The most entries a window is made for.</summary>
    public const int MaxEntries = 1000;

    /// <summary>Field and cursor bytes kept at most: a thousand ordinary lines fit.</summary>
    public const int Budget = 256 * 1024;

    readonly List<Saved> saved = [];
    readonly List<(int Offset, int Length)> spans = [];
    byte[] bytes = ArrayPool<byte>.Shared.Rent(16 * 1024);
    int used;
    int handedOut;
    int current;

    /// <summary>The cursor saved with the entry <see cref="TryNext"/> last restored (empty if none was saved).</summary>
    public ReadOnlySpan<byte> Cursor => bytes.AsSpan(saved[current].Offset + saved[current].Length, saved[current].CursorLength);

    /// <summary>Copies <paramref name="entry"/> and its <paramref name="cursor"/>; false (nothing kept) if the budget would be exceeded.</summary>
    public bool TryAdd(JournalEntry entry, ReadOnlySpan<byte> cursor)
    {
        var fields = entry.Bytes;
        var need = fields.Length + cursor.Length;
        if (used + need > Budget)
            return false;
        if (bytes.Length - used < need)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(bytes.Length * 2, used + need));
            bytes.AsSpan(0, used).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(bytes);
            bytes = larger;
        }
        fields.CopyTo(bytes.AsSpan(used));
        cursor.CopyTo(bytes.AsSpan(used + fields.Length));
        saved.Add(new Saved(entry.Realtime, used, fields.Length, cursor.Length));
        spans.AddRange(entry.Spans);
        used += need;
        return true;
    }

    /// <summary>Restores the next entry, oldest first, into <paramref name="entry"/>; false when all were handed out.</summary>
    public bool TryNext(JournalEntry entry)
    {
        if (handedOut == saved.Count)
            return false;
        current = saved.Count - 1 - handedOut++;
        var (realtime, offset, length, _) = saved[current];
        var fieldCount = entry.Spans.Length;
        entry.Restore(realtime, bytes.AsSpan(offset, length), CollectionsMarshal.AsSpan(spans).Slice(current * fieldCount, fieldCount));
        return true;
    }

    public void Dispose()
    {
        if (bytes.Length == 0)
            return;
        ArrayPool<byte>.Shared.Return(bytes);
        bytes = [];
    }

    readonly record struct Saved(ulong Realtime, int Offset, int Length, int CursorLength);
}
