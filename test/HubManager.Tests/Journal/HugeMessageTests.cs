using System.Net;
using System.Text;
using System.Text.Json;
using HubManager.Journal;
using HubManager.Tests.Sandbox;
using static HubManager.Tests.Journal.SandboxJournal;

namespace HubManager.Tests.Journal;

/// <summary>
/// A 16 MB message in the real journal of a sandboxed systemd, written through journald's native protocol: <c>/logs</c>
/// shows its first MiB (text, JSON, follow), and six reads of it at once cost the manager a bounded, returned amount of memory.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(HugeMessageTests))]
public class HugeMessageTests(HubSandbox sandbox)
{
    const string Unit = "huge.service";
    const int MessageBytes = 16 * 1000 * 1000;

    static readonly SemaphoreSlim Once = new(1, 1);
    static ManagerUnderTest? manager;

    /// <summary>
    /// "huge START " then digits and letters up to <see cref="MessageBytes"/>, with a 3-byte euro sign straddling the
    /// 1 MiB mark: a cut there must not leave half a character.
    /// </summary>
    static string Message()
    {
        var text = new StringBuilder("huge START ", MessageBytes);
        while (text.Length < JournalEntry.MessageLimit - 1)
            text.Append("0123456789abcdefghijklmnopqrstuvwxyz"[text.Length % 36]);
        text.Length = JournalEntry.MessageLimit - 1;
        text.Append('€');
        while (text.Length < MessageBytes - 4)
            text.Append((char)('a' + text.Length % 26));
        return text.Append(" END").ToString();
    }

    /// <summary>One manager on <see cref="Unit"/>, whose only output is the huge message.</summary>
    async Task<ManagerUnderTest> ManagerAsync()
    {
        sandbox.RequireRoot();
        await Once.WaitAsync();
        try
        {
            if (manager is not null)
                return manager;
            var message = Path.Combine(sandbox.Exchange, "huge.message");
            await File.WriteAllTextAsync(message, Message());
            await sandbox.WriteNativeEntriesUnitAsync(Unit, "huge", count: 1, MessageBytes, message);
            await sandbox.SystemctlAsync("start", Unit);
            await EventuallyAsync(async () => (await sandbox.RunAsync("journalctl", "-u", Unit, "-q", "--no-pager", "-o", "cat", "-t", "huge")).Stdout.Length > MessageBytes,
                "the huge message in the journal");
            return manager = await sandbox.StartManagerAsync(unit: Unit);
        }
        finally
        {
            Once.Release();
        }
    }

    [Test]
    public async Task A_16_MB_message_is_cut_at_1_MiB_in_text_json_and_follow()
    {
        var huge = await ManagerAsync();
        var full = (await sandbox.JournalctlAsync(Unit, "-t", "huge")).TrimEnd('\n');
        var expectedMessage = Message()[..(JournalEntry.MessageLimit - 1)]; // the euro sign would end past 1 MiB

        var (status, text) = await huge.GetAsync("/logs?lines=10&grep=huge%20START");
        var (_, json) = await huge.GetAsync("/logs?lines=10&format=json&grep=huge%20START");
        await using var follow = await EventStream.OpenAsync(new Uri(huge.BaseAddress, "/logs?follow=true&lines=10&grep=huge%20START"));
        var followed = await follow.ReadEventAsync(Patience);

        var logs = text.GetProperty("logs").GetString()!;
        var header = full[..(full.IndexOf(": huge START ") + 2)];
        await Assert.That(status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(full.Length).IsGreaterThan(MessageBytes);
        await Assert.That(logs).IsEqualTo(header + expectedMessage + "\n");
        await Assert.That(Encoding.UTF8.GetByteCount(expectedMessage)).IsEqualTo(JournalEntry.MessageLimit - 1);
        var entry = json.GetProperty("entries")[0];
        await Assert.That(entry.GetProperty("message").GetString()).IsEqualTo(expectedMessage);
        await Assert.That(entry.GetProperty("identifier").GetString()).IsEqualTo("huge");
        await Assert.That(followed.Data).IsEqualTo(header + expectedMessage);
    }

    [Test]
    public async Task Six_concurrent_reads_of_a_16_MB_message_stay_within_64_MiB_and_give_it_back()
    {
        var huge = await ManagerAsync();
        var pid = await sandbox.PropertyAsync(huge.UnitName, "MainPID");
        await huge.GetAsync("/logs?lines=1");
        await huge.GetAsync("/logs?lines=1&format=json");
        var before = await sandbox.MemoryKibAsync(pid, "VmRSS");
        // Resets VmHWM (the peak) to the current RSS, so the peak below is the reads' own.
        (await sandbox.RunAsync("sh", "-c", $"echo 5 > /proc/{pid}/clear_refs")).EnsureSuccess("clear_refs");

        var reads = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => huge.GetAsync(i % 2 == 0 ? "/logs?lines=10" : "/logs?lines=10&format=json")));
        var peak = await sandbox.MemoryKibAsync(pid, "VmHWM");
        await EventuallyAsync(async () => await sandbox.MemoryKibAsync(pid, "VmRSS") < before + 8 * 1024, "the reads' memory given back");

        await Assert.That(reads.Select(read => read.Status).Distinct()).IsEquivalentTo([HttpStatusCode.OK]);
        var sizes = reads.Select(read => read.Body.TryGetProperty("logs", out var logs)
            ? Encoding.UTF8.GetByteCount(logs.GetString()!)
            : Encoding.UTF8.GetByteCount(read.Body.GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("message").GetString()!.StartsWith("huge START")).GetProperty("message").GetString()!));
        await Assert.That(sizes.Max()).IsLessThan(JournalEntry.MessageLimit + 4096);
        await Assert.That(sizes.Min()).IsGreaterThan(JournalEntry.MessageLimit - 4);
        await Assert.That(peak - before).IsLessThan(64 * 1024); // measured: 26-35 MiB, the 16 MB that libsystemd unpacks included
    }
}
