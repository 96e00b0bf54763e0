using System.IO.Compression;
using HubManager.Tests.Sandbox;
using HubManager.Updates;
using static HubManager.Tests.Updates.ReleasePackages;
using static HubManager.Tests.Updates.UpdateBench;

namespace HubManager.Tests.Updates;

/// <summary>
/// A manager SIGKILLed at any point of an update comes back to a consistent tree (fully old or fully new),
/// finishes or undoes the update, leaves the hub running, and says what happened in <c>GET /update</c>.
/// Phases long enough to hit (download, health, rollback) are hit with a real SIGKILL; the install phase,
/// a few renames long, is reproduced exactly as a kill between two renames leaves it.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(UpdateTests))]
public class UpdateRecoveryTests(HubSandbox sandbox)
{
    async Task KillAndRestartAsync(ManagerUnderTest manager)
    {
        await sandbox.SystemctlAsync("kill", "--signal=SIGKILL", manager.UnitName);
        for (var i = 0; i < 100 && await sandbox.PropertyAsync(manager.UnitName, "ActiveState") is "active" or "deactivating"; i++)
            await Task.Delay(50);
        await sandbox.SystemctlAsync("start", manager.UnitName);
    }

    [Test]
    public async Task Killed_during_download_nothing_was_installed_and_the_hub_runs_on()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", Build("2.0.11", extra: t => AddFile(t, "assets/noise.bin", System.Security.Cryptography.RandomNumberGenerator.GetBytes(100_000))));
        bench.Nas.BytesPerSecond = 20_000;
        var manager = await bench.StartManagerAsync();
        var before = UpdateTests.Snapshot(bench.Install);

        await bench.PostUpdateAsync(manager, "2.0.11");
        await WaitForAsync(manager, u => u.GetProperty("bytesDownloaded").GetInt64() > 0);
        await KillAndRestartAsync(manager);
        var after = await WaitForUpdateAsync(manager);

        await Assert.That(after.GetProperty("state").GetString()).IsEqualTo("failed").Because(after.ToString());
        await Assert.That(after.GetProperty("error").GetString()).Contains("download");
        await Assert.That(UpdateTests.Snapshot(bench.Install)).IsEqualTo(before);
        await Assert.That(Directory.Exists(Path.Combine(bench.Releases, "txn"))).IsFalse();
        await Assert.That(await bench.HubVersionAsync()).IsEqualTo("2.0.10");
    }

    [Test]
    public async Task Killed_during_the_health_check_the_new_release_is_judged_again_and_kept()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", Build("2.0.11"));
        var manager = await bench.StartManagerAsync(grace: 8);

        await bench.PostUpdateAsync(manager, "2.0.11");
        await WaitForAsync(manager, u => u.GetProperty("phase").GetString() == "health");
        await KillAndRestartAsync(manager);
        var treeAfterKill = (bench.Read("package.json").Contains("2.0.11"), bench.Read("dist/old-only.js"));
        var after = await WaitForUpdateAsync(manager);

        await Assert.That(treeAfterKill).IsEqualTo((true, "(missing)"));
        await Assert.That(after.GetProperty("state").GetString()).IsEqualTo("succeeded").Because(after.ToString());
        await Assert.That(Strings(after.GetProperty("backups"))).IsEquivalentTo(["2.0.10"]);
        await Assert.That(await bench.WaitForHubVersionAsync("2.0.11")).IsEqualTo("2.0.11");
        await Assert.That(File.Exists(Path.Combine(bench.StateDir(manager), "update-intent.json"))).IsFalse();
    }

    [Test]
    public async Task Killed_during_a_rollback_the_rollback_is_finished()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", Build("2.0.11", crash: true));
        var manager = await bench.StartManagerAsync(grace: 6);

        await bench.PostUpdateAsync(manager, "2.0.11");
        await WaitForAsync(manager, u => u.GetProperty("phase").GetString() == "rollback");
        await KillAndRestartAsync(manager);
        var after = await WaitForUpdateAsync(manager);

        await Assert.That(after.GetProperty("state").GetString()).IsEqualTo("rolledBack").Because(after.ToString());
        await Assert.That(after.GetProperty("error").GetString()).Contains(HubSandbox.HubUnit);
        await Assert.That(await bench.WaitForHubVersionAsync("2.0.10")).IsEqualTo("2.0.10");
        await Assert.That(bench.Read("dist/old-only.js")).IsEqualTo("// only in 2.0.10\n");
        await Assert.That(bench.Read("gui/index.html")).IsEqualTo("(missing)");
    }

    /// <summary>
    /// The state a SIGKILL between two renames leaves: intent journal fsync'd, <c>dist</c> already swapped, the old
    /// <c>package.json</c> parked by the two-rename fallback and the new one not yet in, <c>gui</c> untouched.
    /// Phase <c>install</c> is undone (fully old, hub restarted); phase <c>restart</c> is finished (fully new, judged healthy).
    /// </summary>
    [Test]
    [Arguments("install")]
    [Arguments("restart")]
    public async Task Killed_between_two_renames_the_tree_comes_back_whole(string phase)
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        var before = UpdateTests.Snapshot(bench.Install);
        var stateDir = Path.Combine(sandbox.Exchange, "state-killed-" + Guid.NewGuid().ToString("N")[..8]);
        var store = new UpdateStore(stateDir, bench.Install);
        store.EnsureStateDir();
        Directory.CreateDirectory(store.StagedTree);
        await using (var gzip = new GZipStream(new MemoryStream(Build("2.0.11")), CompressionMode.Decompress))
            await new PackageExtractor(store.StagedTree, 1000, 1 << 30).ExtractAsync(gzip, CancellationToken.None);
        var swap = new ReleaseSwap(bench.Install, store.StagedTree, store.Aside);
        var entries = swap.Describe(["dist", "package.json", "gui"]);
        store.WriteStatus(new UpdateStatus { State = UpdateState.Running, Version = "2.0.11", PreviousVersion = "2.0.10", Phase = Enum.Parse<UpdatePhase>(phase, ignoreCase: true), StartedAt = DateTimeOffset.UtcNow });
        store.WriteIntent(new UpdateIntent
        {
            Kind = TransactionKind.Update, Version = "2.0.11", PreviousVersion = "2.0.10", Phase = Enum.Parse<IntentPhase>(phase, ignoreCase: true),
            OtherTree = store.StagedTree, HubWasRunning = true, Entries = entries, StartedAt = DateTimeOffset.UtcNow,
        });
        swap.Place(entries[0], newLive: true);
        Directory.CreateDirectory(store.Aside);
        File.Move(Path.Combine(bench.Install, "package.json"), Path.Combine(store.Aside, "package.json"));
        var pidBefore = await sandbox.PropertyAsync(HubSandbox.HubUnit, "MainPID");

        var manager = await bench.StartManagerAsync($"--StateDir={stateDir}");
        var after = await WaitForUpdateAsync(manager);

        await Assert.That(File.Exists(store.IntentFile)).IsFalse();
        await Assert.That(await sandbox.PropertyAsync(HubSandbox.HubUnit, "MainPID")).IsNotEqualTo(pidBefore);
        await Assert.That(Directory.EnumerateFileSystemEntries(store.Aside)).IsEmpty();
        if (phase == "install")
        {
            await Assert.That(after.GetProperty("state").GetString()).IsEqualTo("failed").Because(after.ToString());
            await Assert.That(after.GetProperty("error").GetString()).Contains("undone");
            await Assert.That(UpdateTests.Snapshot(bench.Install)).IsEqualTo(before);
            await Assert.That(await bench.WaitForHubVersionAsync("2.0.10")).IsEqualTo("2.0.10");
            await Assert.That(Strings(after.GetProperty("backups"))).IsEmpty();
        }
        else
        {
            await Assert.That(after.GetProperty("state").GetString()).IsEqualTo("succeeded").Because(after.ToString());
            await Assert.That(bench.Read("package.json")).Contains("2.0.11");
            await Assert.That(bench.Read("dist/old-only.js")).IsEqualTo("(missing)");
            await Assert.That(bench.Read("gui/index.html")).Contains("2.0.11");
            await Assert.That(await bench.WaitForHubVersionAsync("2.0.11")).IsEqualTo("2.0.11");
            await Assert.That(Strings(after.GetProperty("backups"))).IsEquivalentTo(["2.0.10"]);
        }
        await Assert.That(bench.Read("node_modules/left-pad/index.js")).IsEqualTo("module.exports = 1;\n");
    }
}
