using System.Formats.Tar;
using System.Net;
using HubManager.Tests.Sandbox;
using static HubManager.Tests.Updates.ReleasePackages;
using static HubManager.Tests.Updates.UpdateBench;

namespace HubManager.Tests.Updates;

/// <summary>
/// <c>POST /update</c>, <c>GET /update</c> and <c>POST /rollback</c> end to end: the shipped binary in a real systemd
/// updates the stand-in hub from a File Browser NAS on the host, restarts it over D-Bus, and judges its health.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(UpdateTests))]
public class UpdateTests(HubSandbox sandbox)
{
    [Test]
    public async Task Happy_path_installs_the_new_release_keeps_local_state_and_rolls_back_on_request()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        var package = bench.Publish("2.0.11", Build("2.0.11", extra: t => AddFile(t, "dist/tool", "#!/bin/sh\n", mode: 0xDED)), sidecar: true);
        var manager = await bench.StartManagerAsync();

        var (status, started) = await bench.PostUpdateAsync(manager, "2.0.11");
        var done = await WaitForUpdateAsync(manager);
        var serving = await bench.WaitForHubVersionAsync("2.0.11");
        var (_, hubStatus) = await manager.GetAsync("/status");
        var toolMode = File.GetUnixFileMode(Path.Combine(bench.Install, "dist", "tool"));
        var (againStatus, again) = await bench.PostUpdateAsync(manager, "2.0.11");

        await Assert.That(status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(started.GetRawText()).IsEqualTo("""{"success":true,"message":"Hub update to version 2.0.11 started"}""");
        await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("succeeded").Because(done.ToString());
        await Assert.That(done.GetProperty("version").GetString()).IsEqualTo("2.0.11");
        await Assert.That(done.GetProperty("previousVersion").GetString()).IsEqualTo("2.0.10");
        await Assert.That(done.GetProperty("phase").ValueKind).IsEqualTo(System.Text.Json.JsonValueKind.Null);
        await Assert.That(done.GetProperty("bytesDownloaded").GetInt64()).IsEqualTo(package.Length);
        await Assert.That(done.GetProperty("bytesTotal").GetInt64()).IsEqualTo(package.Length);
        await Assert.That(done.GetProperty("error").ValueKind).IsEqualTo(System.Text.Json.JsonValueKind.Null);
        await Assert.That(Strings(done.GetProperty("backups"))).IsEquivalentTo(["2.0.10"]);
        await Assert.That(serving).IsEqualTo("2.0.11");
        await Assert.That(hubStatus.GetProperty("installedVersion").GetString()).IsEqualTo("2.0.11");
        await Assert.That(bench.Read("node_modules/left-pad/index.js")).IsEqualTo("module.exports = 1;\n");
        await Assert.That(bench.Read(".env")).IsEqualTo("SECRET=keep-me\n");
        await Assert.That(bench.Read("dist/old-only.js")).IsEqualTo("(missing)");
        await Assert.That(bench.Read("gui/index.html")).Contains("2.0.11");
        await Assert.That(toolMode).IsEqualTo((UnixFileMode)0x1ED); // 06755 in the tarball: setuid/setgid dropped
        await Assert.That(againStatus).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(again.GetRawText()).IsEqualTo("""{"success":true,"message":"Hub is already at version 2.0.11"}""");

        // GET /update survives a manager restart.
        await sandbox.SystemctlAsync("restart", manager.UnitName);
        var (_, afterRestart) = await manager.GetAsync("/update");
        await Assert.That(afterRestart.GetProperty("state").GetString()).IsEqualTo("succeeded");
        await Assert.That(afterRestart.GetProperty("finishedAt").GetString()).IsEqualTo(done.GetProperty("finishedAt").GetString());

        // POST /rollback: back to the backup, no download, same health gate.
        var nasRequests = bench.Nas.Requests.Count;
        var (rollbackStatus, rolledBack) = await manager.PostAsync("/rollback");
        var servingAfterRollback = await bench.WaitForHubVersionAsync("2.0.10");
        var (_, afterRollback) = await manager.GetAsync("/update");
        var (noBackupStatus, noBackup) = await manager.PostAsync("/rollback");

        await Assert.That(rollbackStatus).IsEqualTo(HttpStatusCode.OK).Because(rolledBack.ToString());
        await Assert.That(rolledBack.GetRawText()).IsEqualTo("""{"success":true,"message":"Hub rolled back to version 2.0.10"}""");
        await Assert.That(servingAfterRollback).IsEqualTo("2.0.10");
        await Assert.That(bench.Read("dist/old-only.js")).IsEqualTo("// only in 2.0.10\n");
        await Assert.That(bench.Read("gui/index.html")).IsEqualTo("(missing)");
        await Assert.That(bench.Read("node_modules/left-pad/index.js")).IsEqualTo("module.exports = 1;\n");
        await Assert.That(afterRollback.GetProperty("state").GetString()).IsEqualTo("rolledBack");
        await Assert.That(Strings(afterRollback.GetProperty("backups"))).IsEmpty();
        await Assert.That(bench.Nas.Requests.Count).IsEqualTo(nasRequests);
        await Assert.That(noBackupStatus).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That(noBackup.GetProperty("success").GetBoolean()).IsFalse();
    }

    [Test]
    public async Task A_crash_looping_release_is_rolled_back_with_the_reason_and_its_journal()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", Build("2.0.11", crash: true));
        var manager = await bench.StartManagerAsync(grace: 3);

        await bench.PostUpdateAsync(manager, "2.0.11");
        var done = await WaitForUpdateAsync(manager);
        var serving = await bench.WaitForHubVersionAsync("2.0.10");

        await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("rolledBack").Because(done.ToString());
        await Assert.That(done.GetProperty("version").GetString()).IsEqualTo("2.0.11");
        await Assert.That(done.GetProperty("error").GetString()).Contains(HubSandbox.HubUnit);
        await Assert.That(string.Join("\n", Strings(done.GetProperty("journal")))).Contains("cannot start: boom");
        await Assert.That(Strings(done.GetProperty("backups"))).IsEmpty();
        await Assert.That(serving).IsEqualTo("2.0.10");
        await Assert.That(bench.Read("package.json")).Contains("2.0.10");
        await Assert.That(bench.Read("dist/old-only.js")).IsEqualTo("// only in 2.0.10\n");
        await Assert.That(bench.Read("gui/index.html")).IsEqualTo("(missing)");
        await Assert.That(await sandbox.PropertyAsync(HubSandbox.HubUnit, "ActiveState")).IsEqualTo("active");
    }

    [Test]
    public async Task A_health_url_that_never_answers_2xx_rolls_back()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", Build("2.0.11"));
        var deadUrl = $"http://127.0.0.1:{HubSandbox.FreePort()}/healthz";
        var manager = await bench.StartManagerAsync($"--Update:HealthUrl={deadUrl}", grace: 2);

        await bench.PostUpdateAsync(manager, "2.0.11");
        var done = await WaitForUpdateAsync(manager);

        await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("rolledBack").Because(done.ToString());
        await Assert.That(done.GetProperty("error").GetString()).Contains(deadUrl);
        await Assert.That(await bench.WaitForHubVersionAsync("2.0.10")).IsEqualTo("2.0.10");
    }

    [Test]
    public async Task Bad_requests_are_refused_before_any_network_traffic()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        var manager = await bench.StartManagerAsync();
        string[] bodies =
        [
            """{"version":"../x"}""", """{"version":"1; rm -rf /"}""", """{"version":2}""", """{"version":2.011}""", """{}""",
            """{"version":null}""", """{"version":""}""", """{"version":"2.0.11\n"}""", """{"version":["2.0.11"]}""", "not json", "",
            "{\"version\":\"1.0.0-" + new string('a', 70) + "\"}",
        ];

        var answers = new List<(HttpStatusCode, System.Text.Json.JsonElement)>();
        foreach (var body in bodies)
            answers.Add(await manager.PostAsync("/update", body));
        using var plain = await new HttpClient().PostAsync(new Uri(manager.BaseAddress, "/update"), new StringContent("""{"version":"2.0.11"}""", System.Text.Encoding.UTF8, "text/plain"));
        using var huge = await new HttpClient().PostAsync(new Uri(manager.BaseAddress, "/update"),
            new StringContent("{\"version\":\"2.0.11\",\"pad\":\"" + new string('x', 70 * 1024) + "\"}", System.Text.Encoding.UTF8, "application/json"));

        foreach (var (status, body) in answers)
        {
            await Assert.That(status).IsEqualTo(HttpStatusCode.BadRequest).Because(body.ToString());
            await Assert.That(body.GetProperty("success").GetBoolean()).IsFalse();
            await Assert.That(body.GetProperty("error").GetString()).IsNotNull().And.IsNotEmpty();
        }
        await Assert.That(answers[0].Item2.GetProperty("error").GetString()).Contains("without '..'");
        await Assert.That(plain.StatusCode).IsEqualTo(HttpStatusCode.UnsupportedMediaType);
        await Assert.That(huge.StatusCode).IsEqualTo(HttpStatusCode.RequestEntityTooLarge);
        await Assert.That(bench.Nas.Requests).IsEmpty();
        await Assert.That((await manager.GetAsync("/update")).Body.GetProperty("state").GetString()).IsEqualTo("idle");
    }

    [Test]
    public async Task A_second_update_or_a_rollback_while_one_runs_gets_409()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        var package = bench.Publish("2.0.11", Build("2.0.11", extra: t => AddFile(t, "assets/noise.bin", System.Security.Cryptography.RandomNumberGenerator.GetBytes(40_000))));
        bench.Nas.BytesPerSecond = 20_000; // about two seconds of download
        var manager = await bench.StartManagerAsync();

        var (firstStatus, _) = await bench.PostUpdateAsync(manager, "2.0.11");
        var (secondStatus, second) = await bench.PostUpdateAsync(manager, "2.0.12");
        var (sameStatus, same) = await bench.PostUpdateAsync(manager, "2.0.11");
        var (rollbackStatus, rollback) = await manager.PostAsync("/rollback");
        var running = await WaitForAsync(manager, u => u.GetProperty("bytesDownloaded").GetInt64() > 0);
        var done = await WaitForUpdateAsync(manager);

        await Assert.That(firstStatus).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(secondStatus).IsEqualTo(HttpStatusCode.Conflict);
        await Assert.That(second.GetRawText()).IsEqualTo("""{"success":false,"error":"update to 2.0.11 already in progress"}""");
        await Assert.That(sameStatus).IsEqualTo(HttpStatusCode.Conflict);
        await Assert.That(rollbackStatus).IsEqualTo(HttpStatusCode.Conflict);
        await Assert.That(rollback.GetProperty("error").GetString()).IsEqualTo("update to 2.0.11 already in progress");
        await Assert.That(running.GetProperty("state").GetString()).IsEqualTo("running");
        await Assert.That(running.GetProperty("phase").GetString()).IsEqualTo("download");
        await Assert.That(running.GetProperty("bytesTotal").GetInt64()).IsEqualTo(package.Length);
        await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("succeeded").Because(done.ToString());
    }

    [Test]
    public async Task NAS_refusals_404_403_401_202_fail_cleanly_and_leave_the_hub_alone()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", Build("2.0.11"));
        var manager = await bench.StartManagerAsync();
        var wrongPassword = await bench.StartManagerAsync("--Nas:Password=wrong");

        await bench.PostUpdateAsync(manager, "2.0.99");
        var notFound = await WaitForUpdateAsync(manager);
        await bench.PostUpdateAsync(wrongPassword, "2.0.11");
        var forbidden = await WaitForUpdateAsync(wrongPassword);
        bench.Nas.AcceptTokens = false;
        await bench.PostUpdateAsync(manager, "2.0.11");
        var unauthorized = await WaitForUpdateAsync(manager);
        bench.Nas.AcceptTokens = true;
        bench.Nas.CanDownload = false;
        await bench.PostUpdateAsync(manager, "2.0.11");
        var accepted = await WaitForUpdateAsync(manager);

        foreach (var (result, code) in new[] { (notFound, "404"), (forbidden, "403"), (unauthorized, "401"), (accepted, "202") })
        {
            await Assert.That(result.GetProperty("state").GetString()).IsEqualTo("failed").Because(result.ToString());
            await Assert.That(result.GetProperty("error").GetString()).Contains(code);
            await Assert.That(result.GetProperty("error").GetString()).DoesNotContain(NasPassword);
        }
        await Assert.That(bench.Nas.Requests.Count(r => r.Path == "/api/raw/2.0.99/hub-2.0.99.tar.gz")).IsEqualTo(1);
        await Assert.That(await bench.HubVersionAsync()).IsEqualTo("2.0.10");
        await Assert.That(bench.Read("dist/old-only.js")).IsEqualTo("// only in 2.0.10\n");
        await Assert.That(Directory.Exists(Path.Combine(bench.Releases, "txn"))).IsFalse();
        var managerLog = await manager.JournalAsync() + await wrongPassword.JournalAsync();
        await Assert.That(managerLog).DoesNotContain(NasPassword);
    }

    /// <summary>Packages that must be refused whole, before the live install is touched.</summary>
    public static IEnumerable<Func<(string Kind, byte[] Package, string Expected)>> BadPackages()
    {
        var good = Build("2.0.11");
        var corrupt = (byte[])good.Clone();
        for (var i = corrupt.Length / 3; i < corrupt.Length / 3 + 64; i++)
            corrupt[i] ^= 0x5a;
        yield return () => ("not gzip", System.Text.Encoding.ASCII.GetBytes("<html>login page</html>"), "not gzip-compressed");
        yield return () => ("corrupt gzip", corrupt, "not a valid .tar.gz");
        yield return () => ("wrong package.json version", Build("2.0.11", manifestVersion: "2.0.9"), "says version 2.0.9");
        yield return () => ("no dist/", Build("2.0.11", withDist: false), "no dist/");
        yield return () => ("absolute path", Build("2.0.11", extra: t => AddFile(t, "/var/tmp/hub-evil-abs", "x")), "absolute path");
        yield return () => ("dot-dot", Build("2.0.11", extra: t => AddFile(t, "dist/../../hub-evil-dotdot", "x")), "'..'");
        yield return () => ("symlink out", Build("2.0.11", extra: t => AddLink(t, TarEntryType.SymbolicLink, "etc", "/etc")), "symlink");
        yield return () => ("through a symlink", Build("2.0.11", extra: t =>
        {
            AddLink(t, TarEntryType.SymbolicLink, "up", "..");
            AddFile(t, "up/hub-evil-through", "x");
        }), "passes through the symlink up");
        yield return () => ("hard link", Build("2.0.11", extra: t => AddLink(t, TarEntryType.HardLink, "shadow", "/etc/shadow")), "hard link");
        yield return () => ("device", Build("2.0.11", extra: t => t.WriteEntry(new PaxTarEntry(TarEntryType.CharacterDevice, "dist/mem") { DeviceMajor = 1, DeviceMinor = 1 })), "device");
        yield return () => ("fifo", Build("2.0.11", extra: t => t.WriteEntry(new PaxTarEntry(TarEntryType.Fifo, "dist/pipe"))), "FIFO");
    }

    [Test]
    public async Task Bad_and_hostile_packages_are_refused_whole_and_nothing_lands_outside_the_tree()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        var manager = await bench.StartManagerAsync();
        var before = Snapshot(bench.Install);

        foreach (var make in BadPackages())
        {
            var (kind, package, expected) = make();
            bench.Publish("2.0.11", package);
            await bench.PostUpdateAsync(manager, "2.0.11");
            var done = await WaitForUpdateAsync(manager);

            await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("failed").Because($"{kind}: {done}");
            await Assert.That(done.GetProperty("error").GetString()).Contains(expected).Because(kind);
            await Assert.That(Snapshot(bench.Install)).IsEqualTo(before).Because(kind);
        }
        var stateDir = bench.StateDir(manager);
        await Assert.That(Directory.Exists(Path.Combine(bench.Releases, "txn"))).IsFalse();
        foreach (var evil in new[] { "/var/tmp/hub-evil-abs", Path.Combine(sandbox.Exchange, "hub-evil-dotdot"), Path.Combine(sandbox.Exchange, "hub-evil-through"),
                     Path.Combine(stateDir, "hub-evil-dotdot"), Path.Combine(stateDir, "hub-evil-through") })
            await Assert.That(File.Exists(evil) || File.Exists($"/proc/{sandbox.Pid}/root{evil}")).IsFalse().Because(evil);
        await Assert.That(await bench.HubVersionAsync()).IsEqualTo("2.0.10");
    }

    /// <summary>
    /// Every path of the hub's tree with its content hash: "untouched" means equal snapshots. The manager's own
    /// <c>.hub-manager</c> (staging, backups) is not the hub's tree.
    /// </summary>
    public static string Snapshot(string root) => string.Join("\n", Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
        .Where(p => !Path.GetRelativePath(root, p).StartsWith(HubManager.Updates.UpdateStore.ReleasesDirName, StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)
        .Select(p => File.Exists(p) ? $"{Path.GetRelativePath(root, p)} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(p)))[..12]}" : Path.GetRelativePath(root, p) + "/"));
}
