using System.Text.Json;

namespace HubManager.Tests.Journal;

/// <summary>
/// since/until/priority/grep/cursor/after and <c>format=json</c> on a fixed journal, checked against journalctl's
/// own --since/--until/-p/-g and its JSON cursors.
/// </summary>
public class LogsQueryTests
{
    const string Unit = "hub.service";
    const ulong Start = 1_750_000_000_000_000; // 2025-06-15T15:06:40Z

    /// <summary>60 lines a minute apart, priorities cycling 0..7, every tenth an "ERROR".</summary>
    static readonly ExportEntry[] Hour = [.. Enumerable.Range(0, 60).Select(i => new ExportEntry(Start + (ulong)i * 60_000_000,
        ("_SYSTEMD_UNIT", Unit), ("SYSLOG_IDENTIFIER", "node"), ("_PID", "100"), ("_HOSTNAME", "testhost"),
        ("PRIORITY", (i % 8).ToString()), ("MESSAGE", i % 10 == 0 ? $"ERROR number {i}" : $"line {i} of the hour")))];

    static async Task<JournalFiles> HourAsync() => await JournalFiles.WriteAsync(Hour);

    [Test]
    public async Task Since_and_until_select_the_same_window_as_journalctl()
    {
        using var files = await HourAsync();

        var expected = await files.JournalctlAsync(Unit, 10000, "UTC", "--since", "2025-06-15 15:20:40", "--until", "2025-06-15 15:40:40");
        var actual = await files.TextAsync(Unit, "lines=10000&since=2025-06-15T15:20:40Z&until=2025-06-15T15:40:40Z");
        var lastFive = await files.TextAsync(Unit, "lines=5&since=2025-06-15T15:20:40Z&until=2025-06-15T15:40:40Z");

        await Assert.That(actual).IsEqualTo(expected);
        await Assert.That(expected.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length).IsEqualTo(21);
        await Assert.That(lastFive).IsEqualTo(string.Join("", expected.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^5..].Select(l => l + "\n")));
    }

    [Test]
    public async Task Local_times_without_offset_are_read_in_the_local_zone()
    {
        using var files = await HourAsync();

        // 15:20:40 UTC is 20:50:40 in Kolkata (+05:30).
        var expected = await files.JournalctlAsync(Unit, 10000, "Asia/Kolkata", "--since", "2025-06-15 20:50:40");
        var actual = await files.TextAsync(Unit, "lines=10000&since=2025-06-15T20:50:40", "Asia/Kolkata");

        await Assert.That(actual).IsEqualTo(expected);
        await Assert.That(actual).StartsWith("Jun 15 20:50:40 ");
    }

    [Test]
    [Arguments("err", "err")]
    [Arguments("3", "3")]
    [Arguments("warning..err", "warning..err")]
    [Arguments("debug..notice", "debug..notice")]
    [Arguments("emerg", "emerg")]
    public async Task Priority_selects_like_journalctl_p(string ours, string journalctls)
    {
        using var files = await HourAsync();

        var expected = await files.JournalctlAsync(Unit, 10000, "UTC", "-p", journalctls);
        var actual = await files.TextAsync(Unit, $"lines=10000&priority={ours}");

        await Assert.That(actual).IsEqualTo(expected);
        await Assert.That(actual).IsNotEmpty();
    }

    [Test]
    public async Task Grep_is_a_plain_case_sensitive_substring_and_lines_counts_matches()
    {
        using var files = await HourAsync();

        // journalctl -g with -n walks back and prints newest first; /logs keeps the oldest-first order.
        var newestFirst = await files.JournalctlAsync(Unit, 10000, "UTC", "--case-sensitive=true", "-g", "ERROR number");
        var expected = string.Join("", newestFirst.Split('\n', StringSplitOptions.RemoveEmptyEntries).Reverse().Select(l => l + "\n"));
        var all = await files.TextAsync(Unit, "lines=10000&grep=ERROR%20number");
        var lastTwo = await files.TextAsync(Unit, "lines=2&grep=ERROR%20number");
        var lowercase = await files.TextAsync(Unit, "grep=error");
        var regexLooking = await files.TextAsync(Unit, "grep=l.ne");

        await Assert.That(all).IsEqualTo(expected);
        await Assert.That(expected.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length).IsEqualTo(6);
        await Assert.That(lastTwo).IsEqualTo(string.Join("", expected.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^2..].Select(l => l + "\n")));
        await Assert.That(lowercase).IsEmpty();
        await Assert.That(regexLooking).IsEmpty();
    }

    [Test]
    public async Task Json_entries_carry_journalctls_cursor_time_and_fields()
    {
        using var files = await HourAsync();

        var body = await files.LogsAsync(Unit, "format=json&lines=3");
        var journalctl = (await files.JournalctlAsync(Unit, 3, "UTC", "-o", "json")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement).ToArray();
        var entries = body.GetProperty("entries").EnumerateArray().ToArray();

        await Assert.That(body.GetProperty("service").GetString()).IsEqualTo(Unit);
        await Assert.That(body.GetProperty("lines").GetInt32()).IsEqualTo(3);
        await Assert.That(entries.Length).IsEqualTo(3);
        for (var i = 0; i < 3; i++)
        {
            await Assert.That(entries[i].GetProperty("cursor").GetString()).IsEqualTo(journalctl[i].GetProperty("__CURSOR").GetString());
            var usec = ulong.Parse(journalctl[i].GetProperty("__REALTIME_TIMESTAMP").GetString()!);
            await Assert.That(entries[i].GetProperty("time").GetString()).IsEqualTo(DateTime.UnixEpoch.AddTicks((long)usec * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'"));
            await Assert.That(entries[i].GetProperty("message").GetString()).IsEqualTo(journalctl[i].GetProperty("MESSAGE").GetString());
            await Assert.That(entries[i].GetProperty("priority").GetInt32().ToString()).IsEqualTo(journalctl[i].GetProperty("PRIORITY").GetString());
        }
        await Assert.That(entries[2].GetRawText()).IsEqualTo(
            $$"""{"cursor":"{{journalctl[2].GetProperty("__CURSOR").GetString()}}","time":"2025-06-15T16:05:40.000000Z","priority":3,"identifier":"node","pid":100,"message":"line 59 of the hour"}""");
    }

    [Test]
    public async Task Paging_with_after_visits_every_entry_once_and_cursor_includes_its_entry()
    {
        using var files = await HourAsync();

        var seen = new List<string>();
        var all = (await files.LogsAsync(Unit, "format=json&lines=1000")).GetProperty("entries");
        var start = Uri.EscapeDataString(all[0].GetProperty("cursor").GetString()!);
        var page = (await files.LogsAsync(Unit, $"format=json&lines=7&cursor={start}")).GetProperty("entries").EnumerateArray().ToArray();
        var pages = 1;
        while (page.Length > 0)
        {
            seen.AddRange(page.Select(e => e.GetProperty("message").GetString()!));
            var after = Uri.EscapeDataString(page[^1].GetProperty("cursor").GetString()!);
            page = (await files.LogsAsync(Unit, $"format=json&lines=7&after={after}")).GetProperty("entries").EnumerateArray().ToArray();
            pages++;
        }
        var atTenth = all[10].GetProperty("cursor").GetString()!;
        var fromTenth = (await files.LogsAsync(Unit, $"format=json&lines=2&cursor={Uri.EscapeDataString(atTenth)}")).GetProperty("entries");

        await Assert.That(seen).IsEquivalentTo(Hour.Select(e => (string)e.Fields[^1].Value));
        await Assert.That(seen.Distinct().Count()).IsEqualTo(60);
        await Assert.That(pages).IsEqualTo(10);
        await Assert.That(fromTenth.GetArrayLength()).IsEqualTo(2);
        await Assert.That(fromTenth[0].GetProperty("cursor").GetString()).IsEqualTo(atTenth);
        await Assert.That(fromTenth[0].GetProperty("message").GetString()).IsEqualTo("ERROR number 10");
    }

    [Test]
    public async Task Entries_without_message_and_binary_messages_in_json()
    {
        using var files = await JournalFiles.WriteAsync(
        [
            new(Start, ("_SYSTEMD_UNIT", Unit), ("_COMM", "bash"), ("MESSAGE", new byte[] { 0xFF, 0xFE, (byte)'x' })),
            new(Start + 1, ("_SYSTEMD_UNIT", Unit), ("_PID", "5")),
            new(Start + 2, ("_SYSTEMD_UNIT", Unit), ("SYSLOG_PID", "6"), ("MESSAGE", "tab\tand \"quotes\" and ü")),
        ]);

        var entries = (await files.LogsAsync(Unit, "format=json")).GetProperty("entries");

        await Assert.That(entries.GetArrayLength()).IsEqualTo(2);
        await Assert.That(entries[0].GetProperty("message").GetString()).IsEqualTo("[3B blob data]");
        await Assert.That(entries[0].GetProperty("identifier").GetString()).IsEqualTo("bash");
        await Assert.That(entries[0].GetProperty("pid").ValueKind).IsEqualTo(JsonValueKind.Null);
        await Assert.That(entries[0].GetProperty("priority").ValueKind).IsEqualTo(JsonValueKind.Null);
        await Assert.That(entries[1].GetProperty("message").GetString()).IsEqualTo("tab\tand \"quotes\" and ü");
        await Assert.That(entries[1].GetProperty("identifier").ValueKind).IsEqualTo(JsonValueKind.Null);
        await Assert.That(entries[1].GetProperty("pid").GetInt32()).IsEqualTo(6);
    }

    [Test]
    public async Task Ten_thousand_entries_stream_out_equal_to_journalctl()
    {
        using var files = await JournalFiles.WriteAsync(Enumerable.Range(0, 10500).Select(i =>
            ExportEntry.Line(Start + (ulong)i * 1000, Unit, $"line {i} " + new string('x', i % 97))));

        var expected = await files.JournalctlAsync(Unit, 10000);
        var body = await files.LogsAsync(Unit, "lines=10000");

        await Assert.That(body.GetProperty("logs").GetString()).IsEqualTo(expected);
        await Assert.That(expected.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length).IsEqualTo(10000);
    }

    [Test]
    public async Task Lines_too_long_for_the_readers_window_read_the_same_as_journalctl()
    {
        // 300 lines of 2 KiB: the last 50 fit the window kept while walking back, the last 150 and 300 do not.
        using var files = await JournalFiles.WriteAsync(Enumerable.Range(0, 300).Select(i =>
            ExportEntry.Line(Start + (ulong)i * 1_000_000, Unit, $"long line {i} " + new string((char)('a' + i % 26), 2048))));

        foreach (var lines in new[] { 50, 150, 300 })
        {
            var text = await files.TextAsync(Unit, $"lines={lines}");
            var cursors = (await files.LogsAsync(Unit, $"format=json&lines={lines}")).GetProperty("entries").EnumerateArray()
                .Select(entry => entry.GetProperty("cursor").GetString()).ToArray();
            var journalctl = (await files.JournalctlAsync(Unit, lines, "UTC", "-o", "json")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("__CURSOR").GetString()).ToArray();

            await Assert.That(text).IsEqualTo(await files.JournalctlAsync(Unit, lines));
            await Assert.That(cursors).IsEquivalentTo(journalctl, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        }
    }
}
