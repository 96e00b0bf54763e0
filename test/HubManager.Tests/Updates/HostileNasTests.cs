using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using HubManager.Tests.Journal;
using HubManager.Tests.Sandbox;
using HubManager.Updates;
using static HubManager.Tests.Updates.ReleasePackages;
using static HubManager.Tests.Updates.UpdateBench;

namespace HubManager.Tests.Updates;

/// <summary>
/// The shipped binary against a hostile NAS (issue #15, items 7 and 8): a login or a checksum sidecar that stalls
/// after its headers, a package dripped a byte at a time, login and sidecar bodies chunked without end. Each fails
/// the update within its configured bound with a sentence saying what happened, with bounded memory, and leaves
/// the install as it was. <c>DELETE /update</c> cancels a stalled download, after which a new update is accepted,
/// and is refused once the install has begun.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(UpdateTests))]
public class HostileNasTests(HubSandbox sandbox)
{
    const string RawPath = "/api/raw/2.0.11/hub-2.0.11.tar.gz";
    const string SidecarPath = RawPath + ".sha256";
    /// <summary>Short bounds, so that a stall is seen in seconds: a read may wait 2 s, a login or sidecar 6 s.</summary>
    const string ShortBounds = "--Nas:ReadTimeoutSeconds=2 --Nas:ExchangeTimeoutSeconds=6";

    [Test]
    public async Task A_sidecar_that_stalls_after_its_headers_fails_the_update_within_the_bound()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", Build("2.0.11"), sidecar: true);
        bench.Nas.Inject(SidecarPath, new FileBrowserNas.Fault.Stall());
        var manager = await bench.StartManagerAsync(ShortBounds);
        var before = InstallSnapshot(bench);

        await bench.PostUpdateAsync(manager, "2.0.11");
        var done = await WaitForUpdateAsync(manager, TimeSpan.FromSeconds(30));

        await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("failed").Because(done.ToString());
        await Assert.That(done.GetProperty("error").GetString()).Contains($"stalled while sending {SidecarPath}").And.Contains("no data for 2 s");
        await Assert.That(Took(done)).IsLessThan(TimeSpan.FromSeconds(6 + 10)).Because("the exchange bound is 6 s");
        await AssertNothingInstalledAsync(bench, before);
    }

    [Test]
    public async Task A_login_that_stalls_after_its_headers_fails_the_update()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", Build("2.0.11"), sidecar: true);
        bench.Nas.Inject("/api/login", new FileBrowserNas.Fault.Stall());
        var manager = await bench.StartManagerAsync(ShortBounds);
        var before = InstallSnapshot(bench);

        await bench.PostUpdateAsync(manager, "2.0.11");
        var done = await WaitForUpdateAsync(manager, TimeSpan.FromSeconds(30));

        await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("failed").Because(done.ToString());
        await Assert.That(done.GetProperty("error").GetString()).Contains("stalled while sending /api/login");
        await Assert.That(Took(done)).IsLessThan(TimeSpan.FromSeconds(6 + 10)).Because("the exchange bound is 6 s");
        await AssertNothingInstalledAsync(bench, before);
    }

    [Test]
    public async Task A_package_dripped_a_byte_every_2_s_fails_for_the_minimum_rate()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", Build("2.0.11"), sidecar: true);
        bench.Nas.Inject(RawPath, new FileBrowserNas.Fault.Drip(TimeSpan.FromSeconds(2)));
        // Each byte comes well within the read timeout (30 s by default): only the rate can catch this NAS.
        var manager = await bench.StartManagerAsync("--Nas:MinBytesPerSecond=1024 --Nas:RateWindowSeconds=4");
        var before = InstallSnapshot(bench);

        await bench.PostUpdateAsync(manager, "2.0.11");
        var done = await WaitForUpdateAsync(manager, TimeSpan.FromSeconds(40));

        await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("failed").Because(done.ToString());
        await Assert.That(done.GetProperty("error").GetString()).Contains($"sends {RawPath} too slowly").And.Contains("Nas:MinBytesPerSecond");
        await Assert.That(done.GetProperty("bytesDownloaded").GetInt64()).IsLessThan(10);
        await AssertNothingInstalledAsync(bench, before);
    }

    [Test]
    public async Task Login_and_sidecar_bodies_chunked_without_end_fail_with_bounded_memory()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", Build("2.0.11"), sidecar: true);
        var manager = await bench.StartManagerAsync(ShortBounds);
        var pid = await sandbox.PropertyAsync(manager.UnitName, "MainPID");
        await manager.GetAsync("/update"); // warm up the HTTP path before the baseline
        var before = InstallSnapshot(bench);
        // Start-up may have peaked higher than the manager idles; reset the high-water mark so it measures only what follows.
        (await sandbox.RunAsync("sh", "-c", $"echo 5 > /proc/{pid}/clear_refs")).EnsureSuccess("reset VmHWM");
        var rssBefore = await sandbox.MemoryKibAsync(pid, "VmRSS");

        bench.Nas.Inject("/api/login", new FileBrowserNas.Fault.Endless());
        await bench.PostUpdateAsync(manager, "2.0.11");
        var login = await WaitForUpdateAsync(manager, TimeSpan.FromSeconds(30));
        bench.Nas.Inject(SidecarPath, new FileBrowserNas.Fault.Endless());
        var (accepted, _) = await bench.PostUpdateAsync(manager, "2.0.11");
        var sidecar = await WaitForUpdateAsync(manager, TimeSpan.FromSeconds(30));
        var peak = await sandbox.MemoryKibAsync(pid, "VmHWM");

        await Assert.That(login.GetProperty("state").GetString()).IsEqualTo("failed").Because(login.ToString());
        await Assert.That(login.GetProperty("error").GetString()).IsEqualTo("/api/login is larger than 64 KiB; that is not a token");
        await Assert.That(accepted).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(sidecar.GetProperty("state").GetString()).IsEqualTo("failed").Because(sidecar.ToString());
        await Assert.That(sidecar.GetProperty("error").GetString()).IsEqualTo($"{SidecarPath} is larger than 64 KiB; it is not a checksum file");
        await Assert.That(peak - rssBefore).IsLessThan(16 * 1024).Because($"RSS {rssBefore} KiB before, peak {peak} KiB; the NAS sent {bench.Nas.HostileBytesSent >> 20} MiB");
        await AssertNothingInstalledAsync(bench, before);
    }

    [Test]
    public async Task DELETE_update_cancels_a_stalled_download_and_the_next_update_is_accepted()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", Build("2.0.11"), sidecar: true);
        bench.Nas.Inject(RawPath, new FileBrowserNas.Fault.Stall());
        var manager = await bench.StartManagerAsync(); // default bounds: the stall alone would hold it for minutes
        var before = InstallSnapshot(bench);
        var idle = await DeleteUpdateAsync(manager);

        await bench.PostUpdateAsync(manager, "2.0.11");
        await SandboxJournal.EventuallyAsync(() => Task.FromResult(bench.Nas.Requests.Any(r => r.Path == RawPath)), "the manager asks the NAS for the package");
        var cancel = await DeleteUpdateAsync(manager);
        var (_, cancelled) = await manager.GetAsync("/update");
        var staged = Directory.Exists(Path.Combine(bench.Releases, "txn"));
        var snapshotAfterCancel = InstallSnapshot(bench);
        var (again, againBody) = await bench.PostUpdateAsync(manager, "2.0.11");
        var done = await WaitForUpdateAsync(manager);

        await Assert.That(idle.Status).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That(idle.Body.GetProperty("error").GetString()).IsEqualTo("no update is running");
        await Assert.That(cancel.Status).IsEqualTo(HttpStatusCode.OK).Because(cancel.Body.ToString());
        await Assert.That(cancel.Body.GetProperty("success").GetBoolean()).IsTrue();
        await Assert.That(cancel.Body.GetProperty("message").GetString()).IsEqualTo("the update to 2.0.11 was cancelled; nothing was installed");
        await Assert.That(cancelled.GetProperty("state").GetString()).IsEqualTo("failed");
        await Assert.That(cancelled.GetProperty("error").GetString()).IsEqualTo("cancelled by the operator");
        await Assert.That(staged).IsFalse();
        await Assert.That(snapshotAfterCancel).IsEqualTo(before);
        await Assert.That(again).IsEqualTo(HttpStatusCode.OK).Because(againBody.ToString());
        await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("succeeded").Because(done.ToString());
        await Assert.That(await bench.WaitForHubVersionAsync("2.0.11")).IsEqualTo("2.0.11");
    }

    [Test]
    public async Task An_update_that_has_begun_installing_cannot_be_cancelled()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", Build("2.0.11"), sidecar: true);
        var manager = await bench.StartManagerAsync(grace: 4);

        await bench.PostUpdateAsync(manager, "2.0.11");
        await WaitForAsync(manager, u => u.GetProperty("phase").GetString() is "restart" or "health");
        var refused = await DeleteUpdateAsync(manager);
        var done = await WaitForUpdateAsync(manager);

        await Assert.That(refused.Status).IsEqualTo(HttpStatusCode.Conflict).Because(refused.Body.ToString());
        await Assert.That(refused.Body.GetProperty("success").GetBoolean()).IsFalse();
        await Assert.That(refused.Body.GetProperty("error").GetString()).IsEqualTo("the update to 2.0.11 is installing; it can no longer be cancelled");
        await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("succeeded").Because(done.ToString());
        await Assert.That(await bench.WaitForHubVersionAsync("2.0.11")).IsEqualTo("2.0.11");
    }

    static async Task<(HttpStatusCode Status, JsonElement Body)> DeleteUpdateAsync(ManagerUnderTest manager)
    {
        using var response = await manager.SendAsync(HttpMethod.Delete, "/update");
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    static TimeSpan Took(JsonElement update) =>
        update.GetProperty("finishedAt").GetDateTimeOffset() - update.GetProperty("startedAt").GetDateTimeOffset();

    /// <summary>Every file of the install outside the manager's own <c>.hub-manager/</c>, with its SHA-256: what the hub runs.</summary>
    static string InstallSnapshot(UpdateBench bench)
    {
        var lines = Directory.EnumerateFiles(bench.Install, "*", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(bench.Install, file))
            .Where(relative => !relative.StartsWith(UpdateStore.ReleasesDirName + "/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(relative => $"{relative} {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(bench.Install, relative))))}");
        return string.Join('\n', lines);
    }

    async Task AssertNothingInstalledAsync(UpdateBench bench, string before)
    {
        await Assert.That(InstallSnapshot(bench)).IsEqualTo(before);
        await Assert.That(Directory.Exists(Path.Combine(bench.Releases, "txn"))).IsFalse();
        await Assert.That(await bench.HubVersionAsync()).IsEqualTo("2.0.10");
    }
}
