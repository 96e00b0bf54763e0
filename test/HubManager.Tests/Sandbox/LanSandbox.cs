namespace HubManager.Tests.Sandbox;

/// <summary>
/// A <see cref="HubSandbox"/> with a network namespace of its own whose <c>lo</c> also carries LAN addresses in a
/// range used only inside it: the agent machine's (<see cref="Agent"/>), the hub's (<see cref="Hub"/>) and a
/// stranger's (<see cref="Stranger"/>), each in IPv4 and IPv6. Clients run on the host inside that namespace only
/// (<c>nsenter -n</c>) and bind their source address, so the manager sees each caller as the machine it stands for.
/// </summary>
public sealed class LanSandbox : HubSandbox
{
    public const string Agent = "10.213.0.1";
    public const string Hub = "10.213.0.2";
    public const string Stranger = "10.213.0.3";
    public const string Agent6 = "fd21:3::1";
    public const string Hub6 = "fd21:3::2";
    public const string Stranger6 = "fd21:3::3";

    public LanSandbox() => OwnNetwork = true;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        if (!Repository.IsRoot)
            return;
        foreach (var address in new[] { $"{Agent}/32", $"{Hub}/32", $"{Stranger}/32", $"{Agent6}/128", $"{Hub6}/128", $"{Stranger6}/128" })
            (await InNetworkAsync(["ip", "addr", "add", address, "dev", "lo"])).EnsureSuccess($"ip addr add {address}");
    }

    /// <summary>Runs a host program inside the sandbox's network namespace only (host files, the sandbox's addresses).</summary>
    public Task<CommandResult> InNetworkAsync(IEnumerable<string> command, IDictionary<string, string>? environment = null) =>
        Shell.RunAsync("nsenter", ["-t", Pid.ToString(), "-n", "--", "env", .. (environment ?? new Dictionary<string, string>()).Select(e => $"{e.Key}={e.Value}"), .. command],
            timeout: TimeSpan.FromSeconds(90));

    /// <summary>
    /// <c>curl</c> from <paramref name="from"/> with the given extra arguments: the status and the body. The URL is
    /// the last argument.
    /// </summary>
    public async Task<(int Status, string Body)> CurlAsync(string from, params string[] arguments)
    {
        var result = (await InNetworkAsync(["curl", "-sS", "--max-time", "60", "--interface", from, "-w", "\n%{http_code}", .. arguments])).EnsureSuccess("curl");
        var cut = result.Stdout.LastIndexOf('\n');
        return (int.Parse(result.Stdout[(cut + 1)..]), result.Stdout[..cut]);
    }
}
