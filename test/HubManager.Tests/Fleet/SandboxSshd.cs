using System.Net.Sockets;
using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Fleet;

/// <summary>
/// A real sshd (Debian's openssh-server) run inside a sandbox as a transient unit, letting one client key in as root;
/// the keys live in the sandbox's exchange directory, which the host and the sandbox both see.
/// </summary>
public static class SandboxSshd
{
    /// <summary>Makes a client key pair at <paramref name="clientKey"/> (and .pub) and a host key beside it.</summary>
    public static async Task CreateKeysAsync(string clientKey)
    {
        (await Shell.RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "fleet-test", "-f", clientKey])).EnsureSuccess("ssh-keygen client");
        (await Shell.RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", clientKey + "-host"])).EnsureSuccess("ssh-keygen host");
    }

    /// <summary>Starts sshd on <paramref name="address"/>:<paramref name="port"/> (as seen inside) and waits until it accepts.</summary>
    public static async Task StartAsync(HubSandbox sandbox, string clientKey, string address, int port)
    {
        var keys = Path.Combine(sandbox.Exchange, "ssh");
        Directory.CreateDirectory(keys);
        File.Copy(clientKey + "-host", Path.Combine(keys, "host"), overwrite: true);
        File.Copy(clientKey + ".pub", Path.Combine(keys, "authorized_keys"), overwrite: true);
        // sshd refuses keys in group-writable places; /run/sshd is its privilege-separation directory.
        (await sandbox.RunAsync("mkdir", "-p", "-m", "0755", "/run/sshd")).EnsureSuccess("mkdir /run/sshd");
        (await sandbox.RunAsync("systemd-run", "--unit=test-sshd", "--service-type=exec", "/usr/sbin/sshd", "-D", "-e",
            "-p", port.ToString(), "-o", $"ListenAddress={address}", "-h", Path.Combine(keys, "host"),
            "-o", $"AuthorizedKeysFile={Path.Combine(keys, "authorized_keys")}", "-o", "PermitRootLogin=prohibit-password",
            "-o", "UsePAM=no", "-o", "StrictModes=no")).EnsureSuccess("systemd-run sshd");
        await WaitForPortAsync(address, port);
    }

    static async Task WaitForPortAsync(string address, int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(address, port).WaitAsync(TimeSpan.FromSeconds(2));
                return;
            }
            catch (Exception failure) when (failure is SocketException or TimeoutException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
