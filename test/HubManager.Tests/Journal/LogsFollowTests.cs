using System.Diagnostics;
using System.Net;
using System.Text.Json;
using HubManager.Tests.Sandbox;
using static HubManager.Tests.Journal.SandboxJournal;

namespace HubManager.Tests.Journal;

/// <summary>
/// <c>GET /logs?follow=true</c> of the shipped binary in a sandboxed systemd: latency, Last-Event-ID resume, the
/// heartbeat, the follower limit, and nothing (journal handle, thread) left behind by followers that leave or by
/// a stopping manager.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(LogsFollowTests))]
public class LogsFollowTests(HubSandbox sandbox)
{
    const string Hub = HubSandbox.HubUnit;

    [Test]
    public async Task Follow_delivers_a_new_line_within_500_ms_as_journalctl_prints_it()
    {
        var hub = await sandbox.DefaultManagerAsync();
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
        var journal = await sandbox.JournalctlAsync(Hub, "--cursor", line.Id!, "-n", "1");

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
        await sandbox.WriteLinesUnitAsync("burst.service", "burst", 1000, batch: 1, everyMs: 3);
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
    public async Task The_17th_follower_gets_429_and_followers_that_leave_leave_no_handles_or_threads()
    {
        var hub = await sandbox.DefaultManagerAsync();
        await sandbox.SystemctlAsync("start", Hub);
        var pid = await sandbox.PropertyAsync(hub.UnitName, "MainPID");
        await hub.GetAsync("/logs?lines=1");
        // Followers of earlier tests count until the manager has noticed their clients left.
        await EventuallyAsync(async () => (await sandbox.JournalResourcesAsync(pid)).FollowerThreads == 0, "no followers left from earlier tests");
        var before = await sandbox.JournalResourcesAsync(pid);
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
            during = await sandbox.JournalResourcesAsync(pid);
            await using var refused = await EventStream.OpenAsync(follow);
            refusedStatus = refused.Status;
            refusal = JsonDocument.Parse(await refused.Response.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString()!;
        }
        finally
        {
            foreach (var follower in followers)
                await follower.DisposeAsync();
        }
        // At most as many as before: the handle the one-off read left in the pool may close meanwhile (idle timeout).
        await EventuallyAsync(async () => await sandbox.JournalResourcesAsync(pid) is var (fds, threads) && fds <= before.JournalFds && threads == 0,
            "journal handles and follower threads released");
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
}
