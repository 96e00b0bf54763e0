using System.Globalization;
using System.Net;
using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Packaging;

/// <summary>
/// The .deb in a fresh real systemd: dpkg -i brings the hardened unit up (Type=notify), the API
/// works under the hardening, systemd-analyze rates its exposure at 2.0 or better, and
/// dpkg --purge leaves nothing behind.
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
    public async Task Install_serve_score_and_purge()
    {
        sandbox.RequireRoot();
        var deb = await BuildDebAsync();
        var port = HubSandbox.FreePort();
        // The operator's configuration exists before the package: dpkg keeps it (--force-confold).
        var etc = $"/proc/{sandbox.Pid}/root/etc/hub-manager";
        Directory.CreateDirectory(etc);
        await File.WriteAllTextAsync($"{etc}/hub-manager.json", $$"""{ "Listen": "127.0.0.1:{{port}}", "InstallDir": "{{sandbox.InstallDir}}" }""");

        var install = await sandbox.RunAsync("dpkg", "-i", "--force-confold", deb);
        var active = await sandbox.PropertyAsync("ai-hub-manager.service", "ActiveState");
        var type = await sandbox.PropertyAsync("ai-hub-manager.service", "Type");
        using var status = await Http.GetAsync($"http://127.0.0.1:{port}/status");
        using var restart = await Http.PostAsync($"http://127.0.0.1:{port}/restart", null);
        var verify = await sandbox.RunAsync("systemd-analyze", "verify", "/lib/systemd/system/ai-hub-manager.service");
        var security = await sandbox.RunAsync("systemd-analyze", "security", "--no-pager", "ai-hub-manager.service");
        var exposure = ExposureOf(security.Stdout);

        var purge = await sandbox.RunAsync("dpkg", "--purge", "hub-manager");
        var leftovers = new[] { "/usr/bin/hub-manager", "/lib/systemd/system/ai-hub-manager.service", "/etc/hub-manager", "/var/lib/hub-manager",
                "/usr/share/polkit-1/rules.d/50-hub-manager.rules", "/etc/systemd/system/multi-user.target.wants/ai-hub-manager.service" }
            .Where(path => File.Exists($"/proc/{sandbox.Pid}/root{path}") || Directory.Exists($"/proc/{sandbox.Pid}/root{path}"));
        var loadState = await sandbox.PropertyAsync("ai-hub-manager.service", "LoadState");

        await Assert.That(install.ExitCode).IsEqualTo(0).Because(install.Stderr);
        await Assert.That(active).IsEqualTo("active");
        await Assert.That(type).IsEqualTo("notify");
        await Assert.That(status.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(restart.StatusCode).IsEqualTo(HttpStatusCode.OK);
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
