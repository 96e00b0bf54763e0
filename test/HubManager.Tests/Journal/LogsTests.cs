using System.Diagnostics;
using System.Net;
using System.Text.Json;
using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Journal;

/// <summary>
/// <c>GET /logs</c> of the shipped binary against the real journal of a sandboxed systemd: the same text as
/// journalctl, systemd's own lines about the unit, follow latency and resume, bounded memory, the follower limit,
/// and nothing (handle, thread) left behind by followers that leave or by a stopping manager.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(LogsTests))]
public class LogsTests(HubSandbox sandbox)
{
    const string Hub = HubSandbox.HubUnit;
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    static ManagerUnderTest? manager;

    async Task<ManagerUnderTest> ManagerAsync()
    {
        sandbox.RequireRoot();
        return manager ??= await sandbox.StartManagerAsync();
    }

    async Task<string> JournalctlAsync(string unit, params string[] args) =>
        (await sandbox.RunAsync(["journalctl", "-u", unit, "--no-pager", "-q", .. args])).EnsureSuccess("journalctl").Stdout;

    static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Not within {Patience.TotalSeconds} s: {what}");
            await Task.Delay(50);
        }
    }

    /// <summary>A unit that logs <paramref name="count"/> lines "PREFIX N xxx…", <paramref name="batch"/> every <paramref name="everyMs"/> ms.</summary>
    async Task WriteLinesUnitAsync(string name, string prefix, int count, int batch, int everyMs)
    {
        var script = Path.Combine(sandbox.Exchange, "lines.js");
        await File.WriteAllTextAsync(script, """
            const [prefix, count, batch, every] = [process.argv[2], +process.argv[3], +process.argv[4], +process.argv[5]];
            let i = 0;
            const timer = setInterval(() => {
              for (let k = 0; k < batch && i < count; k++) { i++; console.log(`${prefix} ${i} ${'x'.repeat(i % 97)}`); }
              if (i >= count) clearInterval(timer);
            }, every);
            """);
        await sandbox.WriteUnitAsync(name, $"""
            [Service]
            LogRateLimitIntervalSec=0
            ExecStart=/usr/bin/node {script} {prefix} {count} {batch} {everyMs}
            """);
    }

    /// <summary>The manager's open journal files and inotify descriptors, and its follower threads.</summary>
    async Task<(int JournalFds, int FollowerThreads)> JournalResourcesAsync(string pid)
    {
        var fds = (await sandbox.RunAsync("ls", "-l", $"/proc/{pid}/fd")).EnsureSuccess("ls fd").Stdout;
        var threads = (await sandbox.RunAsync("sh", "-c", $"cat /proc/{pid}/task/*/comm")).EnsureSuccess("cat comm").Stdout;
        return (Lines(fds).Count(l => l.EndsWith(".journal") || l.Contains("inotify")), Lines(threads).Count(l => l.Trim() == "journal-follow"));
    }

    [Test]
    public async Task Lines_5_equal_journalctl_n_5()
    {
        var hub = await ManagerAsync();
        await sandbox.SystemctlAsync("start", Hub);
        await EventuallyAsync(async () => Lines(await JournalctlAsync(Hub, "-n", "5")).Count(l => l.Contains(" tick ")) == 5, "five ticks in the journal");

        var (status, body) = await hub.GetAsync("/logs?lines=5");
        var journal = await JournalctlAsync(Hub, "-n", "5");

        await Assert.That(status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(body.GetProperty("service").GetString()).IsEqualTo(Hub);
        await Assert.That(body.GetProperty("lines").GetInt32()).IsEqualTo(5);
        var logs = body.GetProperty("logs").GetString()!;
        await Assert.That(Lines(logs).Length).IsEqualTo(5);
        // A tick may land between the two reads: then journalctl is one line further on.
        if (logs != journal)
            await Assert.That(Lines(logs)[1..]).IsEquivalentTo(Lines(journal)[..^1], TUnit.Assertions.Enums.CollectionOrdering.Matching);
    }

    [Test]
    public async Task Systemds_own_lines_about_the_unit_are_included_as_journalctl_shows_them()
    {
        var hub = await ManagerAsync();
        await sandbox.SystemctlAsync("restart", Hub);
        await EventuallyAsync(async () => (await JournalctlAsync(Hub, "-n", "3")).Contains("listening on"), "the hub's start-up line");
        await sandbox.SystemctlAsync("stop", Hub); // a quiet unit: both reads see the same journal

        var (_, body) = await hub.GetAsync("/logs?lines=20");
        var journal = await JournalctlAsync(Hub, "-n", "20");
        var logs = body.GetProperty("logs").GetString()!;

        await Assert.That(logs).IsEqualTo(journal);
        await Assert.That(logs).Contains("systemd[1]: Started ");
        await Assert.That(logs).Contains("systemd[1]: Stopped ");
        await Assert.That(logs).Contains("hub 2.0.10 listening on");
        await Assert.That(logs).Contains("hub 2.0.10 stopping");
    }

    [Test]
    public async Task Json_entries_describe_the_hubs_lines()
    {
        var hub = await ManagerAsync();
        await sandbox.SystemctlAsync("start", Hub);
        await EventuallyAsync(async () => (await JournalctlAsync(Hub, "-n", "1")).Contains(" tick "), "a tick");

        var (status, body) = await hub.GetAsync("/logs?lines=1&format=json&grep=tick");
        var entry = body.GetProperty("entries")[0];
        var mainPid = int.Parse(await sandbox.PropertyAsync(Hub, "MainPID"));

        await Assert.That(status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(entry.GetProperty("identifier").GetString()).IsEqualTo("node");
        await Assert.That(entry.GetProperty("pid").GetInt32()).IsEqualTo(mainPid);
        await Assert.That(entry.GetProperty("priority").GetInt32()).IsEqualTo(6);
        await Assert.That(entry.GetProperty("message").GetString()).StartsWith("hub 2.0.10 tick ");
        await Assert.That(DateTime.UtcNow - entry.GetProperty("time").GetDateTime().ToUniversalTime()).IsLessThan(TimeSpan.FromSeconds(30));
        var cursor = entry.GetProperty("cursor").GetString()!;
        await Assert.That((await JournalctlAsync(Hub, "--cursor", cursor, "-n", "1", "-o", "cat")).Trim()).IsEqualTo(entry.GetProperty("message").GetString());
    }

    [Test]
    public async Task Bad_parameters_get_400_with_a_sentence_naming_the_limit()
    {
        var hub = await ManagerAsync();

        var (lines, linesBody) = await hub.GetAsync("/logs?lines=10001");
        var (format, _) = await hub.GetAsync("/logs?format=xml");
        var (cursor, cursorBody) = await hub.GetAsync("/logs?cursor=s%3D00;i%3D1");

        await Assert.That(lines).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(linesBody.GetProperty("error").GetString()).IsEqualTo("Invalid parameter");
        await Assert.That(linesBody.GetProperty("message").GetString()).Contains("1 to 10000");
        await Assert.That(format).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(cursor).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(cursorBody.GetProperty("message").GetString()).Contains("cursor");
    }

    [Test]
    public async Task Follow_delivers_a_new_line_within_500_ms_as_journalctl_prints_it()
    {
        var hub = await ManagerAsync();
        await sandbox.SystemctlAsync("start", Hub);

        await using var json = await EventStream.OpenAsync(new Uri(hub.BaseAddress, "/logs?follow=true&format=json&lines=1"));
        await using var text = await EventStream.OpenAsync(new Uri(hub.BaseAddress, "/logs?follow=true&lines=1"));
        var backlog = await json.ReadEventAsync(Patience);
        var latencies = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
        {
            var fresh = await json.ReadEventAsync(Patience);
            var logged = JsonDocument.Parse(fresh.Data).RootElement.GetProperty("time").GetDateTime().ToUniversalTime();
            latencies.Add(fresh.ReceivedUtc - logged);
        }
        await text.ReadEventAsync(Patience);
        var line = await text.ReadEventAsync(Patience);
        var journal = await JournalctlAsync(Hub, "--cursor", line.Id!, "-n", "1");

        await Assert.That(json.Status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(json.Response.Content.Headers.ContentType!.MediaType).IsEqualTo("text/event-stream");
        await Assert.That(backlog.Id).IsNotNull();
        await Assert.That(latencies.Max()).IsLessThan(TimeSpan.FromMilliseconds(500));
        await Assert.That(line.Data + "\n").IsEqualTo(journal);
    }

    [Test]
    public async Task Last_event_id_resumes_without_losing_or_repeating_any_of_1000_lines()
    {
        sandbox.RequireRoot();
        await WriteLinesUnitAsync("burst.service", "burst", 1000, batch: 1, everyMs: 3);
        var burst = await sandbox.StartManagerAsync(unit: "burst.service");
        var numbers = new List<int>();
        var ids = new List<string>();
        void Record(ServerSentEvent e)
        {
            ids.Add(e.Id!);
            if (e.Data.Split(": burst ") is [_, var rest])
                numbers.Add(int.Parse(rest.Split(' ')[0]));
        }

        string lastId;
        await using (var first = await EventStream.OpenAsync(new Uri(burst.BaseAddress, "/logs?follow=true&lines=10")))
        {
            await sandbox.SystemctlAsync("start", "burst.service");
            do
                Record(await first.ReadEventAsync(Patience));
            while (numbers.Count < 300);
            lastId = ids[^1];
        }
        await using (var resumed = await EventStream.OpenAsync(new Uri(burst.BaseAddress, "/logs?follow=true&lines=10"), lastId))
        {
            while (numbers.Count == 0 || numbers[^1] < 1000)
                Record(await resumed.ReadEventAsync(Patience));
        }

        await Assert.That(numbers).IsEquivalentTo(Enumerable.Range(1, 1000), TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(ids.Distinct().Count()).IsEqualTo(ids.Count);
    }

    [Test]
    public async Task Ten_thousand_lines_keep_memory_flat_and_equal_journalctl()
    {
        sandbox.RequireRoot();
        await WriteLinesUnitAsync("flood.service", "flood", 10500, batch: 10500, everyMs: 1);
        var flood = await sandbox.StartManagerAsync(unit: "flood.service");
        await sandbox.SystemctlAsync("start", "flood.service");
        await EventuallyAsync(async () => (await JournalctlAsync("flood.service", "-n", "1")).Contains("flood 10500 "), "all 10500 lines in the journal");
        var pid = await sandbox.PropertyAsync(flood.UnitName, "MainPID");

        // Warm up: the first requests size the GC heap and the response buffers.
        for (var i = 0; i < 2; i++)
        {
            await flood.GetAsync("/logs?lines=10000");
            await flood.GetAsync("/logs?lines=10000&format=json");
        }
        var before = await RssKibAsync(pid);
        JsonElement text = default, json = default;
        for (var i = 0; i < 5; i++)
        {
            (_, text) = await flood.GetAsync("/logs?lines=10000");
            (_, json) = await flood.GetAsync("/logs?lines=10000&format=json");
        }
        var after = await RssKibAsync(pid);

        await Assert.That(text.GetProperty("logs").GetString()).IsEqualTo(await JournalctlAsync("flood.service", "-n", "10000"));
        await Assert.That(json.GetProperty("entries").GetArrayLength()).IsEqualTo(10000);
        await Assert.That(after - before).IsLessThan(4 * 1024);
    }

    [Test]
    public async Task The_17th_follower_gets_429_and_followers_that_leave_leave_no_handles_or_threads()
    {
        var hub = await ManagerAsync();
        await sandbox.SystemctlAsync("start", Hub);
        var pid = await sandbox.PropertyAsync(hub.UnitName, "MainPID");
        await hub.GetAsync("/logs?lines=1");
        var before = await JournalResourcesAsync(pid);
        var follow = new Uri(hub.BaseAddress, "/logs?follow=true&lines=1");

        var followers = new List<EventStream>();
        (int JournalFds, int FollowerThreads) during;
        HttpStatusCode refusedStatus;
        string refusal;
        try
        {
            for (var i = 0; i < 16; i++)
            {
                followers.Add(await EventStream.OpenAsync(follow));
                await followers[^1].ReadEventAsync(Patience);
            }
            during = await JournalResourcesAsync(pid);
            await using var refused = await EventStream.OpenAsync(follow);
            refusedStatus = refused.Status;
            refusal = JsonDocument.Parse(await refused.Response.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString()!;
        }
        finally
        {
            foreach (var follower in followers)
                await follower.DisposeAsync();
        }
        await EventuallyAsync(async () => await JournalResourcesAsync(pid) == (before.JournalFds, 0), "journal handles and follower threads released");
        await using var again = await EventStream.OpenAsync(follow);
        var next = await again.ReadEventAsync(Patience);

        await Assert.That(refusedStatus).IsEqualTo(HttpStatusCode.TooManyRequests);
        await Assert.That(refusal).Contains("16");
        await Assert.That(during.FollowerThreads).IsEqualTo(16);
        await Assert.That(during.JournalFds).IsGreaterThanOrEqualTo(before.JournalFds + 16);
        await Assert.That(before.FollowerThreads).IsEqualTo(0);
        await Assert.That(next.Id).IsNotNull();
    }

    [Test]
    public async Task Stopping_the_manager_ends_followers_cleanly_and_promptly()
    {
        sandbox.RequireRoot();
        var doomed = await sandbox.StartManagerAsync();
        await sandbox.SystemctlAsync("start", Hub);
        await using var stream = await EventStream.OpenAsync(new Uri(doomed.BaseAddress, "/logs?follow=true&lines=1"));
        await stream.ReadEventAsync(Patience);

        var clock = Stopwatch.StartNew();
        var stopping = sandbox.SystemctlAsync("stop", doomed.UnitName);
        var events = 0;
        while (await stream.ReadAsync(Patience) is not null) // a reset connection would throw here instead
            events++;
        var ended = clock.Elapsed;
        await stopping;

        await Assert.That(ended).IsLessThan(TimeSpan.FromSeconds(5));
        await Assert.That(await sandbox.PropertyAsync(doomed.UnitName, "Result")).IsEqualTo("success");
        await Assert.That(events).IsLessThan(10);
    }

    [Test]
    public async Task A_quiet_follow_gets_a_heartbeat_comment_after_15_s()
    {
        sandbox.RequireRoot();
        var quiet = await sandbox.StartManagerAsync(unit: "quiet.service");
        var clock = Stopwatch.StartNew();
        await using var stream = await EventStream.OpenAsync(new Uri(quiet.BaseAddress, "/logs?follow=true"));
        var opened = clock.Elapsed;
        var first = await stream.ReadAsync(TimeSpan.FromSeconds(20));

        await Assert.That(stream.Status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(opened).IsLessThan(TimeSpan.FromSeconds(2));
        await Assert.That(first?.Comment).IsEqualTo("heartbeat");
        await Assert.That(clock.Elapsed).IsGreaterThan(TimeSpan.FromSeconds(14)).And.IsLessThan(TimeSpan.FromSeconds(17));
    }

    async Task<long> RssKibAsync(string pid)
    {
        var status = (await sandbox.RunAsync("cat", $"/proc/{pid}/status")).EnsureSuccess("cat status").Stdout;
        return long.Parse(status.Split('\n').Single(l => l.StartsWith("VmRSS:"))["VmRSS:".Length..].Trim().Split(' ')[0]);
    }
}
