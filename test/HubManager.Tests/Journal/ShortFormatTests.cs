using System.Text;

namespace HubManager.Tests.Journal;

/// <summary>
/// The <c>logs</c> text against <c>journalctl -D DIR -u UNIT -n N -q</c> on the same fixed journal, byte for byte:
/// fallbacks for identifier and PID, multi-line and binary messages, colour codes, odd source timestamps,
/// month names and time zones.
/// </summary>
public class ShortFormatTests
{
    const string Unit = "hub.service";

    static ulong At(int month, int day, int hour, int minute, int second, int year = 2025) =>
        (ulong)(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc) - DateTime.UnixEpoch).Ticks / 10 + 123_456;

    static ExportEntry Entry(ulong realtime, params (string, object)[] fields) =>
        new(realtime, [("_SYSTEMD_UNIT", Unit), .. fields]);

    /// <summary>One entry per month, each exercising one rule of the short format.</summary>
    static readonly ExportEntry[] Formatting =
    [
        ExportEntry.Line(At(1, 5, 9, 7, 3), Unit, "hub 2.0.10 tick 1"),
        Entry(At(2, 14, 23, 59, 59), ("_COMM", "python3"), ("_PID", "201"), ("_HOSTNAME", "testhost"), ("MESSAGE", "identifier falls back to _COMM")),
        Entry(At(3, 1, 0, 0, 0), ("_PID", "202"), ("_HOSTNAME", "testhost"), ("MESSAGE", "no identifier at all\nso the indent skips 'unknown'")),
        Entry(At(4, 30, 12, 0, 0), ("SYSLOG_IDENTIFIER", "app"), ("SYSLOG_PID", "77"), ("_HOSTNAME", "testhost"), ("MESSAGE", "PID from SYSLOG_PID")),
        Entry(At(5, 9, 1, 2, 3), ("SYSLOG_IDENTIFIER", "app"), ("_HOSTNAME", "testhost"), ("MESSAGE", "no PID, no brackets")),
        Entry(At(6, 21, 4, 5, 6), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("_HOSTNAME", "testhost"), ("MESSAGE", "line one\n\nline three\n")),
        Entry(At(7, 4, 7, 8, 9), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("_HOSTNAME", "testhost"),
            ("MESSAGE", "\u001b[31mred\u001b[0m\tcolumn \u001b]8;;http://x\u0007link\u001b]8;;\u0007 crlf\r\nnext\r\r")),
        Entry(At(8, 8, 8, 8, 8), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("_HOSTNAME", "testhost"), ("MESSAGE", new byte[] { 1, 2, (byte)'b', (byte)'i', (byte)'n' })),
        Entry(At(9, 30, 18, 0, 1), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("_HOSTNAME", "testhost"), ("MESSAGE", Enumerable.Repeat((byte)0xFF, 2000).ToArray())),
        Entry(At(10, 31, 23, 30, 0), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("_HOSTNAME", "testhost"), ("MESSAGE", "C1 control \u0085 makes a blob")),
        Entry(At(11, 2, 2, 2, 2), ("SYSLOG_IDENTIFIER", "nöde"), ("_PID", "10"), ("_HOSTNAME", "testhost"), ("MESSAGE", "ünïcödé\nzweite Zeile")),
        Entry(At(12, 31, 23, 59, 58), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("_HOSTNAME", "testhost"), ("MESSAGE", "")),
    ];

    /// <summary>Edge cases of fields and text, one per entry.</summary>
    static readonly ExportEntry[] EdgeCases =
    [
        Entry(At(1, 1, 0, 0, 1), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("_HOSTNAME", "testhost"), ("PRIORITY", "3")),
        Entry(At(1, 1, 0, 0, 2), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("MESSAGE", "no hostname")),
        Entry(At(1, 1, 0, 0, 3), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("_HOSTNAME", new string('h', 300)), ("MESSAGE", "300-byte host is hidden")),
        Entry(At(1, 1, 0, 0, 4), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("_HOSTNAME", new string('h', 299)), ("MESSAGE", "299-byte host is shown")),
        Entry(At(1, 1, 0, 0, 5), ("SYSLOG_IDENTIFIER", "bad\u0001ident"), ("_COMM", "comm"), ("_PID", "9"), ("MESSAGE", "unprintable identifier\nfalls back")),
        Entry(At(1, 1, 0, 0, 6), ("SYSLOG_IDENTIFIER", "tab\tident"), ("_PID", "9"), ("MESSAGE", "a TAB is printable in an identifier")),
        Entry(At(1, 1, 0, 0, 7), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("_SOURCE_REALTIME_TIMESTAMP", At(1, 1, 0, 0, 0, 2024).ToString()), ("MESSAGE", "source time wins")),
        Entry(At(1, 1, 0, 0, 8), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("_SOURCE_REALTIME_TIMESTAMP", "0x" + At(6, 1, 12, 0, 0, 2023).ToString("x")), ("MESSAGE", "hex source time")),
        Entry(At(1, 1, 0, 0, 9), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("_SOURCE_REALTIME_TIMESTAMP", "later"), ("MESSAGE", "unparsable source time is ignored")),
        Entry(At(1, 1, 0, 0, 10), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("_SOURCE_REALTIME_TIMESTAMP", "0"), ("MESSAGE", "zero source time is ignored")),
        Entry(At(1, 1, 0, 0, 11), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("MESSAGE", "cut \u001b[31")),
        Entry(At(1, 1, 0, 0, 12), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("MESSAGE", "lone escape \u001b")),
        Entry(At(1, 1, 0, 0, 13), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("MESSAGE", "other escape \u001bX and \u001b[2Jclear")),
        Entry(At(1, 1, 0, 0, 14), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("MESSAGE", "\u001b[\0mNUL inside a colour code")),
        Entry(At(1, 1, 0, 0, 15), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("MESSAGE", "DEL \u007f")),
        Entry(At(1, 1, 0, 0, 16), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("MESSAGE", Encoding.UTF8.GetBytes("noncharacter \uFFFE"))),
        Entry(At(1, 1, 0, 0, 17), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("MESSAGE", new byte[] { (byte)'s', 0xED, 0xA0, 0x80 })),
        Entry(At(1, 1, 0, 0, 18), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("MESSAGE", new byte[] { (byte)'o', 0xC0, 0xAF })),
        Entry(At(1, 1, 0, 0, 19), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("MESSAGE", Encoding.UTF8.GetBytes("emoji 🦀 and CJK 日本"))),
        Entry(At(1, 1, 0, 0, 20), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("MESSAGE", new byte[1500])),
        Entry(At(1, 1, 0, 0, 21), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "x9"), ("MESSAGE", "a PID is shown as it is")),
        Entry(At(1, 1, 0, 0, 22), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("MESSAGE", "first"), ("MESSAGE", "second: the last one wins")),
        Entry(At(1, 1, 0, 0, 23), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("MESSAGE", "\n")),
        Entry(At(1, 1, 0, 0, 24), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("MESSAGE", "\ttab first")),
        Entry(At(1, 1, 0, 0, 25), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("MESSAGE", "a CR\rinside a line makes a blob")),
    ];

    [Test]
    [Arguments("UTC")]
    [Arguments("America/New_York")]
    [Arguments("Asia/Kolkata")]
    [Arguments("Australia/Lord_Howe")]
    public async Task Every_formatting_rule_matches_journalctl(string tz)
    {
        using var files = await JournalFiles.WriteAsync(Formatting);

        var expected = await files.JournalctlAsync(Unit, 1000, tz);
        var actual = await files.TextAsync(Unit, "lines=1000", tz);

        await Assert.That(expected.Split('\n').Length).IsGreaterThan(Formatting.Length);
        await Assert.That(actual).IsEqualTo(expected);
    }

    [Test]
    public async Task Edge_cases_match_journalctl()
    {
        using var files = await JournalFiles.WriteAsync(EdgeCases);

        var expected = await files.JournalctlAsync(Unit, 1000);
        var actual = await files.TextAsync(Unit, "lines=1000");

        await Assert.That(actual).IsEqualTo(expected);
    }

    [Test]
    [Arguments(1)]
    [Arguments(2)]
    [Arguments(5)]
    [Arguments(11)]
    [Arguments(12)]
    [Arguments(24)]
    public async Task The_last_n_entries_match_journalctl_n(int lines)
    {
        using var files = await JournalFiles.WriteAsync([.. EdgeCases, .. Formatting]);

        var expected = await files.JournalctlAsync(Unit, lines);
        var body = await files.LogsAsync(Unit, $"lines={lines}");

        await Assert.That(body.GetProperty("logs").GetString()).IsEqualTo(expected);
        await Assert.That(body.GetProperty("lines").GetInt32()).IsEqualTo(lines);
        await Assert.That(body.GetProperty("service").GetString()).IsEqualTo(Unit);
    }
}
