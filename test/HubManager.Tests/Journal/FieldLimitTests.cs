using System.Text;
using HubManager.Journal;

namespace HubManager.Tests.Journal;

/// <summary>
/// Fields beyond the reader's limits, on a fixed journal read by the manager's reader and by <c>journalctl -D</c>: a
/// message is cut at 1 MiB (before a character that would cross it), other fields at 1 KiB, a message's text stops at
/// 1 MiB however its TABs and lines expand, and a field repeated many times shows its last value. Entries around a
/// large one read exactly as journalctl prints them.
/// </summary>
public class FieldLimitTests
{
    const string Unit = "hub.service";
    const ulong Start = 1_750_000_000_000_000;
    const int Limit = JournalEntry.MessageLimit;

    static ExportEntry Entry(int second, string message, string identifier = "app") =>
        new(Start + (ulong)second * 1_000_000, ("_SYSTEMD_UNIT", Unit), ("SYSLOG_IDENTIFIER", identifier), ("_PID", "9"),
            ("_HOSTNAME", "testhost"), ("MESSAGE", message));

    /// <summary>The first line of <paramref name="text"/> whose message starts with <paramref name="start"/>, without its newline.</summary>
    static string LineStarting(string text, string start) =>
        text.Split('\n').Single(line => line.Contains(": " + start));

    [Test]
    public async Task A_2_MiB_message_is_cut_at_1_MiB_before_the_character_that_would_cross_it()
    {
        var message = "big " + new string('a', Limit - 5) + "€" + new string('b', Limit);
        using var files = await JournalFiles.WriteAsync(
            [Entry(1, "before"), Entry(2, message, identifier: "id-" + new string('i', 2000)), Entry(3, "after")]);

        var journal = await files.JournalctlAsync(Unit, 3);
        var text = await files.TextAsync(Unit, "lines=3");
        var entries = (await files.LogsAsync(Unit, "lines=3&format=json")).GetProperty("entries");

        var full = LineStarting(journal, "big ");
        var shown = message[..(Limit - 1)]; // 1 MiB would end inside the euro sign
        await Assert.That(LineStarting(text, "big ")).IsEqualTo(full[..(full.IndexOf(": big ") + 2)] + shown);
        await Assert.That(LineStarting(text, "before")).IsEqualTo(LineStarting(journal, "before"));
        await Assert.That(LineStarting(text, "after")).IsEqualTo(LineStarting(journal, "after"));
        await Assert.That(entries.GetArrayLength()).IsEqualTo(3);
        await Assert.That(entries[1].GetProperty("message").GetString()).IsEqualTo(shown);
        await Assert.That(entries[1].GetProperty("identifier").GetString()!.Length).IsEqualTo(JournalEntry.FieldLimit);
        await Assert.That(entries[2].GetProperty("message").GetString()).IsEqualTo("after");
    }

    [Test]
    public async Task A_message_repeated_thirty_times_at_1_MiB_shows_its_last_value_as_journalctl_does()
    {
        var values = Enumerable.Range(1, 30).Select(i => $"copy {i} " + new string((char)('a' + i % 26), Limit - 10)).ToArray();
        var repeated = new ExportEntry(Start + 2_000_000,
            [("_SYSTEMD_UNIT", Unit), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "9"), ("_HOSTNAME", "testhost"), .. values.Select(v => ("MESSAGE", (object)v))]);
        using var files = await JournalFiles.WriteAsync([Entry(1, "before"), repeated, Entry(3, "after")]);

        var journal = await files.JournalctlAsync(Unit, 3);
        var text = await files.TextAsync(Unit, "lines=3");

        await Assert.That(text).IsEqualTo(journal);
        await Assert.That(text).Contains(": copy 30 ");
    }

    [Test]
    public async Task Tabs_and_indented_lines_stop_at_1_MiB_of_text()
    {
        var tabs = "tabs" + new string('\t', Limit / 4) + "end";
        var lines = "lines" + string.Concat(Enumerable.Repeat("\nx", Limit / 4));
        using var files = await JournalFiles.WriteAsync([Entry(1, tabs), Entry(2, lines)]);

        var journal = await files.JournalctlAsync(Unit, 2);
        var text = await files.TextAsync(Unit, "lines=2");

        var fullTabs = LineStarting(journal, "tabs");
        var header = fullTabs.IndexOf(": tabs") + 2;
        await Assert.That(fullTabs.Length).IsGreaterThan(header + 2 * Limit);
        await Assert.That(LineStarting(text, "tabs")).IsEqualTo(fullTabs[..(header + Limit)]);
        // The indented lines: those shown are journalctl's, up to the one the limit cuts short.
        var shownLines = text[text.IndexOf(": lines")..];
        var journalLines = journal[journal.IndexOf(": lines")..];
        await Assert.That(journalLines.Length).IsGreaterThan(4 * Limit);
        await Assert.That(journalLines).StartsWith(shownLines[..shownLines.TrimEnd('\n').LastIndexOf('\n')]);
        await Assert.That(Encoding.UTF8.GetByteCount(shownLines)).IsLessThan(Limit + Limit / 8);
    }
}
