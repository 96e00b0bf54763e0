using System.Net;
using System.Text;
using HubManager.Tests.Sandbox;
using HubManager.Updates;
using static HubManager.Tests.Updates.ReleasePackages;
using static HubManager.Tests.Updates.UpdateBench;

namespace HubManager.Tests.Updates;

/// <summary>
/// A <c>StateDir</c> that is full when the update needs it, on a tmpfs (mounted inside the sandbox) sized in pages so
/// that a given write cannot be made: whatever fails after the swap, <c>GET /update</c>, <c>/version</c>, the running
/// hub and a manager restarted afterwards all tell the same story.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(UpdateTests))]
public class FullStateDirTests(HubSandbox sandbox)
{
    const int Page = 4096;

    /// <summary>A tmpfs of exactly <paramref name="pages"/> pages at a fresh path under the exchange directory.</summary>
    async Task<string> MountStateDirAsync(int pages)
    {
        var dir = Path.Combine(sandbox.Exchange, "full-state-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        (await sandbox.RunAsync("mount", "-t", "tmpfs", "-o", $"size={pages * Page},mode=0700", "hub-full-state", dir)).EnsureSuccess("mount tmpfs");
        return dir;
    }

    /// <summary>A file in the sandbox's view of the tmpfs (the host sees the directory under it).</summary>
    string Inside(string path) => $"/proc/{sandbox.Pid}/root{path}";

    async Task<(string? Version, string Raw)> VersionAsync(ManagerUnderTest manager)
    {
        var (_, body) = await manager.GetAsync("/version");
        return (body.TryGetProperty("version", out var version) ? version.GetString() : null, body.GetRawText());
    }

    /// <summary>
    /// One page each for the status and the intent journal beside the reserve: the journal for phase <c>restart</c>
    /// is written next to the one for <c>install</c> (write-temp-rename) and finds no page. The manager puts 2.0.10
    /// back and restarts it, and nothing changes when the manager restarts.
    /// </summary>
    [Test]
    public async Task No_room_for_the_restart_journal_restores_the_old_release_and_everyone_agrees_after_a_manager_restart()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", Build("2.0.11"));
        var stateDir = await MountStateDirAsync(UpdateStore.ReserveBytes / Page + 2);
        try
        {
            var before = UpdateTests.Snapshot(bench.Install);
            var manager = await bench.StartManagerAsync($"--StateDir={stateDir}");

            await bench.PostUpdateAsync(manager, "2.0.11");
            var done = await WaitForUpdateAsync(manager);
            var version = await VersionAsync(manager);
            var serving = await bench.WaitForHubVersionAsync("2.0.10");
            var hubPid = await sandbox.PropertyAsync(HubSandbox.HubUnit, "MainPID");
            var tree = UpdateTests.Snapshot(bench.Install);
            var intentLeft = File.Exists(Inside(Path.Combine(stateDir, "update-intent.json")));
            await sandbox.SystemctlAsync("restart", manager.UnitName);
            var (_, afterRestart) = await manager.GetAsync("/update");
            var versionAfterRestart = await VersionAsync(manager);
            var hubPidAfterRestart = await sandbox.PropertyAsync(HubSandbox.HubUnit, "MainPID");
            var (retryStatus, retry) = await bench.PostUpdateAsync(manager, "2.0.11");
            var retried = await WaitForUpdateAsync(manager);

            await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("failed").Because(done.ToString());
            await Assert.That(done.GetProperty("error").GetString()).Contains("No space left on device").And.Contains("update-intent.json").And.EndsWith("2.0.10 was restored");
            await Assert.That(version.Version).IsEqualTo("2.0.10").Because(version.Raw);
            await Assert.That(serving).IsEqualTo("2.0.10");
            await Assert.That(tree).IsEqualTo(before);
            await Assert.That(intentLeft).IsFalse();
            await Assert.That(afterRestart.GetProperty("state").GetString()).IsEqualTo("failed").Because(afterRestart.ToString());
            await Assert.That(afterRestart.GetProperty("error").GetString()).IsEqualTo(done.GetProperty("error").GetString());
            await Assert.That(afterRestart.GetProperty("finishedAt").GetString()).IsEqualTo(done.GetProperty("finishedAt").GetString());
            await Assert.That(versionAfterRestart.Version).IsEqualTo("2.0.10");
            await Assert.That(hubPidAfterRestart).IsEqualTo(hubPid).Because("the manager's restart must find nothing to recover");
            await Assert.That(await bench.HubVersionAsync()).IsEqualTo("2.0.10");
            await Assert.That(retryStatus).IsEqualTo(HttpStatusCode.OK);
            await Assert.That(retry.GetProperty("message").GetString()).IsEqualTo("Hub update to version 2.0.11 started");
            await Assert.That(retried.GetProperty("error").GetString()).IsEqualTo(done.GetProperty("error").GetString());
        }
        finally
        {
            await sandbox.RunAsync("umount", "-l", stateDir);
        }
    }

    /// <summary>
    /// A release that writes long lines and dies is rolled back; its report (with those lines) is larger than what is
    /// left of the tmpfs once the journal is closed, so only the reserve the manager keeps lets it be saved, and a
    /// restarted manager still reports the rollback and its reason instead of guessing.
    /// </summary>
    [Test]
    public async Task A_final_report_that_finds_the_disk_full_is_saved_in_the_reserve()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        var longLines = "const line = 'x'.repeat(1000);\n"
            + "for (let i = 0; i < 25; i++) console.error(`hub 2.0.11 cannot start (${i}): ${line}`);\n"
            + "setTimeout(() => process.exit(1), 1500);\n";
        bench.Publish("2.0.11", Gzip(tar =>
        {
            AddFile(tar, "package.json", File.ReadAllText(Path.Combine(Repository.DemoHub, "package.json")).Replace("2.0.10", "2.0.11"));
            AddDirectory(tar, "dist/");
            AddFile(tar, "dist/index.js", longLines);
        }));
        var stateDir = await MountStateDirAsync(UpdateStore.ReserveBytes / Page + 3);
        var reserve = Inside(Path.Combine(stateDir, "update-reserve"));
        try
        {
            var manager = await bench.StartManagerAsync($"--StateDir={stateDir}", grace: 5);

            await bench.PostUpdateAsync(manager, "2.0.11");
            var done = await WaitForUpdateAsync(manager);
            var reserveLeft = File.Exists(reserve);
            await sandbox.SystemctlAsync("restart", manager.UnitName);
            var (_, afterRestart) = await manager.GetAsync("/update");

            await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("rolledBack").Because(done.ToString());
            var journal = string.Join("\n", Strings(done.GetProperty("journal")));
            await Assert.That(Encoding.UTF8.GetByteCount(journal)).IsGreaterThan(3 * Page);
            await Assert.That(journal).Contains("cannot start (24)");
            await Assert.That(reserveLeft).IsFalse().Because("the report only fits where the reserve was");
            await Assert.That(afterRestart.GetProperty("state").GetString()).IsEqualTo("rolledBack").Because(afterRestart.ToString());
            await Assert.That(afterRestart.GetProperty("error").GetString()).IsEqualTo(done.GetProperty("error").GetString());
            await Assert.That(Strings(afterRestart.GetProperty("journal"))).IsEquivalentTo(Strings(done.GetProperty("journal")));
            await Assert.That(await bench.WaitForHubVersionAsync("2.0.10")).IsEqualTo("2.0.10");
            await Assert.That((await VersionAsync(manager)).Version).IsEqualTo("2.0.10");
        }
        finally
        {
            await sandbox.RunAsync("umount", "-l", stateDir);
        }
    }
}
