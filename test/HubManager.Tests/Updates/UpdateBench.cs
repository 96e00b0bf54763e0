using HubManager.Updates;
using System.Net;
using System.Text.Json;
using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Updates;

/// <summary>
/// What every sandboxed update test needs: the stand-in hub reinstalled at 2.0.10 (with a <c>node_modules/</c>,
/// an <c>.env</c> and a file only the old release has) and running, a File Browser NAS on the host holding
/// releases, a manager pointed at it, and ways to wait for the update and ask the hub which version it serves.
/// </summary>
public sealed class UpdateBench : IAsyncDisposable
{
    public const string NasPassword = "s3cret-pass";
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    readonly HubSandbox sandbox;
    readonly TempDir nasRoot = new();
    readonly List<ManagerUnderTest> managers = [];

    UpdateBench(HubSandbox sandbox)
    {
        this.sandbox = sandbox;
        Nas = new FileBrowserNas(nasRoot.Path) { Password = NasPassword };
    }

    public FileBrowserNas Nas { get; }
    public HubSandbox Sandbox => sandbox;
    public string Install => sandbox.InstallDir;

    /// <summary>Reinstalls the demo hub at 2.0.10 with local state beside it, and starts it.</summary>
    public static async Task<UpdateBench> CreateAsync(HubSandbox sandbox)
    {
        sandbox.RequireRoot();
        var bench = new UpdateBench(sandbox);
        await sandbox.RunAsync("systemctl", "stop", HubSandbox.HubUnit);
        await sandbox.RunAsync("systemctl", "reset-failed", HubSandbox.HubUnit);
        if (Directory.Exists(sandbox.InstallDir))
            Directory.Delete(sandbox.InstallDir, recursive: true);
        Directory.CreateDirectory(Path.Combine(sandbox.InstallDir, "dist"));
        File.Copy(Path.Combine(Repository.DemoHub, "package.json"), Path.Combine(sandbox.InstallDir, "package.json"));
        File.Copy(Path.Combine(Repository.DemoHub, "dist", "index.js"), Path.Combine(sandbox.InstallDir, "dist", "index.js"));
        File.WriteAllText(Path.Combine(sandbox.InstallDir, "dist", "old-only.js"), "// only in 2.0.10\n");
        Directory.CreateDirectory(Path.Combine(sandbox.InstallDir, "node_modules", "left-pad"));
        File.WriteAllText(Path.Combine(sandbox.InstallDir, "node_modules", "left-pad", "index.js"), "module.exports = 1;\n");
        File.WriteAllText(Path.Combine(sandbox.InstallDir, ".env"), "SECRET=keep-me\n");
        await sandbox.SystemctlAsync("start", HubSandbox.HubUnit);
        await bench.WaitForHubVersionAsync("2.0.10");
        return bench;
    }

    /// <summary>Puts a release (and optionally its sha256 sidecar) on the NAS at File Browser's raw path.</summary>
    public byte[] Publish(string version, byte[] package, bool sidecar = false)
    {
        var name = $"hub-{version}.tar.gz";
        Nas.Put($"{version}/{name}", package);
        if (sidecar)
            Nas.Put($"{version}/{name}.sha256", System.Text.Encoding.ASCII.GetBytes(ReleasePackages.Sha256Line(package, name)));
        return package;
    }

    /// <summary>A manager for File Browser at <see cref="Nas"/> with a short health window; more settings in <paramref name="arguments"/>.</summary>
    public async Task<ManagerUnderTest> StartManagerAsync(string arguments = "", string serviceSettings = "", int grace = 2)
    {
        var manager = await sandbox.StartManagerAsync(arguments:
            $"--Nas:Url={Nas.Url} --Nas:Username={Nas.Username} --Nas:Password={NasPassword} --Update:HealthGraceSeconds={grace} {arguments}",
            serviceSettings: serviceSettings);
        managers.Add(manager);
        return manager;
    }

    /// <summary>Where the manager stages releases and keeps backups: <c>InstallDir/.hub-manager</c>.</summary>
    public string Releases => Path.Combine(Install, UpdateStore.ReleasesDirName);

    /// <summary>The manager's StateDir (as HubSandbox names it), seen from the host.</summary>
    public string StateDir(ManagerUnderTest manager) => Path.Combine(sandbox.Exchange, "state-" + manager.UnitName);

    /// <summary>Polls <c>GET /update</c> until the state is no longer running.</summary>
    public static async Task<JsonElement> WaitForUpdateAsync(ManagerUnderTest manager, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            var (_, body) = await manager.GetAsync("/update");
            if (body.GetProperty("state").GetString() != "running")
                return body;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the update is still running: {body}\n{await manager.JournalAsync()}");
            await Task.Delay(200);
        }
    }

    /// <summary>Polls <c>GET /update</c> until <paramref name="condition"/> holds (e.g. a given phase).</summary>
    public static async Task<JsonElement> WaitForAsync(ManagerUnderTest manager, Func<JsonElement, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var (_, body) = await manager.GetAsync("/update");
            if (condition(body))
                return body;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"GET /update never matched: {body}");
            await Task.Delay(50);
        }
    }

    /// <summary>The version the running hub answers with, or null when nothing answers.</summary>
    public async Task<string?> HubVersionAsync()
    {
        try
        {
            var text = await Http.GetStringAsync($"http://127.0.0.1:{sandbox.HubPort}/");
            return JsonDocument.Parse(text).RootElement.GetProperty("version").GetString();
        }
        catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Waits until the hub serves <paramref name="version"/> (node needs a moment to listen after a restart).</summary>
    public async Task<string?> WaitForHubVersionAsync(string version, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        string? seen;
        while ((seen = await HubVersionAsync()) != version && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        return seen;
    }

    public string Read(string relative) =>
        File.Exists(Path.Combine(Install, relative)) ? File.ReadAllText(Path.Combine(Install, relative)) : "(missing)";

    public static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    public async Task<(HttpStatusCode Status, JsonElement Body)> PostUpdateAsync(ManagerUnderTest manager, string version, bool force = false) =>
        await manager.PostAsync("/update", force ? $$"""{"version":"{{version}}","force":true}""" : $$"""{"version":"{{version}}"}""");

    public async ValueTask DisposeAsync()
    {
        foreach (var manager in managers)
            await sandbox.RunAsync("systemctl", "stop", manager.UnitName);
        await Nas.DisposeAsync();
        nasRoot.Dispose();
    }
}
