using System.Diagnostics;
using System.Net.Sockets;

namespace HubManager.Tests.Sandbox;

/// <summary>
/// The shipped binary run directly as a child process (no systemd): for behaviour that lives entirely
/// in the HTTP layer, such as refusing hostile requests. Outside systemd the manager runs in the foreground.
/// </summary>
public sealed class ManagerProcess : IAsyncDisposable
{
    readonly Process process;

    public int Port { get; }
    public Uri BaseAddress { get; }

    ManagerProcess(Process process, int port, string host)
    {
        this.process = process;
        Port = port;
        BaseAddress = new Uri($"http://{host}:{port}");
    }

    /// <summary>Starts the binary on a free port and returns once it accepts connections.</summary>
    public static async Task<ManagerProcess> StartAsync(string listenAddress = "127.0.0.1", params string[] arguments)
    {
        var port = HubSandbox.FreePort();
        var start = new ProcessStartInfo(Repository.ManagerBinary) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add($"--Listen={listenAddress}:{port}");
        start.ArgumentList.Add($"--InstallDir={Repository.DemoHub}");
        start.ArgumentList.Add($"--StateDir=/var/tmp/hub-tests/process-{port}");
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"hub-manager exited with {process.ExitCode} before listening");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return new ManagerProcess(process, port, "127.0.0.1");
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }
}
