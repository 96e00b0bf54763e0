using System.Text.Json;
using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Http;

/// <summary>
/// The hub's real HTTP client, axios 1.10.0 from npm, run by <c>hub-client.cjs</c> inside a <see cref="LanSandbox"/>'s
/// network namespace. npm installs it once into <see cref="Directory"/>, a cache kept between runs.
/// </summary>
public static class HubAxios
{
    public const string Version = "1.10.0";
    public const string Directory = "/var/cache/hub-tests/axios-" + Version;

    static readonly SemaphoreSlim Installing = new(1, 1);

    static string Script => Path.Combine(Repository.Root, "test", "HubManager.Tests", "Http", "hub-client.cjs");

    /// <summary>One call's answer: its status (0 when none came), body, and the headers axios sent.</summary>
    public sealed record Answer(int Status, JsonElement Data, JsonElement Sent);

    /// <summary>Runs the calls ("GET /status", "POST /stop cmd_1") in order from <paramref name="from"/> against <paramref name="baseUrl"/>.</summary>
    public static async Task<Answer[]> CallAsync(LanSandbox sandbox, string from, string baseUrl, params string[] calls)
    {
        await InstallAsync();
        var result = (await sandbox.InNetworkAsync(["node", Script, baseUrl, from, .. calls],
            new Dictionary<string, string> { ["NODE_PATH"] = Path.Combine(Directory, "node_modules") })).EnsureSuccess("node hub-client.cjs");
        return [.. JsonDocument.Parse(result.Stdout).RootElement.EnumerateArray().Select(answer => new Answer(
            answer.GetProperty("status").GetInt32(), answer.GetProperty("data").Clone(),
            answer.TryGetProperty("sent", out var sent) ? sent.Clone() : default))];
    }

    static async Task InstallAsync()
    {
        await Installing.WaitAsync();
        try
        {
            var manifest = Path.Combine(Directory, "node_modules", "axios", "package.json");
            if (!File.Exists(manifest))
                (await Shell.RunAsync("npm", ["install", "--prefix", Directory, "--no-audit", "--no-fund", "--cache", "/var/cache/hub-tests/npm", $"axios@{Version}"],
                    timeout: TimeSpan.FromMinutes(5))).EnsureSuccess($"npm install axios@{Version}");
            var installed = JsonDocument.Parse(await File.ReadAllTextAsync(manifest)).RootElement.GetProperty("version").GetString();
            if (installed != Version)
                throw new InvalidOperationException($"{Directory} holds axios {installed}, not {Version}: remove it");
        }
        finally
        {
            Installing.Release();
        }
    }
}
