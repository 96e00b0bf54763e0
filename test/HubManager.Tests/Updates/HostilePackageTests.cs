using System.Text.Json;
using System.Text.RegularExpressions;
using HubManager.Tests.Journal;
using HubManager.Tests.Sandbox;
using HubManager.Updates;
using static HubManager.Tests.Updates.ReleasePackages;
using static HubManager.Tests.Updates.UpdateBench;

namespace HubManager.Tests.Updates;

/// <summary>
/// Packages that attack the manager rather than the install tree, through the shipped binary and
/// <c>POST /update</c>: tar header bombs (a 64 MiB GNU long name, a 128 MiB pax header) must be refused from
/// their header with flat memory and short messages, and a package with <c>.hub-manager/</c> directories must
/// be refused at extraction, before the live tree or the hub is touched.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(UpdateTests))]
public partial class HostilePackageTests(HubSandbox sandbox)
{
    /// <summary>The bombs and a long name that gets through the header bound but not the extractor.</summary>
    public static IEnumerable<(string Kind, Func<byte[]> Package, string Expected)> Bombs()
    {
        yield return ("64 MiB GNU long name", () => HeaderBombs.LongName("2.0.11", 64L << 20),
            "the package has a GNU long-name header of 67108864 bytes; at most 4097 are allowed");
        yield return ("128 MiB pax header", () => HeaderBombs.PaxHeader("2.0.11", 128L << 20),
            "the package has a pax extended header of 134217728 bytes; at most 16384 are allowed");
        yield return ("4 KiB name with an escape sequence", () => Build("2.0.11", extra: t => AddFile(t, "dist/\u001b[2J" + new string('a', 4000) + "/../../evil", "x")),
            "package entry 'dist/\\u001b[2J" + new string('a', 86) + "…(4020 bytes)' contains a '..' component");
    }

    [Test]
    public async Task Header_bombs_are_refused_from_their_header_with_flat_memory_and_short_messages()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        var manager = await bench.StartManagerAsync();
        var managerPid = await sandbox.PropertyAsync(manager.UnitName, "MainPID");
        var hubPid = await sandbox.PropertyAsync(HubSandbox.HubUnit, "MainPID");
        var before = UpdateTests.Snapshot(bench.Install);
        await manager.GetAsync("/update"); // warm up the HTTP path before the baseline

        foreach (var (kind, make, expected) in Bombs())
        {
            var package = bench.Publish("2.0.11", make());
            await ResetPeakMemoryAsync(managerPid);
            var rssBefore = await sandbox.MemoryKibAsync(managerPid, "VmRSS");

            await bench.PostUpdateAsync(manager, "2.0.11");
            var done = await WaitForUpdateAsync(manager);
            var peak = await sandbox.MemoryKibAsync(managerPid, "VmHWM");
            var stateFile = await File.ReadAllTextAsync(Path.Combine(bench.StateDir(manager), "update-state.json"));

            await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("failed").Because($"{kind}: {done}");
            await Assert.That(done.GetProperty("error").GetString()).IsEqualTo(expected).Because(kind);
            await Assert.That(JsonDocument.Parse(stateFile).RootElement.GetProperty("error").GetString()).IsEqualTo(expected).Because(kind);
            await Assert.That(peak - rssBefore).IsLessThan(16 * 1024).Because($"{kind} ({package.Length} bytes gzip'd): VmRSS {rssBefore} KiB before, VmHWM {peak} KiB during");
            await Assert.That(UpdateTests.Snapshot(bench.Install)).IsEqualTo(before).Because(kind);
            await Assert.That(Directory.Exists(Path.Combine(bench.Releases, "txn"))).IsFalse().Because(kind);
        }
        var journal = SandboxJournal.Lines(await sandbox.JournalctlAsync(manager.UnitName));
        await Assert.That(journal.Max(l => l.Length)).IsLessThan(400).Because(journal.MaxBy(l => l.Length)!);
        await Assert.That(journal.Count(l => LongRun().IsMatch(l))).IsEqualTo(0);
        await Assert.That(journal.Count(l => l.Contains("failed before install"))).IsEqualTo(3);
        await Assert.That(journal.Length).IsLessThan(40);
        await Assert.That(await sandbox.PropertyAsync(HubSandbox.HubUnit, "MainPID")).IsEqualTo(hubPid);
        await Assert.That(await sandbox.PropertyAsync(manager.UnitName, "MainPID")).IsEqualTo(managerPid);
        await Assert.That(await bench.HubVersionAsync()).IsEqualTo("2.0.10");
    }

    [Test]
    [Arguments(".hub-manager/")]
    [Arguments("./.hub-manager/txn/tree/")]
    public async Task A_package_with_hub_manager_directories_is_refused_at_extraction_and_the_hub_is_not_restarted(string directory)
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", Build("2.0.11", extra: t => AddDirectory(t, directory)));
        var manager = await bench.StartManagerAsync();
        var hubPid = await sandbox.PropertyAsync(HubSandbox.HubUnit, "MainPID");
        var before = UpdateTests.Snapshot(bench.Install);

        await bench.PostUpdateAsync(manager, "2.0.11");
        var done = await WaitForUpdateAsync(manager);
        var journal = await sandbox.JournalctlAsync(manager.UnitName);

        await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("failed").Because(done.ToString());
        await Assert.That(done.GetProperty("error").GetString()).IsEqualTo(
            $"package entry '{directory}' uses '.hub-manager', where the manager keeps releases and backups in InstallDir");
        await Assert.That(journal).Contains("failed before install").And.DoesNotContain("installing");
        await Assert.That(UpdateTests.Snapshot(bench.Install)).IsEqualTo(before);
        await Assert.That(Directory.EnumerateFileSystemEntries(bench.Releases)).IsEmpty();
        await Assert.That(await sandbox.PropertyAsync(HubSandbox.HubUnit, "MainPID")).IsEqualTo(hubPid);
        await Assert.That(await sandbox.PropertyAsync(HubSandbox.HubUnit, "ActiveState")).IsEqualTo("active");
        await Assert.That(await bench.HubVersionAsync()).IsEqualTo("2.0.10");
    }

    /// <summary>Sets VmHWM back to the current VmRSS (clear_refs 5, Linux 4.0+), so the next peak is this update's.</summary>
    async Task ResetPeakMemoryAsync(string pid) =>
        (await sandbox.RunAsync("sh", "-c", $"echo 5 > /proc/{pid}/clear_refs")).EnsureSuccess("reset VmHWM");

    /// <summary>More of the bomb's 'a's than an excerpt holds.</summary>
    [GeneratedRegex("a{101}")]
    private static partial Regex LongRun();
}
