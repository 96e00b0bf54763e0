using System.Net;
using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Packaging;

/// <summary>
/// <c>packaging/deploy-hub-with-manager.sh</c> against a real sshd running in a fresh real systemd:
/// scp the binary, ssh `hub-manager install`, and the manager answers on the configured port.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
public class DeployScriptTests(HubSandbox sandbox)
{
    [Test]
    public async Task Deploys_over_ssh_and_the_manager_answers()
    {
        sandbox.RequireRoot();
        var keys = Path.Combine(sandbox.Exchange, "ssh");
        Directory.CreateDirectory(keys);
        (await Shell.RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(keys, "host")])).EnsureSuccess("ssh-keygen host");
        (await Shell.RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(keys, "client")])).EnsureSuccess("ssh-keygen client");
        File.Copy(Path.Combine(keys, "client.pub"), Path.Combine(keys, "authorized_keys"));
        var sshPort = HubSandbox.FreePort();
        // sshd refuses keys in group-writable places; /run/sshd is its privilege-separation directory.
        (await sandbox.RunAsync("mkdir", "-p", "-m", "0755", "/run/sshd")).EnsureSuccess("mkdir /run/sshd");
        (await sandbox.RunAsync("systemd-run", "--unit=test-sshd", "--service-type=exec", "/usr/sbin/sshd", "-D", "-e",
            "-p", sshPort.ToString(), "-o", "ListenAddress=127.0.0.1", "-h", Path.Combine(keys, "host"),
            "-o", $"AuthorizedKeysFile={Path.Combine(keys, "authorized_keys")}", "-o", "PermitRootLogin=prohibit-password",
            "-o", "UsePAM=no", "-o", "StrictModes=no")).EnsureSuccess("systemd-run sshd");
        var port = HubSandbox.FreePort();
        var sshOptions = $"-o Port={sshPort} -i {Path.Combine(keys, "client")} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR";

        var deploy = await Shell.RunAsync("/usr/bin/env", [
            $"HUB_SSH_OPTS={sshOptions}", $"HUB_MANAGER_BINARY={Repository.ManagerBinary}",
            Path.Combine(Repository.Root, "packaging", "deploy-hub-with-manager.sh"), "root@127.0.0.1",
            $"--Listen=127.0.0.1:{port}", $"--InstallDir={sandbox.InstallDir}"], timeout: TimeSpan.FromMinutes(2));
        using var http = new HttpClient();
        using var status = await http.GetAsync($"http://127.0.0.1:{port}/status");

        await Assert.That(deploy.ExitCode).IsEqualTo(0).Because(deploy.Stderr);
        await Assert.That(deploy.Stdout).Contains("installed, enabled and running");
        await Assert.That(status.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(await sandbox.PropertyAsync("ai-hub-manager.service", "ActiveState")).IsEqualTo("active");
    }
}
