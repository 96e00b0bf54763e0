using System.Net;
using TUnit.Core.Interfaces;
using System.Net.Sockets;

namespace HubManager.Tests.Sandbox;

/// <summary>
/// A disposable real systemd (PID 1 in fresh namespaces, with its own D-Bus and journald) booted by
/// <c>test/sandbox/hub-sandbox</c>, with the stand-in hub installed as <c>ai-hub.service</c>.
/// Managers under test are the shipped AOT binary, run inside as <c>Type=notify</c> units.
/// One per test class: <c>[ClassDataSource&lt;HubSandbox&gt;(Shared = SharedType.PerClass)]</c>.
/// </summary>
public class HubSandbox : IAsyncInitializer, IAsyncDisposable
{
    public const string HubUnit = "ai-hub.service";
    const string UnitDir = "/run/systemd/system";

    readonly SemaphoreSlim defaultManagerGate = new(1, 1);
    string? stateDir;
    int managers;
    ManagerUnderTest? defaultManager;

    /// <summary>Host directory bound at the same path inside the sandbox; files written here are seen by both.</summary>
    public string Exchange { get; private set; } = "";

    /// <summary>The stand-in hub's release directory (the manager's InstallDir).</summary>
    public string InstallDir => Path.Combine(Exchange, "hub");

    /// <summary>The port the stand-in hub serves its version on.</summary>
    public int HubPort { get; private set; }

    /// <summary>The sandbox's systemd, seen from the host.</summary>
    public int Pid { get; private set; }

    /// <summary>Boots the sandbox in its own network namespace (only <c>lo</c>, up) instead of the host's.</summary>
    public bool OwnNetwork { get; init; }

    public virtual async Task InitializeAsync()
    {
        if (!Repository.IsRoot)
            return;
        if (!File.Exists(Repository.ManagerBinary))
            throw new FileNotFoundException($"The manager binary {Repository.ManagerBinary} is missing: run `make publish` (make test does).");
        // Not under /tmp or /var/tmp: the packaged unit's PrivateTmp=yes gives the manager its own, which would
        // hide an install dir there.
        stateDir = Path.Combine("/srv/hub-tests", $"sandbox-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(stateDir);
        Exchange = Path.Combine(stateDir, "exchange");
        Directory.CreateDirectory(Exchange);
        // Whatever the sandbox reads from the repository is bound in: its overlay of / cannot be trusted to
        // show a clone that lives under /tmp (the sandbox mounts its own) or that changed after boot. The
        // sandbox is this process's: its guard stops it when the test run ends, however it ends.
        var boot = await Shell.RunAsync(Repository.SandboxScript,
            ["boot", Path.Combine(stateDir, "systemd"), "--owner", Environment.ProcessId.ToString(),
             "--bind", Exchange, "--bind", Path.GetDirectoryName(Repository.ManagerBinary)!, "--bind", Repository.DemoHub,
             .. (OwnNetwork ? ["--net"] : Array.Empty<string>())]);
        boot.EnsureSuccess("hub-sandbox boot");
        Pid = int.Parse(boot.Stdout.Trim().Split('\n')[^1]);
        CopyDirectory(Repository.DemoHub, InstallDir);
        HubPort = FreePort();
        await WriteUnitAsync(HubUnit, $"""
            [Unit]
            Description=Backend AI hub (stand-in)

            [Service]
            Type=simple
            WorkingDirectory={InstallDir}
            Environment=HUB_PORT={HubPort} HUB_LOG_EVERY_MS=1000
            ExecStart=/usr/bin/node {InstallDir}/dist/index.js
            """);
    }

    /// <summary>Call first in every sandbox test: without root there is no sandbox, and the test says so loudly.</summary>
    public void RequireRoot()
    {
        if (!Repository.IsRoot)
            Skip.Test("SKIPPED: integration tests boot a real systemd in namespaces and need root; run `make test` as root.");
    }

    /// <summary>Runs a command inside the sandbox (all its namespaces).</summary>
    public Task<CommandResult> RunAsync(params string[] command) =>
        Shell.RunAsync(Repository.SandboxScript, ["run", Path.Combine(stateDir!, "systemd"), .. command]);

    public async Task<string> SystemctlAsync(params string[] args) =>
        (await RunAsync(["systemctl", .. args])).EnsureSuccess("systemctl " + string.Join(' ', args)).Stdout.Trim();

    /// <summary>One property of a unit, as <c>systemctl show -P</c> prints it.</summary>
    public async Task<string> PropertyAsync(string unit, string property) =>
        (await RunAsync("systemctl", "show", "-P", property, unit)).Stdout.Trim();

    /// <summary>Writes a unit into the sandbox's /run/systemd/system and reloads systemd.</summary>
    public async Task WriteUnitAsync(string name, string text)
    {
        await File.WriteAllTextAsync($"/proc/{Pid}/root{UnitDir}/{name}", text.ReplaceLineEndings("\n") + "\n");
        await SystemctlAsync("daemon-reload");
    }

    /// <summary>The class's everyday manager on <c>ai-hub.service</c>, started on first use; skips the test without root.</summary>
    public async Task<ManagerUnderTest> DefaultManagerAsync()
    {
        RequireRoot();
        await defaultManagerGate.WaitAsync();
        try
        {
            return defaultManager ??= await StartManagerAsync();
        }
        finally
        {
            defaultManagerGate.Release();
        }
    }

    /// <summary>
    /// Installs and starts a manager (the shipped binary) as a <c>Type=notify</c> unit on a free port.
    /// <c>systemctl start</c> returns only once the manager has sent READY=1. <c>{port}</c> in
    /// <paramref name="arguments"/> and <paramref name="serviceSettings"/> is replaced by the manager's port.
    /// </summary>
    public async Task<ManagerUnderTest> StartManagerAsync(string unit = HubUnit, string arguments = "", string serviceSettings = "")
    {
        var name = $"hub-manager-{Interlocked.Increment(ref managers)}.service";
        var port = FreePort();
        await WriteUnitAsync(name, $"""
            [Unit]
            Description=hub-manager under test

            [Service]
            Type=notify
            ExecStart={Repository.ManagerBinary} --Listen=127.0.0.1:{port} --Unit={unit} --InstallDir={InstallDir} --StateDir={Exchange}/state-{name} {arguments.Replace("{port}", port.ToString())}
            {serviceSettings.Replace("{port}", port.ToString())}
            """);
        await SystemctlAsync("start", name);
        return new ManagerUnderTest(this, name, port);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (stateDir is null)
            return;
        await Shell.RunAsync(Repository.SandboxScript, ["stop", Path.Combine(stateDir, "systemd")]);
        Directory.Delete(stateDir, recursive: true);
    }

    static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)), overwrite: true);
    }
}
