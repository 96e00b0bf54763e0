using System.Net;
using System.Text.Json;
using HubManager.Tests.Journal;
using HubManager.Tests.Sandbox;
using HubManager.Tests.Updates;
using static HubManager.Tests.Updates.ReleasePackages;
using static HubManager.Tests.Updates.UpdateBench;

namespace HubManager.Tests.Http;

/// <summary>
/// <c>GET /update/events</c> against the shipped binary in a real systemd: a whole update told in order (every phase,
/// throttled download progress, the outcome last, then the end), and a client that connects while nothing runs.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(UpdateEventsTests))]
public class UpdateEventsTests(HubSandbox sandbox)
{
    static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(60);

    [Test]
    public async Task A_whole_update_is_told_phase_by_phase_with_progress_and_ends_with_the_outcome()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        var package = bench.Publish("2.0.11", Build("2.0.11", extra: t => AddFile(t, "assets/noise.bin", System.Security.Cryptography.RandomNumberGenerator.GetBytes(400_000))));
        bench.Nas.BytesPerSecond = 200_000; // about two seconds of download: several progress events
        var manager = await bench.StartManagerAsync();

        await bench.PostUpdateAsync(manager, "2.0.11");
        await using var stream = await EventStream.OpenAsync(new Uri(manager.BaseAddress, "/update/events"));
        var events = new List<(JsonElement Status, DateTime At)>();
        ServerSentEvent? next;
        while ((next = await stream.ReadAsync(EventTimeout)) is not null)
        {
            if (next.Comment is null)
                events.Add((JsonDocument.Parse(next.Data).RootElement.Clone(), next.ReceivedUtc));
        }
        var (_, polled) = await manager.GetAsync("/update");

        await Assert.That(stream.Response.Content.Headers.ContentType?.MediaType).IsEqualTo("text/event-stream");
        var states = events.Select(e => e.Status.GetProperty("state").GetString()).ToList();
        await Assert.That(states[..^1].All(s => s == "running")).IsTrue().Because(string.Join(",", states));
        await Assert.That(states[^1]).IsEqualTo("succeeded");
        // Every phase once, in order (consecutive events of the same phase folded), then the end (phase null).
        var phases = events.Select(e => e.Status.GetProperty("phase").GetString() ?? "end").Aggregate(new List<string>(), (list, phase) =>
        {
            if (list.Count == 0 || list[^1] != phase)
                list.Add(phase);
            return list;
        });
        await Assert.That(string.Join(",", phases)).IsEqualTo("download,verify,install,restart,health,end");
        // Download progress: several events, bytes growing to the package's size, at most about 4 a second.
        var downloads = events.Where(e => e.Status.GetProperty("phase").GetString() == "download" && e.Status.GetProperty("bytesDownloaded").GetInt64() > 0).ToList();
        var bytes = downloads.Select(e => e.Status.GetProperty("bytesDownloaded").GetInt64()).ToList();
        await Assert.That(downloads.Count).IsGreaterThanOrEqualTo(3).Because(string.Join(",", bytes));
        await Assert.That(bytes.Zip(bytes.Skip(1)).All(p => p.First < p.Second)).IsTrue().Because(string.Join(",", bytes));
        await Assert.That(downloads[0].Status.GetProperty("bytesTotal").GetInt64()).IsEqualTo(package.Length);
        var seconds = (downloads[^1].At - downloads[0].At).TotalSeconds;
        await Assert.That(downloads.Count).IsLessThanOrEqualTo((int)(seconds * 4) + 2).Because($"{downloads.Count} progress events in {seconds:0.00} s");
        // The last event is what GET /update says once it is over: the same fields, the same JSON.
        await Assert.That(events[^1].Status.GetRawText()).IsEqualTo(polled.GetRawText());
    }

    [Test]
    public async Task A_client_that_connects_while_nothing_runs_gets_the_last_outcome_and_the_end()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        var manager = await bench.StartManagerAsync();

        var idle = await ReadWholeStreamAsync(manager);
        await bench.PostUpdateAsync(manager, "2.0.99"); // not on the NAS: fails at once
        var failed = await WaitForUpdateAsync(manager);
        var afterFailure = await ReadWholeStreamAsync(manager);
        using var head = await manager.SendAsync(HttpMethod.Head, "/update/events");

        await Assert.That(idle.Count).IsEqualTo(1);
        await Assert.That(idle[0].GetProperty("state").GetString()).IsEqualTo("idle");
        await Assert.That(afterFailure.Count).IsEqualTo(1);
        await Assert.That(afterFailure[0].GetRawText()).IsEqualTo(failed.GetRawText());
        await Assert.That(afterFailure[0].GetProperty("state").GetString()).IsEqualTo("failed");
        await Assert.That(head.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(head.Content.Headers.ContentType?.MediaType).IsEqualTo("text/event-stream");
    }

    /// <summary>Reads a stream to its end (the server must end it), returning its events' data as JSON.</summary>
    static async Task<List<JsonElement>> ReadWholeStreamAsync(ManagerUnderTest manager)
    {
        await using var stream = await EventStream.OpenAsync(new Uri(manager.BaseAddress, "/update/events"));
        var events = new List<JsonElement>();
        while (await stream.ReadAsync(EventTimeout) is { } next)
        {
            if (next.Comment is null)
                events.Add(JsonDocument.Parse(next.Data).RootElement.Clone());
        }
        return events;
    }
}
