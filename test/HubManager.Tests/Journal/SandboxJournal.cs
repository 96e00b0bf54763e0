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

    /// <summary>
    /// A oneshot unit that writes <paramref name="count"/> entries through journald's native protocol, which takes messages
    /// far beyond the 48 KiB line limit of a service's output: MESSAGE is "IDENTIFIER N xxx…" of <paramref name="bytes"/>
    /// bytes, or the contents of <paramref name="messageFile"/>. One process sends them all (each in a sealed memfd, as
    /// sd_journal_send does for large entries) and lives a second longer: journald attributes an entry to a unit by the
    /// sender's cgroup, which it cannot read once the sender is gone.
    /// </summary>
    public static async Task WriteNativeEntriesUnitAsync(this HubSandbox sandbox, string name, string identifier, int count, int bytes, string? messageFile = null)
    {
        var script = Path.Combine(sandbox.Exchange, "native-entries.py");
        await File.WriteAllTextAsync(script, """
            import array, fcntl, os, socket, sys, time

            identifier, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
            given = open(sys.argv[4], "rb").read() if len(sys.argv) > 4 else None
            journal = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            for i in range(1, count + 1):
                message = given if given is not None else f"{identifier} {i} ".encode().ljust(size, b"x")
                entry = b"SYSLOG_IDENTIFIER=" + identifier.encode() + b"\nMESSAGE\n" + len(message).to_bytes(8, "little") + message + b"\n"
                fd = os.memfd_create("entry", os.MFD_ALLOW_SEALING)
                view = memoryview(entry)
                while view:
                    view = view[os.write(fd, view):]
                fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SEAL)
                journal.sendmsg([], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))], 0, "/run/systemd/journal/socket")
                os.close(fd)
            time.sleep(1)
            """);
        await sandbox.WriteUnitAsync(name, $"""
            [Service]
            Type=oneshot
            ExecStart=/usr/bin/python3 {script} {identifier} {count} {bytes} {messageFile}
            """);
    }

    /// <summary>A process's open journal files and inotify descriptors, and its follower threads (by thread name).</summary>
    public static async Task<(int JournalFds, int FollowerThreads)> JournalResourcesAsync(this HubSandbox sandbox, string pid)
    {
        // Descriptors and threads that go away while they are listed are not counted (and not an error).
        var fds = (await sandbox.RunAsync("sh", "-c", $"ls -l /proc/{pid}/fd 2>/dev/null; true")).Stdout;
        var threads = (await sandbox.RunAsync("sh", "-c", $"cat /proc/{pid}/task/*/comm 2>/dev/null; true")).Stdout;
        return (Lines(fds).Count(l => l.EndsWith(".journal") || l.Contains("inotify")), Lines(threads).Count(l => l.Trim() == "journal-follow"));
    }

    /// <summary>A memory figure of a process's /proc/PID/status in KiB: VmRSS, RssAnon (its own memory, without mapped files), …</summary>
    public static async Task<long> MemoryKibAsync(this HubSandbox sandbox, string pid, string field)
    {
        var status = (await sandbox.RunAsync("cat", $"/proc/{pid}/status")).EnsureSuccess("cat status").Stdout;
        return long.Parse(status.Split('\n').Single(l => l.StartsWith(field + ":"))[(field.Length + 1)..].Trim().Split(' ')[0]);
    }
}
