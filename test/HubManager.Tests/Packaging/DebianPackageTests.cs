using System.Globalization;
using System.Net;
using HubManager.Tests.Sandbox;
using HubManager.Tests.Updates;

namespace HubManager.Tests.Packaging;

/// <summary>
/// The .deb in a fresh real systemd: dpkg -i brings the hardened unit up (Type=notify), restart and a
/// whole update (writing the install dir and StateDir) work under the hardening, systemd-analyze rates its
/// exposure at 2.0 or better, lintian is quiet, and dpkg --purge leaves nothing behind.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(DebianPackageTests))]
public class DebianPackageTests(HubSandbox sandbox)
{
    static readonly HttpClient Http = new();

    static async Task<string> BuildDebAsync()
    {
        var built = await Shell.RunAsync(Path.Combine(Repository.Root, "packaging", "build-deb"), [], timeout: TimeSpan.FromMinutes(2));
        return built.EnsureSuccess("packaging/build-deb").Stdout.Trim();
    }

    [Test]
    public async Task Lintian_has_nothing_to_say()
    {
        sandbox.RequireRoot();
        var deb = await BuildDebAsync();

        var lintian = await Shell.RunAsync("lintian", ["--tag-display-limit", "0", deb], timeout: TimeSpan.FromMinutes(3));
        var tags = lintian.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        await Assert.That(tags).IsEmpty().Because(lintian.Stdout + lintian.Stderr);
    }

    [Test]
    public async Task Install_serve_update_score_and_purge()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", ReleasePackages.Build("2.0.11"));
        var deb = await BuildDebAsync();
        var port = HubSandbox.FreePort();
        // The operator's configuration exists before the package: dpkg keeps it (--force-confold).
        var etc = $"/proc/{sandbox.Pid}/root/etc/hub-manager";
        Directory.CreateDirectory(etc);
        await File.WriteAllTextAsync($"{etc}/hub-manager.json", $$"""
            { "Listen": "127.0.0.1:{{port}}", "InstallDir": "{{sandbox.InstallDir}}",
              "Nas": { "Url": "{{bench.Nas.Url}}", "Username": "{{bench.Nas.Username}}", "Password": "{{UpdateBench.NasPassword}}" },
              "Update": { "HealthGraceSeconds": 1 } }
            """);
        // This install dir is not the packaged /opt/backend-ai/hub: the drop-in an operator would write.
        var dropIn = $"/proc/{sandbox.Pid}/root/etc/systemd/system/ai-hub-manager.service.d";
        Directory.CreateDirectory(dropIn);
        await File.WriteAllTextAsync($"{dropIn}/install-dir.conf", $"[Service]\nReadWritePaths={sandbox.InstallDir}\n");

        var install = await sandbox.RunAsync("dpkg", "-i", "--force-confold", deb);
        var manager = new ManagerUnderTest(sandbox, "ai-hub-manager.service", port);
        var active = await sandbox.PropertyAsync(manager.UnitName, "ActiveState");
        var type = await sandbox.PropertyAsync(manager.UnitName, "Type");
        var (status, _) = await manager.GetAsync("/status");
        var (restart, _) = await manager.PostAsync("/restart");
        var (update, _) = await manager.PostAsync("/update", """{"version": "2.0.11"}""");
        var updated = await UpdateBench.WaitForUpdateAsync(manager);
        var served = await bench.WaitForHubVersionAsync("2.0.11");
        var stateWritten = File.Exists($"/proc/{sandbox.Pid}/root/var/lib/hub-manager/update-state.json");
        // The installed CLI finds the manager through the packaged configuration file, as the daemon does.
        var cliVersion = await sandbox.RunAsync("/usr/bin/hub-manager", "version");
        var completion = await File.ReadAllTextAsync($"/proc/{sandbox.Pid}/root/usr/share/bash-completion/completions/hub-manager");
        var verify = await sandbox.RunAsync("systemd-analyze", "verify", "/lib/systemd/system/ai-hub-manager.service");
        var security = await sandbox.RunAsync("systemd-analyze", "security", "--no-pager", manager.UnitName);
        var exposure = ExposureOf(security.Stdout);

        Directory.Delete(dropIn, recursive: true);
        var purge = await sandbox.RunAsync("dpkg", "--purge", "hub-manager");
        var leftovers = new[] { "/usr/bin/hub-manager", "/lib/systemd/system/ai-hub-manager.service", "/etc/hub-manager", "/var/lib/hub-manager",
                "/usr/share/polkit-1/rules.d/50-hub-manager.rules", "/etc/systemd/system/multi-user.target.wants/ai-hub-manager.service",
                "/usr/share/bash-completion/completions/hub-manager" }
            .Where(path => File.Exists($"/proc/{sandbox.Pid}/root{path}") || Directory.Exists($"/proc/{sandbox.Pid}/root{path}"));
        var loadState = await sandbox.PropertyAsync(manager.UnitName, "LoadState");

        await Assert.That(install.ExitCode).IsEqualTo(0).Because(install.Stderr);
        await Assert.That(active).IsEqualTo("active");
        await Assert.That(type).IsEqualTo("notify");
        await Assert.That(status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(restart).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(update).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(updated.GetProperty("state").GetString()).IsEqualTo("succeeded").Because(updated.ToString());
        await Assert.That(served).IsEqualTo("2.0.11");
        await Assert.That(stateWritten).IsTrue();
        await Assert.That(cliVersion.ExitCode).IsEqualTo(0).Because(cliVersion.Stderr);
        await Assert.That(cliVersion.Stdout).IsEqualTo("@proxmox-ai-control/hub 2.0.11\n");
        await Assert.That(completion).IsEqualTo(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "packaging", "bash-completion", "hub-manager")));
        await Assert.That(verify.Stdout + verify.Stderr).IsEmpty();
        await Assert.That(exposure).IsLessThanOrEqualTo(2.0).Because(security.Stdout);
        await Assert.That(purge.ExitCode).IsEqualTo(0).Because(purge.Stderr);
        await Assert.That(leftovers).IsEmpty();
        await Assert.That(loadState).IsEqualTo("not-found");
    }

    /// <summary>"→ Overall exposure level for ai-hub-manager.service: 1.8 OK :-)" → 1.8.</summary>
    static double ExposureOf(string report)
    {
        var match = System.Text.RegularExpressions.Regex.Match(report, @"Overall exposure level for \S+: ([0-9.]+)");
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN;
    }
}
