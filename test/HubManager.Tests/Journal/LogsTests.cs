using System.Net;
using System.Text.Json;
using HubManager.Journal;
using HubManager.Tests.Sandbox;
using static HubManager.Tests.Journal.SandboxJournal;

namespace HubManager.Tests.Journal;

/// <summary>
/// <c>GET /logs</c> of the shipped binary against the real journal of a sandboxed systemd: the same text as
/// journalctl (systemd's own lines about the unit included), JSON entries, 400s, and flat memory for 10000 lines.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(LogsTests))]
public class LogsTests(HubSandbox sandbox)
{
    const string Hub = HubSandbox.HubUnit;

    [Test]
    public async Task Lines_5_equal_journalctl_n_5()
    {
        var hub = await sandbox.DefaultManagerAsync();
        await sandbox.SystemctlAsync("start", Hub);
        await EventuallyAsync(async () => Lines(await sandbox.JournalctlAsync(Hub, "-n", "5")).Count(l => l.Contains(" tick ")) == 5, "five ticks in the journal");

        var (status, body) = await hub.GetAsync("/logs?lines=5");
        var journal = await sandbox.JournalctlAsync(Hub, "-n", "5");

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
        var hub = await sandbox.DefaultManagerAsync();
        await sandbox.SystemctlAsync("restart", Hub);
        await EventuallyAsync(async () => (await sandbox.JournalctlAsync(Hub, "-n", "3")).Contains("listening on"), "the hub's start-up line");
        await sandbox.SystemctlAsync("stop", Hub); // a quiet unit: both reads see the same journal
        var journal = "";
        await EventuallyAsync(async () => (journal = await sandbox.JournalctlAsync(Hub, "-n", "20")).Contains("systemd[1]: Stopped "), "the stop in the journal");
        // journald tells open readers about new entries in batches (its post-change timer, up to 250 ms): the manager's
        // pooled handle may see the last lines a moment after journalctl, which opens the journal afresh.
        var logs = "";
        await EventuallyAsync(async () => (logs = (await hub.GetAsync("/logs?lines=20")).Body.GetProperty("logs").GetString()!) == journal,
            "GET /logs?lines=20 equals journalctl -n 20");

        await Assert.That(logs).IsEqualTo(journal);
        await Assert.That(logs).Contains("systemd[1]: Started ");
        await Assert.That(logs).Contains("systemd[1]: Stopped ");
        await Assert.That(logs).Contains("hub 2.0.10 listening on");
        await Assert.That(logs).Contains("hub 2.0.10 stopping");
    }

    [Test]
    public async Task Json_entries_describe_the_hubs_lines()
    {
        var hub = await sandbox.DefaultManagerAsync();
        await sandbox.SystemctlAsync("start", Hub);
        await EventuallyAsync(async () => (await sandbox.JournalctlAsync(Hub, "-n", "1")).Contains(" tick "), "a tick");

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
        await Assert.That((await sandbox.JournalctlAsync(Hub, "--cursor", cursor, "-n", "1", "-o", "cat")).Trim()).IsEqualTo(entry.GetProperty("message").GetString());
    }

    [Test]
    public async Task Lines_written_after_the_journal_rotates_are_read_and_vacuumed_files_are_let_go()
    {
        var hub = await sandbox.DefaultManagerAsync();
        await sandbox.SystemctlAsync("start", Hub);
        var manager = await sandbox.PropertyAsync(hub.UnitName, "MainPID");
        await hub.GetAsync("/logs?lines=5"); // leaves an open handle in the manager's pool

        // journald starts new files and deletes every archived one: the pooled handle's files are gone.
        (await sandbox.RunAsync("journalctl", "--rotate", "--vacuum-size=1")).EnsureSuccess("journalctl --rotate");
        await sandbox.SystemctlAsync("restart", Hub);
        var hubPid = await sandbox.PropertyAsync(Hub, "MainPID");
        await EventuallyAsync(async () => (await sandbox.JournalctlAsync(Hub, "-n", "20")).Contains($"node[{hubPid}]: hub 2.0.10 listening on"), "the restarted hub's first line");
        var (status, body) = await hub.GetAsync("/logs?lines=20");
        var deleted = (await sandbox.RunAsync("sh", "-c", $"ls -l /proc/{manager}/fd | grep -c 'journal (deleted)' || true")).Stdout.Trim();

        await Assert.That(status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(body.GetProperty("logs").GetString()).Contains($"node[{hubPid}]: hub 2.0.10 listening on");
        await Assert.That(deleted).IsEqualTo("0");
    }

    [Test]
    public async Task Concurrent_reads_all_equal_journalctl_and_leave_at_most_the_pools_handles_open()
    {
        var hub = await sandbox.DefaultManagerAsync();
        await sandbox.SystemctlAsync("restart", Hub);
        await EventuallyAsync(async () => Lines(await sandbox.JournalctlAsync(Hub, "-n", "20")).Count(l => l.Contains(" tick ")) >= 5, "ticks in the journal");
        await sandbox.SystemctlAsync("stop", Hub); // a quiet unit: every read sees the same journal
        var manager = await sandbox.PropertyAsync(hub.UnitName, "MainPID");
        var journal = await sandbox.JournalctlAsync(Hub, "-n", "20");

        // Six times the pool's capacity at once: the requests beyond it open and close handles of their own.
        var reads = await Task.WhenAll(Enumerable.Range(0, 6 * JournalPool.Capacity).Select(_ => hub.GetAsync("/logs?lines=20")));
        var inotify = (await sandbox.RunAsync("sh", "-c", $"ls -l /proc/{manager}/fd | grep -c inotify || true")).Stdout.Trim();

        await Assert.That(reads.Select(read => read.Status).Distinct()).IsEquivalentTo([HttpStatusCode.OK]);
        await Assert.That(reads.Select(read => read.Body.GetProperty("logs").GetString()!).Distinct()).IsEquivalentTo([journal]);
        await Assert.That(int.Parse(inotify)).IsLessThanOrEqualTo(JournalPool.Capacity);
    }

    [Test]
    public async Task Bad_parameters_get_400_with_a_sentence_naming_the_limit()
    {
        var hub = await sandbox.DefaultManagerAsync();

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
    public async Task Ten_thousand_lines_keep_memory_flat_and_equal_journalctl()
    {
        sandbox.RequireRoot();
        await sandbox.WriteLinesUnitAsync("flood.service", "flood", 10500, batch: 10500, everyMs: 1);
        var flood = await sandbox.StartManagerAsync(unit: "flood.service");
        await sandbox.SystemctlAsync("start", "flood.service");
        await EventuallyAsync(async () => (await sandbox.JournalctlAsync("flood.service", "-n", "1")).Contains("flood 10500 "), "all 10500 lines in the journal");
        var pid = await sandbox.PropertyAsync(flood.UnitName, "MainPID");

        // Baseline after a small request (libsystemd loaded, Kestrel warm). What must not grow is the manager's own
        // (anonymous) memory; the journal pages that pooled handles keep mapped are the kernel's page cache.
        await flood.GetAsync("/logs?lines=10");
        var before = await sandbox.MemoryKibAsync(pid, "RssAnon");
        JsonElement text = default, json = default;
        for (var i = 0; i < 6; i++)
        {
            (_, text) = await flood.GetAsync("/logs?lines=10000");
            (_, json) = await flood.GetAsync("/logs?lines=10000&format=json");
        }
        var after = await sandbox.MemoryKibAsync(pid, "RssAnon");

        await Assert.That(text.GetProperty("logs").GetString()).IsEqualTo(await sandbox.JournalctlAsync("flood.service", "-n", "10000"));
        await Assert.That(json.GetProperty("entries").GetArrayLength()).IsEqualTo(10000);
        await Assert.That(after - before).IsLessThan(6 * 1024); // measured: about 4 MiB, mostly the GC heap's first growth
    }
}
