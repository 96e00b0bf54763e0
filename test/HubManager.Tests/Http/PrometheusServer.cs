using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HubManager.Tests.Sandbox;
using HubManager.Tests.Updates;

namespace HubManager.Tests.Http;

/// <summary>
/// A real Prometheus server (Debian's <c>/usr/bin/prometheus</c>) on a free loopback port with its own temporary
/// storage, scraping one target every second, and read back through its HTTP query API (<c>/api/v1/query</c>).
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    public const string Binary = "/usr/bin/prometheus";
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    readonly Process process;
    readonly TempDir directory;
    readonly Uri address;

    PrometheusServer(Process process, TempDir directory, int port)
    {
        this.process = process;
        this.directory = directory;
        address = new Uri($"http://127.0.0.1:{port}");
    }

    /// <summary>Starts Prometheus scraping <paramref name="target"/> (host:port) every second; returns once it is ready.</summary>
    public static async Task<PrometheusServer> StartAsync(string target)
    {
        var directory = new TempDir();
        var config = Path.Combine(directory.Path, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: hub-manager
                static_configs:
                  - targets: ['{target}']
            """);
        var port = HubSandbox.FreePort();
        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory.Path, "data")}",
                     $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn" })
            start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) log.Enqueue(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) log.Enqueue(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(process, directory, port);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await server.ReadyAsync())
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"prometheus did not become ready:\n{string.Join('\n', log)}");
            }
            await Task.Delay(100);
        }
        return server;
    }

    async Task<bool> ReadyAsync()
    {
        try
        {
            using var response = await Http.GetAsync(new Uri(address, "/-/ready"));
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>An instant query's single value, or null while the query returns no series.</summary>
    public async Task<double?> QueryAsync(string query)
    {
        var text = await Http.GetStringAsync(new Uri(address, "/api/v1/query?query=" + Uri.EscapeDataString(query)));
        var data = JsonDocument.Parse(text).RootElement.GetProperty("data");
        var result = data.GetProperty("result");
        if (result.GetArrayLength() == 0)
            return null;
        return double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    /// <summary>Polls <paramref name="query"/> until it returns <paramref name="expected"/>, and returns the last value seen.</summary>
    public async Task<double?> WaitForAsync(string query, double expected, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        double? seen;
        while ((seen = await QueryAsync(query)) != expected && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        return seen;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process.Dispose();
        directory.Dispose();
    }
}
