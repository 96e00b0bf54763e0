using HubManager.Journal;

namespace HubManager.Tests.Journal;

/// <summary>Parameter parsing for <c>/logs</c>: defaults, accepted spellings, and a sentence naming the limit for every bad value.</summary>
public class JournalQueryTests
{
    static readonly DateTimeOffset Now = new(2025, 6, 15, 12, 0, 0, TimeSpan.Zero);
    static readonly TimeZoneInfo Kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");

    static JournalQuery Parse(string query, string? lastEventId = null, TimeZoneInfo? zone = null) =>
        JournalQuery.Parse(JournalFiles.QueryParameters(query), lastEventId, Now, zone ?? TimeZoneInfo.Utc);

    static ulong Usec(DateTimeOffset time) => (ulong)(time - DateTimeOffset.UnixEpoch).Ticks / 10;

    [Test]
    public async Task Defaults_are_the_last_100_lines_as_text()
    {
        var query = Parse("");

        await Assert.That(query.Lines).IsEqualTo(100);
        await Assert.That(query.Json).IsFalse();
        await Assert.That(query.Follow).IsFalse();
        await Assert.That(query.SinceUsec).IsNull();
        await Assert.That(query.Cursor).IsNull();
    }

    [Test]
    public async Task Good_values_are_understood()
    {
        var query = Parse("lines=10000&format=json&since=-5min&priority=warning..err&grep=tick%201");

        await Assert.That(query.Lines).IsEqualTo(10000);
        await Assert.That(query.Json).IsTrue();
        await Assert.That(query.SinceUsec).IsEqualTo(Usec(Now.AddMinutes(-5)));
        await Assert.That(query.Priorities).IsEqualTo((3, 4));
        await Assert.That(query.Grep).IsEquivalentTo("tick 1"u8.ToArray());
    }

    [Test]
    [Arguments("-2h", -7200)]
    [Arguments("-90", -90)]
    [Arguments("+30s", 30)]
    [Arguments("-1 day", -86400)]
    [Arguments("-2weeks", -1209600)]
    [Arguments("now", 0)]
    public async Task Relative_times_count_from_now(string value, int seconds)
    {
        await Assert.That(Parse($"since={Uri.EscapeDataString(value)}").SinceUsec).IsEqualTo(Usec(Now.AddSeconds(seconds)));
    }

    [Test]
    [Arguments("2025-06-15T10:00:00Z", "2025-06-15T10:00:00Z")]
    [Arguments("2025-06-15T10:00:00.25+02:00", "2025-06-15T08:00:00.25Z")]
    [Arguments("2025-06-15 10:00", "2025-06-15T04:30:00Z")]
    [Arguments("2025-06-15", "2025-06-14T18:30:00Z")]
    [Arguments("today", "2025-06-14T18:30:00Z")]
    [Arguments("yesterday", "2025-06-13T18:30:00Z")]
    public async Task Absolute_times_without_offset_are_local(string value, string utc)
    {
        await Assert.That(Parse($"since={Uri.EscapeDataString(value)}", zone: Kolkata).SinceUsec).IsEqualTo(Usec(DateTimeOffset.Parse(utc)));
    }

    [Test]
    public async Task Last_event_id_resumes_after_that_cursor_when_following()
    {
        const string cursor = "s=0123456789abcdef0123456789abcdef;i=2a;b=0123456789abcdef0123456789abcdef;m=3e8;t=60a24181e4000;x=880f172650de8bd5";

        var resumed = Parse("follow=true&lines=5", cursor);
        var notFollowing = Parse("lines=5", cursor);

        await Assert.That(resumed.Cursor).IsEqualTo(cursor);
        await Assert.That(resumed.AfterCursor).IsTrue();
        await Assert.That(notFollowing.Cursor).IsNull();
    }

    [Test]
    [Arguments("lines=0", "lines", "1 to 10000")]
    [Arguments("lines=10001", "lines", "1 to 10000")]
    [Arguments("lines=-5", "lines", "1 to 10000")]
    [Arguments("lines=abc", "lines", "1 to 10000")]
    [Arguments("lines=%2B5", "lines", "1 to 10000")]
    [Arguments("lines=99999999999999999999", "lines", "1 to 10000")]
    [Arguments("lines=1&lines=2", "lines", "more than once")]
    [Arguments("format=xml", "format", "text or json")]
    [Arguments("follow=yes", "follow", "true or false")]
    [Arguments("since=yesterday-ish", "since", "ISO-8601")]
    [Arguments("since=-5fortnights", "since", "units")]
    [Arguments("since=-99999999999w", "since", "ISO-8601")]
    [Arguments("since=-6000w", "since", "100 years")]
    [Arguments("since=1969-12-31T00:00:00Z", "since", "after 1970")]
    [Arguments("until=2025-13-01", "until", "ISO-8601")]
    [Arguments("since=2025-06-15&until=2025-06-14", "since", "not be later than until")]
    [Arguments("priority=loud", "priority", "0-7")]
    [Arguments("priority=8", "priority", "0-7")]
    [Arguments("priority=err..", "priority", "0-7")]
    [Arguments("grep=", "grep", "1 to 256 bytes")]
    [Arguments("cursor=nope", "cursor", "journal cursor")]
    [Arguments("after=s%3Dzz", "after", "journal cursor")]
    [Arguments("cursor=i%3D1&after=i%3D2", "after", "not both")]
    [Arguments("since=-1h&cursor=i%3D1", "since", "cannot be combined")]
    [Arguments("follow=true&until=now", "until", "follow")]
    [Arguments("line=5", "line", "/logs takes lines")]
    public async Task Bad_values_are_refused_with_the_limit_named(string query, string parameter, string hint)
    {
        var refusal = Assert.Throws<QueryException>(() => Parse(query));

        await Assert.That(refusal.Parameter).IsEqualTo(parameter);
        await Assert.That(refusal.Message).Contains(hint);
    }

    [Test]
    public async Task Oversized_values_are_refused_and_not_echoed_whole()
    {
        var huge = new string('a', 5000);

        var grep = Assert.Throws<QueryException>(() => Parse("grep=" + new string('x', 257)));
        var since = Assert.Throws<QueryException>(() => Parse("since=" + huge));
        var cursor = Assert.Throws<QueryException>(() => Parse("cursor=" + huge));
        var lastEventId = Assert.Throws<QueryException>(() => Parse("follow=true", "s=" + huge));

        await Assert.That(grep.Message).Contains("256");
        await Assert.That(since.Message.Length).IsLessThan(400);
        await Assert.That(cursor.Message).Contains("512");
        await Assert.That(lastEventId.Parameter).IsEqualTo("Last-Event-ID");
    }
}
