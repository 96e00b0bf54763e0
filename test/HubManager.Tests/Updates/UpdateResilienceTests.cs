using HubManager.Updates;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using HubManager.Tests.Sandbox;
using static HubManager.Tests.Updates.ReleasePackages;
using static HubManager.Tests.Updates.UpdateBench;

namespace HubManager.Tests.Updates;

/// <summary>
/// The update pipeline under a misbehaving network and machine, through the shipped binary: 5xx then success,
/// a body cut off and a connection reset (resumed with Range/If-Range), checksum sidecars, a full disk, a
/// 100 MiB package with bounded memory, real nginx with basic auth, and progress in <c>systemctl status</c>.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(UpdateTests))]
public class UpdateResilienceTests(HubSandbox sandbox)
{
    const string RawPath = "/api/raw/2.0.11/hub-2.0.11.tar.gz";

    static byte[] WithNoise(string version, int bytes) =>
        Build(version, extra: t => AddFile(t, "assets/noise.bin", RandomNumberGenerator.GetBytes(bytes)));

    [Test]
    public async Task Five_hundreds_a_cut_off_body_and_a_reset_connection_are_ridden_out()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        var package = bench.Publish("2.0.11", WithNoise("2.0.11", 600_000), sidecar: true);
        bench.Nas.Inject(RawPath,
            new FileBrowserNas.Fault.Status(503), new FileBrowserNas.Fault.Status(503),
            new FileBrowserNas.Fault.Truncate(200_000), new FileBrowserNas.Fault.Reset(150_000));
        var manager = await bench.StartManagerAsync();

        await bench.PostUpdateAsync(manager, "2.0.11");
        var done = await WaitForUpdateAsync(manager);

        await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("succeeded").Because(done.ToString());
        await Assert.That(done.GetProperty("bytesDownloaded").GetInt64()).IsEqualTo(package.Length);
        var raw = bench.Nas.Requests.Where(r => r.Path == RawPath).ToList();
        await Assert.That(raw.Count).IsEqualTo(5); // 503, 503, cut at 200 000, reset, rest
        var resumed = raw.Where(r => r.Headers.ContainsKey("range")).ToList();
        await Assert.That(resumed.Count).IsEqualTo(2);
        await Assert.That(resumed[0].Headers["range"]).IsEqualTo("bytes=200000-");
        await Assert.That(resumed.All(r => r.Headers.ContainsKey("if-range"))).IsTrue();
        await Assert.That(await bench.WaitForHubVersionAsync("2.0.11")).IsEqualTo("2.0.11");
        await Assert.That(await manager.JournalAsync()).Contains("resuming from there");
    }

    [Test]
    public async Task Checksum_sidecars_are_verified_and_can_be_required()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        var package = bench.Publish("2.0.11", Build("2.0.11"));
        bench.Nas.Put("2.0.11/hub-2.0.11.tar.gz.sha256", System.Text.Encoding.ASCII.GetBytes(Sha256Line(Build("2.0.12"), "hub-2.0.11.tar.gz")));
        var manager = await bench.StartManagerAsync();
        bench.Publish("2.0.12", Build("2.0.12"));
        var strict = await bench.StartManagerAsync("--Update:RequireChecksum=true");

        await bench.PostUpdateAsync(manager, "2.0.11");
        var mismatch = await WaitForUpdateAsync(manager);
        await bench.PostUpdateAsync(strict, "2.0.12");
        var missing = await WaitForUpdateAsync(strict);

        await Assert.That(mismatch.GetProperty("state").GetString()).IsEqualTo("failed");
        await Assert.That(mismatch.GetProperty("error").GetString()).Contains("SHA-256 mismatch").And.Contains(Convert.ToHexStringLower(SHA256.HashData(package)));
        await Assert.That(missing.GetProperty("state").GetString()).IsEqualTo("failed");
        await Assert.That(missing.GetProperty("error").GetString()).Contains("Update:RequireChecksum");
        await Assert.That(await bench.HubVersionAsync()).IsEqualTo("2.0.10");
    }

    [Test]
    public async Task A_full_disk_during_extraction_fails_cleanly_and_frees_the_staging_tree()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", WithNoise("2.0.11", 6 << 20));
        var small = Path.Combine(sandbox.Exchange, "small-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(small);
        // Mounted inside the sandbox only: InstallDir and StateDir on one 4 MiB tmpfs.
        (await sandbox.RunAsync("mount", "-t", "tmpfs", "-o", "size=4m", "hub-small", small)).EnsureSuccess("mount tmpfs");
        var inside = $"/proc/{sandbox.Pid}/root";
        try
        {
            (await sandbox.RunAsync("cp", "-a", Repository.DemoHub, $"{small}/hub")).EnsureSuccess("cp demo hub");
            var port = HubSandbox.FreePort();
            await sandbox.WriteUnitAsync("small-hub.service", $"""
                [Service]
                WorkingDirectory={small}/hub
                Environment=HUB_PORT={port}
                ExecStart=/usr/bin/node {small}/hub/dist/index.js
                """);
            await sandbox.SystemctlAsync("start", "small-hub.service");
            var manager = await bench.StartManagerAsync($"--Unit=small-hub.service --InstallDir={small}/hub --StateDir={small}/state");

            await bench.PostUpdateAsync(manager, "2.0.11");
            var done = await WaitForUpdateAsync(manager);
            var free = (await sandbox.RunAsync("df", "--output=avail", "-B1", small)).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].Trim();

            await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("failed").Because(done.ToString());
            await Assert.That(done.GetProperty("error").GetString()).Contains("no space left");
            await Assert.That(File.ReadAllText($"{inside}{small}/hub/package.json")).Contains("2.0.10");
            await Assert.That(Directory.Exists($"{inside}{small}/state/txn")).IsFalse();
            await Assert.That(long.Parse(free)).IsGreaterThan(3L << 20);
            await Assert.That(await sandbox.PropertyAsync("small-hub.service", "ActiveState")).IsEqualTo("active");
        }
        finally
        {
            await sandbox.RunAsync("systemctl", "stop", "small-hub.service");
            await sandbox.RunAsync("umount", "-l", small);
        }
    }

    [Test]
    public async Task A_100_MiB_package_streams_with_bounded_memory()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        var package = bench.Publish("2.0.11", WithNoise("2.0.11", 100 << 20));
        var manager = await bench.StartManagerAsync();
        var pid = await sandbox.PropertyAsync(manager.UnitName, "MainPID");
        await manager.GetAsync("/update"); // warm up the HTTP path before the baseline
        var before = await MemoryAsync(pid, "VmRSS");

        await bench.PostUpdateAsync(manager, "2.0.11");
        var done = await WaitForUpdateAsync(manager, TimeSpan.FromMinutes(3));
        var peak = await MemoryAsync(pid, "VmHWM");

        await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("succeeded").Because(done.ToString());
        await Assert.That(done.GetProperty("bytesDownloaded").GetInt64()).IsEqualTo(package.Length);
        await Assert.That(new FileInfo(Path.Combine(bench.Install, "assets", "noise.bin")).Length).IsEqualTo(100L << 20);
        await Assert.That(peak - before).IsLessThan(32L << 20).Because($"RSS {before >> 20} MiB before, peak {peak >> 20} MiB");
    }

    async Task<long> MemoryAsync(string pid, string field)
    {
        var status = (await sandbox.RunAsync("cat", $"/proc/{pid}/status")).Stdout;
        var kb = Regex.Match(status, field + @":\s+(\d+) kB").Groups[1].Value;
        return long.Parse(kb) * 1024;
    }

    [Test]
    public async Task Real_nginx_with_basic_auth_and_the_password_from_a_file()
    {
        if (!NginxNas.Installed)
            Skip.Test("nginx-light is not installed (.ci/run installs it)");
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        var package = Build("2.0.11");
        bench.Nas.Put("releases/2.0.11/hub-2.0.11.tar.gz", package);
        bench.Nas.Put("releases/2.0.11/hub-2.0.11.tar.gz.sha256", System.Text.Encoding.ASCII.GetBytes(Sha256Line(package, "hub-2.0.11.tar.gz")));
        await using var nginx = await NginxNas.StartAsync(bench.Nas.Root, "updater", "nginx-pass");
        var secrets = Path.Combine(sandbox.Exchange, "secrets-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(secrets);
        File.WriteAllText(Path.Combine(secrets, "password"), "nginx-pass\n");
        File.WriteAllText(Path.Combine(secrets, "wrong"), "nope\n");
        var common = $"--Nas:Url={nginx.Url} --Nas:Auth=basic --Nas:Username=updater --Nas:PackagePath=/releases/{{version}}/hub-{{version}}.tar.gz";
        var wrong = await bench.StartManagerAsync($"{common} --Nas:Password= --Nas:PasswordFile={secrets}/wrong");

        await bench.PostUpdateAsync(wrong, "2.0.11");
        var refused = await WaitForUpdateAsync(wrong);
        // (LoadCredential= cannot be used here: the sandbox's systemd hands services an empty credentials
        // directory; NasPasswordTests covers $CREDENTIALS_DIRECTORY/nas-password in process.)
        var viaFile = await bench.StartManagerAsync($"{common} --Nas:Password= --Nas:PasswordFile={secrets}/password");
        await bench.PostUpdateAsync(viaFile, "2.0.11");
        var done = await WaitForUpdateAsync(viaFile);

        await Assert.That(refused.GetProperty("state").GetString()).IsEqualTo("failed");
        await Assert.That(refused.GetProperty("error").GetString()).Contains("401");
        await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("succeeded").Because(done.ToString() + nginx.AccessLog);
        await Assert.That(await bench.WaitForHubVersionAsync("2.0.11")).IsEqualTo("2.0.11");
        await Assert.That(nginx.AccessLog).Contains("GET /releases/2.0.11/hub-2.0.11.tar.gz.sha256 HTTP/1.1\" 200");
    }

    [Test]
    public async Task Progress_shows_in_systemctl_status()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", WithNoise("2.0.11", 150_000));
        bench.Nas.BytesPerSecond = 40_000;
        var manager = await bench.StartManagerAsync();

        await bench.PostUpdateAsync(manager, "2.0.11");
        await WaitForAsync(manager, u => u.GetProperty("bytesDownloaded").GetInt64() > 60_000);
        await Task.Delay(1200);
        var downloading = await sandbox.PropertyAsync(manager.UnitName, "StatusText");
        var done = await WaitForUpdateAsync(manager);
        var finished = await sandbox.PropertyAsync(manager.UnitName, "StatusText");
        var journal = await manager.JournalAsync();

        await Assert.That(downloading).Matches(@"^Updating hub to 2\.0\.11: downloading \d+% \(0\.\d/0\.\d MiB\)$");
        await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("succeeded");
        await Assert.That(finished).IsEqualTo("Hub updated to 2.0.11");
        foreach (var phase in new[] { "downloading", "verified", "installing", "restarting the hub", "checking the hub's health", "committed" })
            await Assert.That(journal).Contains(phase);
    }

    [Test]
    public async Task A_releases_directory_on_another_mount_is_refused_at_start_up()
    {
        sandbox.RequireRoot(); // to mount a tmpfs
        using var install = new TempDir();
        var releases = Path.Combine(install.Path, UpdateStore.ReleasesDirName);
        Directory.CreateDirectory(releases);
        (await Shell.RunAsync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", releases])).EnsureSuccess("mount tmpfs");
        try
        {
            var result = await Shell.RunAsync(Repository.ManagerBinary,
                [$"--Listen=127.0.0.1:{HubSandbox.FreePort()}", "--Nas:Url=http://127.0.0.1:9", $"--InstallDir={install.Path}", $"--StateDir=/var/tmp/hub-tests/state-{Guid.NewGuid():N}"]);

            await Assert.That(result.ExitCode).IsEqualTo(78);
            await Assert.That(result.Stderr).StartsWith("hub-manager: invalid configuration: InstallDir:").And.Contains("same filesystem");
        }
        finally
        {
            await Shell.RunAsync("umount", [releases]);
        }
    }
}
