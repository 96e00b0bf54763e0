using System.Net;
using HubManager.Tests.Sandbox;
using HubManager.Tests.Updates;
using TUnit.Core.Interfaces;

namespace HubManager.Tests.Fleet;

/// <summary>
/// Three machines for Ansible. Each is a <see cref="HubSandbox"/> in its own network namespace, joined to the host
/// by a veth pair (10.213.N.1 on the host end, 10.213.N.2 inside, in a /24 no interface of the host uses), with a
/// real sshd on port 22 that lets the test's key in as root, and the stand-in hub running at 2.0.10. One File
/// Browser NAS listens on the first host end and holds 2.0.11 (healthy) and 2.0.12 (crashes at start-up); every
/// machine reaches it through its default route. <see cref="Inventory"/> lists the three for ansible-playbook, with
/// the NAS and an API token. Only the veth ends are added to the host; they vanish with the sandboxes' namespaces.
/// </summary>
public sealed class SandboxFleet : IAsyncInitializer, IAsyncDisposable
{
    public const string OldVersion = "2.0.10";
    public const string GoodVersion = "2.0.11";
    public const string CrashingVersion = "2.0.12";
    const int Machines = 3;

    readonly TempDir work = new();
    readonly List<string> links = [];
    readonly List<HubSandbox> sandboxes = [];

    public IReadOnlyList<FleetHost> Hosts { get; private set; } = [];
    public FileBrowserNas Nas { get; private set; } = null!;

    /// <summary>The managers' API token (hub_manager_api_token): rollout.yml must send it, as every caller must.</summary>
    public string ApiToken { get; } = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
    public string Inventory => Path.Combine(work.Path, "inventory.yml");

    public async Task InitializeAsync()
    {
        if (!Repository.IsRoot)
            return;
        var client = Path.Combine(work.Path, "id_ed25519");
        await SandboxSshd.CreateKeysAsync(client);
        var subnets = await FreeSubnetsAsync(Machines);
        var boots = Enumerable.Range(0, Machines).Select(_ => new HubSandbox { OwnNetwork = true }).ToList();
        sandboxes.AddRange(boots);
        await Task.WhenAll(boots.Select(sandbox => sandbox.InitializeAsync()));
        var hosts = new List<FleetHost>();
        for (var i = 0; i < Machines; i++)
            hosts.Add(await JoinAsync(i, boots[i], subnets[i], client));
        Hosts = hosts;

        Nas = new FileBrowserNas(Path.Combine(work.Path, "nas"), IPAddress.Parse($"10.213.{subnets[0]}.1")) { Password = "fleet nas pass" };
        Nas.Put($"{GoodVersion}/hub-{GoodVersion}.tar.gz", ReleasePackages.Build(GoodVersion));
        Nas.Put($"{CrashingVersion}/hub-{CrashingVersion}.tar.gz", ReleasePackages.Build(CrashingVersion, crash: true));
        await File.WriteAllTextAsync(Inventory, InventoryText(client));
    }

    /// <summary>Wires the booted <paramref name="sandbox"/> to the host, then starts its sshd and its hub.</summary>
    async Task<FleetHost> JoinAsync(int index, HubSandbox sandbox, int subnet, string clientKey)
    {
        var link = $"fl{Environment.ProcessId}h{index}";
        (await Shell.RunAsync("ip", ["link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", sandbox.Pid.ToString()])).EnsureSuccess("ip link add");
        links.Add(link);
        (await Shell.RunAsync("ip", ["addr", "add", $"10.213.{subnet}.1/24", "dev", link])).EnsureSuccess("ip addr add (host end)");
        (await Shell.RunAsync("ip", ["link", "set", link, "up"])).EnsureSuccess("ip link set up (host end)");
        var address = $"10.213.{subnet}.2";
        // A booted machine's / is a shared mount (systemd makes it so, except in a container, which it takes the
        // sandbox for). LoadCredential= needs it: systemd fills a unit's credentials in a child mount namespace and
        // relies on propagation to show them to the unit; without it the manager finds no nas-password. Shared only
        // among the sandbox's own mounts: its namespace was made private to the host's.
        (await sandbox.RunAsync("mount", "--make-rshared", "/")).EnsureSuccess("mount --make-rshared /");
        (await sandbox.RunAsync("ip", "addr", "add", $"{address}/24", "dev", "eth0")).EnsureSuccess("ip addr add (inside)");
        (await sandbox.RunAsync("ip", "link", "set", "eth0", "up")).EnsureSuccess("ip link set up (inside)");
        (await sandbox.RunAsync("ip", "route", "add", "default", "via", $"10.213.{subnet}.1")).EnsureSuccess("ip route add default");

        await SandboxSshd.StartAsync(sandbox, clientKey, address, 22);
        await sandbox.SystemctlAsync("start", HubSandbox.HubUnit);
        return new FleetHost($"fleet-{index + 1}", address, sandbox, ApiToken);
    }

    string InventoryText(string clientKey)
    {
        var hosts = string.Concat(Hosts.Select(host => $"""
                {host.Name}:
                  ansible_host: {host.Address}
                  hub_manager_install_dir: {host.Sandbox.InstallDir}

            """));
        return $"""
            all:
              vars:
                ansible_user: root
                ansible_ssh_private_key_file: {clientKey}
                ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
                hub_manager_nas_url: {Nas.Url}
                hub_manager_nas_username: {Nas.Username}
                hub_manager_nas_password: {Nas.Password}
                hub_manager_api_token: {ApiToken}
                hub_rollout_poll_seconds: 1
                hub_manager_config_extra:
                  Update:
                    HealthGraceSeconds: 2
              hosts:
            {hosts}
            """;
    }

    /// <summary>Third octets N for 10.213.N.0/24 that no interface of the host has an address in.</summary>
    static async Task<int[]> FreeSubnetsAsync(int count)
    {
        var used = (await Shell.RunAsync("ip", ["-4", "-o", "addr", "show"])).EnsureSuccess("ip addr show").Stdout;
        var start = Environment.ProcessId % 200;
        return Enumerable.Range(0, 250).Select(i => 1 + (start + i) % 250)
            .Where(n => !used.Contains($" 10.213.{n}.", StringComparison.Ordinal)).Take(count).ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var link in links)
            await Shell.RunAsync("ip", ["link", "del", link]);
        if (Nas is not null)
            await Nas.DisposeAsync();
        foreach (var sandbox in sandboxes)
            await sandbox.DisposeAsync();
        work.Dispose();
    }
}
