using System.Net;
using HubManager.Tests.Sandbox;
using static HubManager.Tests.Updates.ReleasePackages;
using static HubManager.Tests.Updates.UpdateBench;

namespace HubManager.Tests.Updates;

/// <summary>
/// Between its first rename and its end an update owns the hub: <c>POST /start|stop|restart</c> answer 409 instead of
/// being taken for a crash by the health gate. Before that (download, verify) they work, and the update leaves the hub
/// as the operator left it: a stopped hub gets the new release but stays stopped, and so does a rollback.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(UpdateTests))]
public class UpdateOwnsTheHubTests(HubSandbox sandbox)
{
    [Test]
    public async Task Start_stop_and_restart_during_the_health_window_answer_409_and_the_update_commits()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", Build("2.0.11"));
        var manager = await bench.StartManagerAsync(grace: 6);

        await bench.PostUpdateAsync(manager, "2.0.11");
        await WaitForAsync(manager, u => u.GetProperty("phase").GetString() == "health");
        var pid = await sandbox.PropertyAsync(HubSandbox.HubUnit, "MainPID");
        var answers = new List<(HttpStatusCode Status, System.Text.Json.JsonElement Body)>();
        foreach (var verb in new[] { "/stop", "/start", "/restart" })
            answers.Add(await manager.PostAsync(verb));
        var pidAfterRefusals = await sandbox.PropertyAsync(HubSandbox.HubUnit, "MainPID");
        var done = await WaitForUpdateAsync(manager);
        var (stopStatus, _) = await manager.PostAsync("/stop");

        foreach (var (status, body) in answers)
        {
            await Assert.That(status).IsEqualTo(HttpStatusCode.Conflict).Because(body.ToString());
            await Assert.That(body.GetProperty("success").GetBoolean()).IsFalse();
            await Assert.That(body.GetProperty("error").GetString()).IsEqualTo(
                "the update to 2.0.11 is installing and checking the hub; start, stop and restart are refused until it has ended (see GET /update)");
        }
        await Assert.That(pidAfterRefusals).IsEqualTo(pid);
        await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("succeeded").Because(done.ToString());
        await Assert.That(Strings(done.GetProperty("backups"))).IsEquivalentTo(["2.0.10"]);
        await Assert.That(bench.Read("package.json")).Contains("2.0.11");
        await Assert.That(stopStatus).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(await sandbox.PropertyAsync(HubSandbox.HubUnit, "ActiveState")).IsEqualTo("inactive");
    }

    [Test]
    public async Task A_hub_stopped_during_the_download_gets_the_new_release_and_stays_stopped_and_so_does_a_rollback()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", Build("2.0.11", extra: t => AddFile(t, "assets/noise.bin", System.Security.Cryptography.RandomNumberGenerator.GetBytes(40_000))));
        bench.Nas.BytesPerSecond = 20_000; // about two seconds of download
        var manager = await bench.StartManagerAsync();

        await bench.PostUpdateAsync(manager, "2.0.11");
        var downloading = await WaitForAsync(manager, u => u.GetProperty("bytesDownloaded").GetInt64() > 0);
        var (stopStatus, stopped) = await manager.PostAsync("/stop");
        var done = await WaitForUpdateAsync(manager);
        var stateAfterUpdate = await sandbox.PropertyAsync(HubSandbox.HubUnit, "ActiveState");
        var (_, version) = await manager.GetAsync("/version");
        var servingWhileStopped = await bench.HubVersionAsync();
        var (rollbackStatus, rolledBack) = await manager.PostAsync("/rollback");
        var stateAfterRollback = await sandbox.PropertyAsync(HubSandbox.HubUnit, "ActiveState");
        var (_, versionAfterRollback) = await manager.GetAsync("/version");
        var (startStatus, _) = await manager.PostAsync("/start");

        await Assert.That(downloading.GetProperty("phase").GetString()).IsEqualTo("download");
        await Assert.That(stopStatus).IsEqualTo(HttpStatusCode.OK).Because(stopped.ToString());
        await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("succeeded").Because(done.ToString());
        await Assert.That(Strings(done.GetProperty("backups"))).IsEquivalentTo(["2.0.10"]);
        await Assert.That(stateAfterUpdate).IsEqualTo("inactive");
        await Assert.That(version.GetProperty("version").GetString()).IsEqualTo("2.0.11");
        await Assert.That(servingWhileStopped).IsNull();
        await Assert.That(rollbackStatus).IsEqualTo(HttpStatusCode.OK).Because(rolledBack.ToString());
        await Assert.That(stateAfterRollback).IsEqualTo("inactive");
        await Assert.That(versionAfterRollback.GetProperty("version").GetString()).IsEqualTo("2.0.10");
        await Assert.That(startStatus).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(await bench.WaitForHubVersionAsync("2.0.10")).IsEqualTo("2.0.10");
    }
}
