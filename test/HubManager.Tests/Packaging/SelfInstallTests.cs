using System.Net;
using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Packaging;

/// <summary><c>hub-manager install</c> and <c>uninstall</c> in a fresh real systemd, each run twice.</summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(SelfInstallTests))]
public class SelfInstallTests(HubSandbox sandbox)
{
    static readonly HttpClient Http = new();

    string Host(string path) => $"/proc/{sandbox.Pid}/root{path}";

    [Test]
    public async Task Install_twice_then_uninstall_twice()
    {
        sandbox.RequireRoot();
        var port = HubSandbox.FreePort();
        string[] install = [Repository.ManagerBinary, "install", $"--Listen=127.0.0.1:{port}", $"--InstallDir={sandbox.InstallDir}"];

        var first = await sandbox.RunAsync(install);
        var firstPid = await sandbox.PropertyAsync("ai-hub-manager.service", "MainPID");
        var second = await sandbox.RunAsync(install);
        var enabled = (await sandbox.RunAsync("systemctl", "is-enabled", "ai-hub-manager.service")).Stdout.Trim();
        using var status = await Http.GetAsync($"http://127.0.0.1:{port}/status");
        var config = await File.ReadAllTextAsync(Host("/etc/hub-manager/hub-manager.json"));
        var unit = await File.ReadAllTextAsync(Host("/etc/systemd/system/ai-hub-manager.service"));

        await Assert.That(first.ExitCode).IsEqualTo(0).Because(first.Stderr);
        await Assert.That(second.ExitCode).IsEqualTo(0).Because(second.Stderr);
        await Assert.That(await sandbox.PropertyAsync("ai-hub-manager.service", "ActiveState")).IsEqualTo("active");
        await Assert.That(await sandbox.PropertyAsync("ai-hub-manager.service", "MainPID")).IsNotEqualTo(firstPid);
        await Assert.That(enabled).IsEqualTo("enabled");
        await Assert.That(status.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(config).Contains($"127.0.0.1:{port}");
        await Assert.That(unit).IsEqualTo(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "packaging", "ai-hub-manager.service")));
        await Assert.That(File.Exists(Host("/usr/bin/hub-manager"))).IsTrue();
        await Assert.That(await File.ReadAllTextAsync(Host("/usr/share/bash-completion/completions/hub-manager")))
            .IsEqualTo(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "packaging", "bash-completion", "hub-manager")));

        var removed = await sandbox.RunAsync(Repository.ManagerBinary, "uninstall");
        var again = await sandbox.RunAsync(Repository.ManagerBinary, "uninstall");

        await Assert.That(removed.ExitCode).IsEqualTo(0).Because(removed.Stderr);
        await Assert.That(again.ExitCode).IsEqualTo(0).Because(again.Stderr);
        await Assert.That(await sandbox.PropertyAsync("ai-hub-manager.service", "LoadState")).IsEqualTo("not-found");
        await Assert.That(File.Exists(Host("/usr/bin/hub-manager"))).IsFalse();
        await Assert.That(File.Exists(Host("/usr/share/bash-completion/completions/hub-manager"))).IsFalse();
        await Assert.That(File.Exists(Host("/etc/systemd/system/ai-hub-manager.service"))).IsFalse();
        await Assert.That(File.Exists(Host("/etc/hub-manager/hub-manager.json"))).IsTrue();
    }

    [Test]
    public async Task Install_refuses_bad_settings_before_touching_anything()
    {
        sandbox.RequireRoot();

        var result = await sandbox.RunAsync(Repository.ManagerBinary, "install", "--Listen=0.0.0.0:3081");

        await Assert.That(result.ExitCode).IsEqualTo(78);
        await Assert.That(result.Stderr).Contains("ApiToken");
        await Assert.That(File.Exists(Host("/etc/systemd/system/ai-hub-manager.service"))).IsFalse();
    }
}
