using System.Net;
using HubManager.Tests.Sandbox;
using HubManager.Tests.Updates;

namespace HubManager.Tests.Fleet;

/// <summary>
/// deploy.yml with <c>hub_manager_binary</c> (the file of <c>make publish</c>, no package) against one machine over
/// real SSH: the binary installs its own unit, the manager runs with the inventory's configuration, and a second
/// run changes nothing.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
public class BareBinaryDeployTests(HubSandbox sandbox)
{
    [Test]
    public async Task Deploys_the_bare_binary_and_a_second_run_changes_nothing()
    {
        sandbox.RequireRoot();
        using var work = new TempDir();
        var key = Path.Combine(work.Path, "id_ed25519");
        await SandboxSshd.CreateKeysAsync(key);
        var sshPort = HubSandbox.FreePort();
        await SandboxSshd.StartAsync(sandbox, key, "127.0.0.1", sshPort);
        var port = HubSandbox.FreePort();
        var inventory = Path.Combine(work.Path, "inventory.yml");
        await File.WriteAllTextAsync(inventory, $"""
            all:
              hosts:
                solo:
                  ansible_host: 127.0.0.1
                  ansible_port: {sshPort}
                  ansible_user: root
                  ansible_ssh_private_key_file: {key}
                  ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
                  hub_manager_listen: 127.0.0.1:{port}
                  hub_manager_install_dir: {sandbox.InstallDir}
            """);

        var first = await PlaybookRun.RunAsync(inventory, "deploy.yml", "-e", $"hub_manager_binary={Repository.ManagerBinary}");
        var second = await PlaybookRun.RunAsync(inventory, "deploy.yml", "-e", $"hub_manager_binary={Repository.ManagerBinary}");
        var manager = new ManagerUnderTest(sandbox, FleetHost.ManagerUnit, port);
        var (status, body) = await manager.GetAsync("/status");

        await Assert.That(first.ExitCode).IsEqualTo(0).Because(first.ToString());
        await Assert.That(first.Recap("solo", "changed") ?? 0).IsGreaterThan(0).Because(first.ToString());
        await Assert.That(second.ExitCode).IsEqualTo(0).Because(second.ToString());
        await Assert.That(second.Recap("solo", "changed")).IsEqualTo(0).Because(second.ToString());
        await Assert.That(await sandbox.PropertyAsync(FleetHost.ManagerUnit, "ActiveState")).IsEqualTo("active");
        await Assert.That(await sandbox.PropertyAsync(FleetHost.ManagerUnit, "FragmentPath")).IsEqualTo("/etc/systemd/system/ai-hub-manager.service");
        await Assert.That(await sandbox.PropertyAsync(FleetHost.ManagerUnit, "UnitFileState")).IsEqualTo("enabled");
        await Assert.That(status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(body.GetProperty("installedVersion").GetString()).IsEqualTo("2.0.10");
    }
}
