using System.Text.Json;
using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Fleet;

/// <summary>
/// One machine of the <see cref="SandboxFleet"/>: a sandbox in its own network namespace, reached by Ansible over SSH at
/// <see cref="Address"/>. Its manager listens on 127.0.0.1:3081 inside that namespace, so the test asks it with curl
/// run inside the sandbox, as an operator on the machine would.
/// </summary>
public sealed record FleetHost(string Name, string Address, HubSandbox Sandbox, string ApiToken)
{
    public const string ManagerUnit = "ai-hub-manager.service";

    /// <summary>GET with the API token on the host's manager (127.0.0.1:3081 inside its namespace); the answer's JSON.</summary>
    public async Task<JsonElement> GetAsync(string path)
    {
        var answer = (await Sandbox.RunAsync("curl", "-sS", "--max-time", "10", "-H", $"Authorization: Bearer {ApiToken}", $"http://127.0.0.1:3081{path}"))
            .EnsureSuccess($"curl {path} on {Name}");
        return JsonDocument.Parse(answer.Stdout).RootElement.Clone();
    }

    /// <summary>The status code of a GET without the token.</summary>
    public async Task<string> StatusWithoutTokenAsync(string path) =>
        (await Sandbox.RunAsync("curl", "-s", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}", $"http://127.0.0.1:3081{path}")).Stdout;

    /// <summary>The release the manager reports as installed (<c>GET /version</c>).</summary>
    public async Task<string?> VersionAsync() => (await GetAsync("/version")).GetProperty("version").GetString();

    /// <summary>The manager's journal on this host, whole.</summary>
    public async Task<string> ManagerJournalAsync() =>
        (await Sandbox.RunAsync("journalctl", "-u", ManagerUnit, "--no-pager", "-o", "cat")).Stdout;

    /// <summary>A file of the host, seen from outside (through its systemd's root).</summary>
    public string PathOnHost(string path) => $"/proc/{Sandbox.Pid}/root{path}";
}
