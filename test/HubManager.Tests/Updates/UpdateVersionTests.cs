using System.Net;
using System.Text.Json;
using HubManager.Tests.Sandbox;
using static HubManager.Tests.Updates.ReleasePackages;
using static HubManager.Tests.Updates.UpdateBench;

namespace HubManager.Tests.Updates;

/// <summary>
/// Which versions <c>POST /update</c> takes, against the shipped binary in a real systemd: the versions deploy scripts
/// send (timestamps), no silent downgrade (semver order), and a release the health gate rolled back stays quarantined,
/// across a manager restart, until a forced install of it succeeds. Every refusal comes before any request to the NAS.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(UpdateTests))]
public class UpdateVersionTests(HubSandbox sandbox)
{
    [Test]
    public async Task A_downgrade_is_refused_before_the_NAS_unless_the_body_allows_it()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.9", Build("2.0.9"));
        var manager = await bench.StartManagerAsync();

        var (olderStatus, older) = await manager.PostAsync("/update", """{"version":"2.0.9"}""");
        var (preReleaseStatus, preRelease) = await manager.PostAsync("/update", """{"version":"2.0.10-rc.1"}""");
        var (forcedStatus, forced) = await manager.PostAsync("/update", """{"version":"2.0.9","force":true}""");
        var (wrongTypeStatus, wrongType) = await manager.PostAsync("/update", """{"version":"2.0.9","allowDowngrade":"true"}""");
        var requestsBefore = bench.Nas.Requests.Count;
        var (_, idle) = await manager.GetAsync("/update");

        foreach (var (status, body) in new[] { (olderStatus, older), (preReleaseStatus, preRelease), (forcedStatus, forced) })
        {
            await Assert.That(status).IsEqualTo(HttpStatusCode.Conflict).Because(body.ToString());
            await Assert.That(body.GetProperty("success").GetBoolean()).IsFalse();
            await Assert.That(body.GetProperty("error").GetString()).Contains("downgrade").And.Contains("2.0.10").And.Contains("allowDowngrade");
        }
        await Assert.That(wrongTypeStatus).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(wrongType.GetProperty("error").GetString()).IsEqualTo("\"allowDowngrade\" must be true or false");
        await Assert.That(requestsBefore).IsEqualTo(0);
        await Assert.That(idle.GetProperty("state").GetString()).IsEqualTo("idle");

        var (allowedStatus, allowed) = await manager.PostAsync("/update", """{"version":"2.0.9","allowDowngrade":true}""");
        var done = await WaitForUpdateAsync(manager);

        await Assert.That(allowedStatus).IsEqualTo(HttpStatusCode.OK).Because(allowed.ToString());
        await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("succeeded").Because(done.ToString());
        await Assert.That(await bench.WaitForHubVersionAsync("2.0.9")).IsEqualTo("2.0.9");
        // POST /rollback goes back to the newer backup: no downgrade rule applies to it.
        var (rollbackStatus, rollback) = await manager.PostAsync("/rollback");
        await Assert.That(rollbackStatus).IsEqualTo(HttpStatusCode.OK).Because(rollback.ToString());
        await Assert.That(await bench.WaitForHubVersionAsync("2.0.10")).IsEqualTo("2.0.10");
    }

    [Test]
    public async Task A_timestamp_version_installs_and_unsafe_versions_still_get_400()
    {
        const string Timestamp = "20261202-045344";
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish(Timestamp, Build(Timestamp), sidecar: true);
        var manager = await bench.StartManagerAsync();
        string[] unsafeVersions = ["", new string('1', 65), "..", "a..b", "-x", ".x", "_x", "/", "%2e", "2.0 11", "２.0.11", "2.0.11\u0000", "a/../b"];

        var refused = new List<(HttpStatusCode Status, JsonElement Body)>();
        foreach (var version in unsafeVersions)
            refused.Add(await manager.PostAsync("/update", JsonSerializer.Serialize(new Dictionary<string, string> { ["version"] = version })));
        var requestsAfterRefusals = bench.Nas.Requests.Count;
        var (status, started) = await bench.PostUpdateAsync(manager, Timestamp);
        var done = await WaitForUpdateAsync(manager);

        for (var i = 0; i < unsafeVersions.Length; i++)
        {
            await Assert.That(refused[i].Status).IsEqualTo(HttpStatusCode.BadRequest).Because(unsafeVersions[i]);
            await Assert.That(refused[i].Body.GetProperty("error").GetString()).StartsWith("\"version\"").Because(unsafeVersions[i]);
        }
        await Assert.That(requestsAfterRefusals).IsEqualTo(0);
        await Assert.That(status).IsEqualTo(HttpStatusCode.OK).Because(started.ToString());
        await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("succeeded").Because(done.ToString());
        await Assert.That(Strings(done.GetProperty("backups"))).IsEquivalentTo(["2.0.10"]);
        await Assert.That(await bench.WaitForHubVersionAsync(Timestamp)).IsEqualTo(Timestamp);
        await Assert.That(bench.Nas.Requests.Any(r => r.Path == $"/api/raw/{Timestamp}/hub-{Timestamp}.tar.gz")).IsTrue();
        // A timestamp has no semver order: 2.0.9 after it is no downgrade, and it is asked of the NAS (which lacks it).
        var (afterStatus, _) = await bench.PostUpdateAsync(manager, "2.0.9");
        await Assert.That(afterStatus).IsEqualTo(HttpStatusCode.OK);
        await Assert.That((await WaitForUpdateAsync(manager)).GetProperty("error").GetString()).Contains("404");
    }

    [Test]
    public async Task A_rolled_back_release_stays_quarantined_across_a_restart_until_a_forced_install_succeeds()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", Build("2.0.11", crash: true));
        var manager = await bench.StartManagerAsync(grace: 3);

        await bench.PostUpdateAsync(manager, "2.0.11");
        var rolledBack = await WaitForUpdateAsync(manager);
        var requestsAfterRollback = bench.Nas.Requests.Count;
        var (refusedStatus, refused) = await bench.PostUpdateAsync(manager, "2.0.11");

        await Assert.That(rolledBack.GetProperty("state").GetString()).IsEqualTo("rolledBack").Because(rolledBack.ToString());
        var entry = rolledBack.GetProperty("quarantined").EnumerateArray().Single();
        await Assert.That(entry.GetProperty("version").GetString()).IsEqualTo("2.0.11");
        await Assert.That(entry.GetProperty("reason").GetString()).IsEqualTo(rolledBack.GetProperty("error").GetString());
        var at = entry.GetProperty("at").GetDateTimeOffset();
        await Assert.That(at).IsGreaterThanOrEqualTo(rolledBack.GetProperty("startedAt").GetDateTimeOffset());
        await Assert.That(at).IsLessThanOrEqualTo(rolledBack.GetProperty("finishedAt").GetDateTimeOffset());
        await Assert.That(refusedStatus).IsEqualTo(HttpStatusCode.Conflict);
        var sentence = refused.GetProperty("error").GetString()!;
        await Assert.That(sentence).Contains("2.0.11 is quarantined").And.Contains(at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"))
            .And.Contains(entry.GetProperty("reason").GetString()!).And.Contains("\"force\": true");

        await sandbox.SystemctlAsync("restart", manager.UnitName);
        var (afterRestartStatus, afterRestart) = await bench.PostUpdateAsync(manager, "2.0.11");
        var (_, listed) = await manager.GetAsync("/update");

        await Assert.That(afterRestartStatus).IsEqualTo(HttpStatusCode.Conflict);
        await Assert.That(afterRestart.GetProperty("error").GetString()).IsEqualTo(sentence);
        await Assert.That(listed.GetProperty("quarantined").GetRawText()).IsEqualTo(rolledBack.GetProperty("quarantined").GetRawText());
        await Assert.That(bench.Nas.Requests.Count).IsEqualTo(requestsAfterRollback);
        await Assert.That(await bench.HubVersionAsync()).IsEqualTo("2.0.10");

        // The NAS now serves a good 2.0.11: forced, it installs, and the quarantine is lifted.
        bench.Publish("2.0.11", Build("2.0.11"));
        var (forcedStatus, forced) = await bench.PostUpdateAsync(manager, "2.0.11", force: true);
        var done = await WaitForUpdateAsync(manager);

        await Assert.That(forcedStatus).IsEqualTo(HttpStatusCode.OK).Because(forced.ToString());
        await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("succeeded").Because(done.ToString());
        await Assert.That(done.GetProperty("quarantined").GetArrayLength()).IsEqualTo(0);
        await Assert.That(await bench.WaitForHubVersionAsync("2.0.11")).IsEqualTo("2.0.11");
        await sandbox.SystemctlAsync("restart", manager.UnitName);
        await Assert.That((await manager.GetAsync("/update")).Body.GetProperty("quarantined").GetArrayLength()).IsEqualTo(0);
    }
}
