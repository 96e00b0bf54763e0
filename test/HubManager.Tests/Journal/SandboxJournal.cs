using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Journal;

/// <summary>Journal helpers for sandbox tests: journalctl inside, units that log on demand, and the manager's resources.</summary>
public static class SandboxJournal
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    public static async Task<string> JournalctlAsync(this HubSandbox sandbox, string unit, params string[] args) =>
        (await sandbox.RunAsync(["journalctl", "-u", unit, "--no-pager", "-q", .. args])).EnsureSuccess("journalctl").Stdout;

    public static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Polls <paramref name="condition"/> until it holds, failing after <see cref="Patience"/>.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Not within {Patience.TotalSeconds} s: {what}");
            await Task.Delay(50);
        }
    }

    /// <summary>A unit that logs <paramref name="count"/> lines "PREFIX N xxx…", <paramref name="batch"/> every <paramref name="everyMs"/> ms.</summary>
    public static async Task WriteLinesUnitAsync(this HubSandbox sandbox, string name, string prefix, int count, int batch, int everyMs)
    {
        var script = Path.Combine(sandbox.Exchange, "lines.js");
        await File.WriteAllTextAsync(script, """
            const [prefix, count, batch, every] = [process.argv[2], +process.argv[3], +process.argv[4], +process.argv[5]];
            let i = 0;
            const timer = setInterval(() => {
              for (let k = 0; k < batch && i < count; k++) { i++; console.log(`${prefix} ${i} ${'x'.repeat(i % 97)}`); }
              if (i >= count) clearInterval(timer);
            }, every);
            """);
        await sandbox.WriteUnitAsync(name, $"""
            [Service]
            LogRateLimitIntervalSec=0
            ExecStart=/usr/bin/node {script} {prefix} {count} {batch} {everyMs}
            """);
    }

    /// <summary>A process's open journal files and inotify descriptors, and its follower threads (by thread name).</summary>
    public static async Task<(int JournalFds, int FollowerThreads)> JournalResourcesAsync(this HubSandbox sandbox, string pid)
    {
        var fds = (await sandbox.RunAsync("ls", "-l", $"/proc/{pid}/fd")).EnsureSuccess("ls fd").Stdout;
        var threads = (await sandbox.RunAsync("sh", "-c", $"cat /proc/{pid}/task/*/comm")).EnsureSuccess("cat comm").Stdout;
        return (Lines(fds).Count(l => l.EndsWith(".journal") || l.Contains("inotify")), Lines(threads).Count(l => l.Trim() == "journal-follow"));
    }

    /// <summary>A memory figure of a process's /proc/PID/status in KiB: VmRSS, RssAnon (its own memory, without mapped files), …</summary>
    public static async Task<long> MemoryKibAsync(this HubSandbox sandbox, string pid, string field)
    {
        var status = (await sandbox.RunAsync("cat", $"/proc/{pid}/status")).EnsureSuccess("cat status").Stdout;
        return long.Parse(status.Split('\n').Single(l => l.StartsWith(field + ":"))[(field.Length + 1)..].Trim().Split(' ')[0]);
    }
}
