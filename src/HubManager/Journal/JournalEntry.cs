namespace HubManager.Journal;

/// <summary>
/// The fields of the current entry that <c>/logs</c> shows, copied out of sd-journal (whose pointers die with the
/// next call) into one reusable buffer, so reading thousands of entries allocates nothing per entry.
/// A field repeated in an entry keeps its last value, as journalctl's <c>parse_fieldv</c> does. Values are cut
/// (at a character boundary): the message at <see cref="MessageLimit"/>, the other fields at <see cref="FieldLimit"/>,
/// so the buffer never holds more than <see cref="Capacity"/> bytes, whatever the journal holds.
/// </summary>
public sealed class JournalEntry
{
    /// <summary>A message is cut at this many bytes (journalctl would show it whole).</summary>
    public const int MessageLimit = 1024 * 1024;

    /// <summary>
    /// The other fields are cut at this many bytes: text shows none longer than 300 bytes, and PIDs, priority and
    /// timestamps are numbers, so only a JSON <c>identifier</c> over 1 KiB is ever shortened.
    /// </summary>
    public const int FieldLimit = 1024;

    /// <summary>The fields read; the order is the index into <see cref="spans"/>.</summary>
    static readonly byte[][] Prefixes =
    [
        "MESSAGE="u8.ToArray(), "_PID="u8.ToArray(), "SYSLOG_PID="u8.ToArray(), "_COMM="u8.ToArray(),
        "SYSLOG_IDENTIFIER="u8.ToArray(), "_HOSTNAME="u8.ToArray(), "PRIORITY="u8.ToArray(),
        "_SOURCE_REALTIME_TIMESTAMP="u8.ToArray(),
    ];

    const int MessageField = 0, PidField = 1, SyslogPidField = 2, CommField = 3, IdentifierField = 4,
        HostnameField = 5, PriorityField = 6, SourceRealtimeField = 7;

    /// <summary>The most the buffer holds: every shown field at its limit.</summary>
    const int Capacity = MessageLimit + (SourceRealtimeField - MessageField) * FieldLimit;

    /// <summary>A buffer up to this size is kept by <see cref="LetGo"/>: ordinary entries fit.</summary>
    const int KeptBuffer = 64 * 1024;

    readonly (int Offset, int Length)[] spans = new (int, int)[Prefixes.Length];
    byte[] buffer = new byte[4096];
    int used;

    /// <summary>When journald received the entry (<c>__REALTIME_TIMESTAMP</c>), µs since the epoch; what since/until filter on.</summary>
    public ulong Realtime { get; internal set; }

    public bool HasMessage => spans[MessageField].Length >= 0;
    public ReadOnlySpan<byte> Message => Get(MessageField);
    public bool HasPid => spans[PidField].Length >= 0;
    public ReadOnlySpan<byte> Pid => Get(PidField);
    public bool HasSyslogPid => spans[SyslogPidField].Length >= 0;
    public ReadOnlySpan<byte> SyslogPid => Get(SyslogPidField);
    public bool HasComm => spans[CommField].Length >= 0;
    public ReadOnlySpan<byte> Comm => Get(CommField);
    public bool HasIdentifier => spans[IdentifierField].Length >= 0;
    public ReadOnlySpan<byte> Identifier => Get(IdentifierField);
    public bool HasHostname => spans[HostnameField].Length >= 0;
    public ReadOnlySpan<byte> Hostname => Get(HostnameField);
    public bool HasPriority => spans[PriorityField].Length >= 0;
    public ReadOnlySpan<byte> Priority => Get(PriorityField);
    public bool HasSourceRealtime => spans[SourceRealtimeField].Length >= 0;
    public ReadOnlySpan<byte> SourceRealtime => Get(SourceRealtimeField);

    /// <summary>Forgets the previous entry's fields (keeping the buffer, however large, for the next).</summary>
    internal void Clear()
    {
        used = 0;
        Array.Fill(spans, (0, -1));
    }

    /// <summary>Forgets the entry and lets go of a buffer that large entries grew: a follower about to wait calls this.</summary>
    internal void LetGo()
    {
        Clear();
        if (buffer.Length > KeptBuffer)
            buffer = new byte[4096];
    }

    /// <summary>The copied field values; <see cref="Spans"/> index into them.</summary>
    internal ReadOnlySpan<byte> Bytes => buffer.AsSpan(0, used);

    /// <summary>Per shown field, where its value lies in <see cref="Bytes"/> (length -1: the entry lacks it).</summary>
    internal ReadOnlySpan<(int Offset, int Length)> Spans => spans;

    /// <summary>Becomes an entry saved earlier from <see cref="Realtime"/>, <see cref="Bytes"/> and <see cref="Spans"/>.</summary>
    internal void Restore(ulong realtime, ReadOnlySpan<byte> bytes, ReadOnlySpan<(int Offset, int Length)> fieldSpans)
    {
        Clear();
        if (buffer.Length < bytes.Length)
            buffer = new byte[bytes.Length];
        bytes.CopyTo(buffer);
        used = bytes.Length;
        fieldSpans.CopyTo(spans);
        Realtime = realtime;
    }

    /// <summary>Keeps <paramref name="data"/> (<c>FIELD=value</c>), cut at its limit, if it is one of the shown fields.</summary>
    internal void Offer(ReadOnlySpan<byte> data)
    {
        var field = Candidate(data);
        if (field < 0 || !data.StartsWith(Prefixes[field]))
            return;
        var value = JournalText.CutAt(data[Prefixes[field].Length..], field == MessageField ? MessageLimit : FieldLimit);
        if (buffer.Length - used < value.Length)
        {
            // A field repeated many times would otherwise pile up its earlier values.
            spans[field] = (0, -1);
            if (used + value.Length > Capacity)
                Compact();
            if (buffer.Length - used < value.Length)
                Array.Resize(ref buffer, Math.Min(Capacity, Math.Max(buffer.Length, used + value.Length) * 2));
        }
        value.CopyTo(buffer.AsSpan(used));
        spans[field] = (used, value.Length);
        used += value.Length;
    }

    /// <summary>Copies the values still in use to the front of a new buffer, dropping replaced ones (rare: repeated fields).</summary>
    void Compact()
    {
        var compacted = new byte[buffer.Length];
        var kept = 0;
        for (var i = 0; i < spans.Length; i++)
        {
            var (offset, length) = spans[i];
            if (length < 0)
                continue;
            buffer.AsSpan(offset, length).CopyTo(compacted.AsSpan(kept));
            spans[i] = (kept, length);
            kept += length;
        }
        (buffer, used) = (compacted, kept);
    }

    /// <summary>
    /// The one shown field that <paramref name="data"/> can be, told by the bytes where the names differ, or -1:
    /// an entry has twenty-odd fields and this runs for each of them, so it looks at most one prefix in full.
    /// </summary>
    static int Candidate(ReadOnlySpan<byte> data) => data.Length < 5 ? -1 : (data[0], data[1]) switch
    {
        ((byte)'M', (byte)'E') => MessageField,
        ((byte)'P', (byte)'R') => PriorityField,
        ((byte)'_', (byte)'P') => PidField,
        ((byte)'_', (byte)'C') => CommField,
        ((byte)'_', (byte)'H') => HostnameField,
        ((byte)'_', (byte)'S') => SourceRealtimeField,
        ((byte)'S', (byte)'Y') when data.Length > 7 => data[7] switch { (byte)'P' => SyslogPidField, (byte)'I' => IdentifierField, _ => -1 },
        _ => -1,
    };

    /// <summary>
    /// The time journalctl shows: the sender's <c>_SOURCE_REALTIME_TIMESTAMP</c> when it parses as a valid time
    /// (systemd's <c>safe_atou64</c> rules), else when journald received the entry.
    /// </summary>
    public ulong DisplayRealtime =>
        HasSourceRealtime && CNumber.TryParseUInt64(SourceRealtime, out var source) && IsValidRealtime(source) ? source : Realtime;

    /// <summary>systemd's VALID_REALTIME: after the epoch and before the year 3112.</summary>
    public static bool IsValidRealtime(ulong usec) => usec > 0 && usec < 1UL << 55;

    ReadOnlySpan<byte> Get(int field)
    {
        var (offset, length) = spans[field];
        return length < 0 ? default : buffer.AsSpan(offset, length);
    }
}
