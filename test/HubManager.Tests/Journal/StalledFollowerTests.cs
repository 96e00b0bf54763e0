using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using HubManager.Http;
using HubManager.Journal;
using HubManager.Tests.Sandbox;
using static HubManager.Tests.Journal.SandboxJournal;

namespace HubManager.Tests.Journal;

/// <summary>
/// Followers that stop reading while 1 MiB entries pour in: the manager holds a bounded amount for each, drops them
/// after <see cref="JournalFollower.StallLimit"/> (telling a client that reads again that it fell behind, and where to
/// resume), gives the memory back once they are gone, and a follower that reads gets every entry meanwhile.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(StalledFollowerTests))]
public class StalledFollowerTests(HubSandbox sandbox)
{
    const int EntryBytes = 1024 * 1024;

    /// <summary>
    /// A client that asks to follow and then does not read: a small receive buffer, so the server's side fills up.
    /// HTTP/1.0, so the body comes as it is (not chunked) and ends when the server closes the connection.
    /// </summary>
    static async Task<Socket> StalledFollowerAsync(int port, string query)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /logs?{query} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"));
        return socket;
    }

    [Test]
    public async Task Fifteen_stalled_followers_of_70_MiB_are_dropped_with_bounded_memory_while_a_reader_gets_everything()
    {
        sandbox.RequireRoot();
        await sandbox.WriteNativeEntriesUnitAsync("flood.service", "flood", 70, EntryBytes);
        var manager = await sandbox.StartManagerAsync(unit: "flood.service");
        var pid = await sandbox.PropertyAsync(manager.UnitName, "MainPID");
        var idle = await sandbox.JournalResourcesAsync(pid);
        var stalled = new List<Socket>();
        try
        {
            // Sixteen followers, the most the manager takes: fifteen that never read and one that does.
            for (var i = 0; i < LogsEndpoint.MaxFollowers - 1; i++)
                stalled.Add(await StalledFollowerAsync(manager.Port, i % 2 == 0 ? "follow=true" : "follow=true&format=json"));
            await using var reader = await EventStream.OpenAsync(new Uri(manager.BaseAddress, "/logs?follow=true"));
            await EventuallyAsync(async () => (await sandbox.JournalResourcesAsync(pid)).FollowerThreads == LogsEndpoint.MaxFollowers, "sixteen followers");
            var before = await sandbox.MemoryKibAsync(pid, "VmRSS");
            (await sandbox.RunAsync("sh", "-c", $"echo 5 > /proc/{pid}/clear_refs")).EnsureSuccess("clear_refs");

            await sandbox.SystemctlAsync("start", "--no-block", "flood.service");
            var numbers = new List<int>();
            while (numbers.Count < 70)
            {
                var data = (await reader.ReadEventAsync(Patience)).Data;
                if (data.Split(": flood ") is [_, var rest])
                    numbers.Add(int.Parse(rest.Split(' ')[0]));
            }
            await EventuallyAsync(async () => (await sandbox.JournalResourcesAsync(pid)).FollowerThreads == 1, "the stalled followers dropped");
            var peak = await sandbox.MemoryKibAsync(pid, "VmHWM");
            foreach (var socket in stalled)
                socket.Dispose();
            await reader.DisposeAsync();
            await EventuallyAsync(async () => await sandbox.JournalResourcesAsync(pid) is var (fds, threads) && fds <= idle.JournalFds && threads == 0,
                "every follower's journal handle and thread released");
            await EventuallyAsync(async () => await sandbox.MemoryKibAsync(pid, "VmRSS") < before + 8 * 1024, "the memory given back");

            await Assert.That(numbers).IsEquivalentTo(Enumerable.Range(1, 70), TUnit.Assertions.Enums.CollectionOrdering.Matching);
            await Assert.That(peak - before).IsLessThan(64 * 1024); // measured: 35-38 MiB
            await Assert.That(await manager.JournalAsync()).Contains("took nothing for 5 s");
        }
        finally
        {
            foreach (var socket in stalled)
                socket.Dispose();
        }
    }

    [Test]
    public async Task A_follower_that_reads_again_after_falling_behind_is_told_where_to_resume()
    {
        sandbox.RequireRoot();
        await sandbox.WriteNativeEntriesUnitAsync("burst.service", "burst", 12, EntryBytes);
        var manager = await sandbox.StartManagerAsync(unit: "burst.service");
        var pid = await sandbox.PropertyAsync(manager.UnitName, "MainPID");
        using var socket = await StalledFollowerAsync(manager.Port, "follow=true");
        await EventuallyAsync(async () => (await sandbox.JournalResourcesAsync(pid)).FollowerThreads == 1, "the follower started");

        await sandbox.SystemctlAsync("start", "--no-block", "burst.service");
        // The manager gives up on the client and lets go of its thread; the client then reads what was sent.
        await EventuallyAsync(async () => (await sandbox.JournalResourcesAsync(pid)).FollowerThreads == 0, "the stalled follower given up on");
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var received = Encoding.UTF8.GetString(await ReadToEndAsync(stream));
        var events = received[(received.IndexOf("\r\n\r\n") + 4)..];
        var ids = events.Split('\n').Where(line => line.StartsWith("id: ")).Select(line => line[4..]).ToList();
        var last = events[events.LastIndexOf("event: ")..];
        var told = JsonDocument.Parse(last.Split('\n').Single(line => line.StartsWith("data: "))[6..]).RootElement;
        var cursor = told.GetProperty("cursor").GetString()!;
        await using var resumed = await EventStream.OpenAsync(new Uri(manager.BaseAddress, "/logs?follow=true"), cursor);
        var next = await resumed.ReadEventAsync(Patience);

        await Assert.That(received[..received.IndexOf('\r')]).EndsWith(" 200 OK");
        await Assert.That(last).StartsWith("event: fell-behind\n");
        await Assert.That(told.GetProperty("error").GetString()).IsEqualTo("Fell behind");
        await Assert.That(told.GetProperty("message").GetString()).Contains("Last-Event-ID");
        // The final event repeats the id of the last event before it: where an EventSource resumes.
        await Assert.That(ids[^1]).IsEqualTo(cursor);
        await Assert.That(ids.Count(id => id == cursor)).IsEqualTo(2);
        await Assert.That(events.Split('\n').Count(line => line.StartsWith("data: ") && line.Contains(": burst "))).IsLessThan(12);
        await Assert.That(next.Data).Contains($": burst {NumberAfter(events, cursor)} ");
    }

    /// <summary>The number of the burst line that follows the event with id <paramref name="cursor"/> (the first line if none did).</summary>
    static int NumberAfter(string events, string cursor)
    {
        var at = events.IndexOf($"id: {cursor}\n");
        var data = events[at..].Split('\n').First(line => line.StartsWith("data: "));
        return data.Split(": burst ") is [_, var rest] ? int.Parse(rest.Split(' ')[0]) + 1 : 1;
    }

    /// <summary>Reads until the server closes the connection (or resets it, after the final event).</summary>
    static async Task<byte[]> ReadToEndAsync(NetworkStream stream)
    {
        var all = new MemoryStream();
        var buffer = new byte[64 * 1024];
        using var deadline = new CancellationTokenSource(Patience);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, deadline.Token)) > 0)
                all.Write(buffer, 0, read);
        }
        catch (IOException)
        {
            // A reset after the last bytes: what arrived is what counts.
        }
        return all.ToArray();
    }
}
