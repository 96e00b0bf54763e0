using System.Globalization;
using System.Text;

namespace HubManager.Journal;

/// <summary>
/// The validated parameters of <c>GET /logs</c>. Every value is bounded and checked by hand (no regex on input);
/// a bad one throws <see cref="QueryException"/> with a sentence that names the parameter and its limit.
/// </summary>
public sealed record JournalQuery
{
    public const int DefaultLines = 100, MaxLines = 10000, MaxGrepBytes = 256, MaxCursorLength = 512, MaxTimeLength = 64;

    static readonly string[] Known = ["lines", "format", "follow", "since", "until", "priority", "grep", "cursor", "after"];
    static readonly string[] Levels = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];

    /// <summary>How many entries: the last N (or the first N from a cursor); 1..<see cref="MaxLines"/>.</summary>
    public int Lines { get; init; } = DefaultLines;

    /// <summary>Structured entries instead of journalctl's short text.</summary>
    public bool Json { get; init; }

    /// <summary>Server-Sent Events: the backlog, then new entries as they arrive.</summary>
    public bool Follow { get; init; }

    /// <summary>Entries received at or after this time, µs since the epoch.</summary>
    public ulong? SinceUsec { get; init; }

    /// <summary>Entries received at or before this time, µs since the epoch (not with <see cref="Follow"/>).</summary>
    public ulong? UntilUsec { get; init; }

    /// <summary>Inclusive range of syslog priorities (0 = emerg … 7 = debug), like <c>journalctl -p</c>.</summary>
    public (int From, int To)? Priorities { get; init; }

    /// <summary>A plain, case-sensitive substring of MESSAGE (UTF-8 bytes).</summary>
    public byte[]? Grep { get; init; }

    /// <summary>Where to start: at this cursor, or just after it when <see cref="AfterCursor"/>.</summary>
    public string? Cursor { get; init; }

    public bool AfterCursor { get; init; }

    /// <summary>
    /// Parses the query string's parameters, each with every value it was given. With <c>follow=true</c>, a valid <c>Last-Event-ID</c> header (an SSE client
    /// reconnecting) wins over cursor/after: the stream resumes just after the last event the client saw.
    /// Times without an offset are in <paramref name="zone"/>; relative times count from <paramref name="now"/>.
    /// </summary>
    public static JournalQuery Parse(IEnumerable<KeyValuePair<string, IReadOnlyList<string?>>> query, string? lastEventId, DateTimeOffset now, TimeZoneInfo zone)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in query)
        {
            if (Array.IndexOf(Known, name) < 0)
                throw new QueryException(name, $"Unknown parameter '{Shorten(name)}'. /logs takes {string.Join(", ", Known)}.");
            if (value.Count != 1)
                throw new QueryException(name, $"{name} is given more than once.");
            values[name] = value[0] ?? "";
        }
        string? Get(string name) => values.GetValueOrDefault(name);
        if (Get("cursor") is not null && Get("after") is not null)
            throw new QueryException("after", "Give either cursor (start at that entry) or after (start just after it), not both.");
        var cursorName = Get("cursor") is not null ? "cursor" : Get("after") is not null ? "after" : null;

        var result = new JournalQuery
        {
            Lines = Get("lines") is { } lines ? ParseLines(lines) : DefaultLines,
            Json = Get("format") switch
            {
                null or "text" => false,
                "json" => true,
                var other => throw new QueryException("format", $"format must be text or json, not '{Shorten(other)}'."),
            },
            Follow = ParseBoolean("follow", Get("follow")),
            SinceUsec = Get("since") is { } since ? JournalTime.Parse("since", since, now, zone) : null,
            UntilUsec = Get("until") is { } until ? JournalTime.Parse("until", until, now, zone) : null,
            Priorities = Get("priority") is { } priority ? ParsePriorities(priority) : null,
            Grep = Get("grep") is { } grep ? ParseGrep(grep) : null,
            Cursor = cursorName is null ? null : ParseCursor(cursorName, Get(cursorName)!),
            AfterCursor = cursorName == "after",
        };
        if (result.SinceUsec is not null && result.Cursor is not null)
            throw new QueryException("since", "since cannot be combined with cursor or after: the cursor already says where to start.");
        if (result.SinceUsec > result.UntilUsec)
            throw new QueryException("since", "since must not be later than until.");
        if (result.Follow && result.UntilUsec is not null)
            throw new QueryException("until", "until cannot be combined with follow=true: a follow only ends when the client leaves.");
        if (result.Follow && !string.IsNullOrEmpty(lastEventId))
            result = result with { Cursor = ParseCursor("Last-Event-ID", lastEventId), AfterCursor = true };
        return result;
    }

    static int ParseLines(string value) =>
        value.Length <= 5 && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var lines) && lines is >= 1 and <= MaxLines
            ? lines
            : throw new QueryException("lines", $"lines must be a whole number from 1 to {MaxLines}, not '{Shorten(value)}'.");

    static bool ParseBoolean(string name, string? value) => value switch
    {
        null or "false" => false,
        "true" => true,
        _ => throw new QueryException(name, $"{name} must be true or false, not '{Shorten(value)}'."),
    };

    static (int, int) ParsePriorities(string value)
    {
        var dots = value.IndexOf("..", StringComparison.Ordinal);
        if (dots < 0)
            return (0, ParseLevel(value));
        var (from, to) = (ParseLevel(value[..dots]), ParseLevel(value[(dots + 2)..]));
        return from <= to ? (from, to) : (to, from);

        static int ParseLevel(string level) =>
            level is [>= '0' and <= '7'] ? level[0] - '0'
            : Array.IndexOf(Levels, level) is var index and >= 0 ? index
            : throw new QueryException("priority",
                $"priority must be a level 0-7 or one of {string.Join(", ", Levels)}, or a range such as warning..err; '{Shorten(level)}' is none of these.");
    }

    static byte[] ParseGrep(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        return bytes.Length is >= 1 and <= MaxGrepBytes
            ? bytes
            : throw new QueryException("grep", $"grep must be a plain text substring of 1 to {MaxGrepBytes} bytes.");
    }

    /// <summary>
    /// A cursor as sd-journal prints them: <c>k=hex</c> fields (s, i, b, m, t, x) separated by ';'. Only the shape
    /// is checked here; sd_journal_seek_cursor judges the values.
    /// </summary>
    static string ParseCursor(string name, string value)
    {
        if (value.Length is >= 3 and <= MaxCursorLength && value.Split(';').All(IsField))
            return value;
        throw new QueryException(name,
            $"{name} must be a journal cursor as /logs returns them (s=…;i=…;b=…;m=…;t=…;x=…), at most {MaxCursorLength} characters.");

        static bool IsField(string field) =>
            field.Length is >= 3 and <= 34 && "sibmtx".Contains(field[0]) && field[1] == '=' && !field.AsSpan(2).ContainsAnyExcept(HexDigits);
    }

    static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>User input echoed in an error message, cut short so a hostile value cannot fill the response.</summary>
    internal static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
