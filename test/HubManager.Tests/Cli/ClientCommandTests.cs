using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using HubManager.Tests.Sandbox;
using HubManager.Tests.Updates;
using static HubManager.Tests.Updates.ReleasePackages;

namespace HubManager.Tests.Cli;

/// <summary>
/// The client commands of the shipped binary (<c>hub-manager status|start|stop|restart|version|logs|update|rollback</c>),
/// run on the host against a manager in a real systemd (the sandbox shares the host's loopback), under a pseudo-terminal
/// and through a pipe, with every exit status: 0, 1, 2, 3 and 4.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(ClientCommandTests))]
public class ClientCommandTests(HubSandbox sandbox)
{
    /// <summary>Runs a client command through pipes (stdout is not a terminal).</summary>
    static Task<CommandResult> RunAsync(ManagerUnderTest manager, params string[] args) =>
        Shell.RunAsync(Repository.ManagerBinary, [.. args, $"--Listen=127.0.0.1:{manager.Port}"], timeout: TimeSpan.FromSeconds(120));

    /// <summary>Runs a client command on a pseudo-terminal (python3's pty): everything it wrote, as the terminal got it.</summary>
    static Task<CommandResult> OnTerminalAsync(ManagerUnderTest manager, params string[] args) =>
        Shell.RunAsync("python3", ["-c", """
            import os, pty, sys
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(sys.argv[1], sys.argv[1:])
            out = b""
            while True:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    break
                if not data:
                    break
                out += data
            _, status = os.waitpid(pid, 0)
            sys.stdout.buffer.write(out)
            sys.exit(os.waitstatus_to_exitcode(status))
            """, Repository.ManagerBinary, .. args, $"--Listen=127.0.0.1:{manager.Port}"], timeout: TimeSpan.FromSeconds(120));

    static byte[] SlowPackage(string version) =>
        Build(version, extra: t => AddFile(t, "assets/noise.bin", System.Security.Cryptography.RandomNumberGenerator.GetBytes(400_000)));

    [Test]
    public async Task Update_on_a_terminal_rewrites_one_progress_line_that_ends_in_the_outcome_then_already_there_is_success()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", SlowPackage("2.0.11"));
        bench.Nas.BytesPerSecond = 200_000; // about two seconds of download
        var manager = await bench.StartManagerAsync();

        var update = await OnTerminalAsync(manager, "update", "2.0.11");
        var again = await OnTerminalAsync(manager, "update", "2.0.11");

        await Assert.That(update.ExitCode).IsEqualTo(0).Because(update.Stdout);
        var rewrites = update.Stdout.Split('\r').Select(part => part.Replace("\x1b[K", "")).Where(part => part.Length > 0 && part != "\n").ToList();
        var downloading = rewrites.Where(r => r.StartsWith("Updating hub to 2.0.11: downloading ", StringComparison.Ordinal)).ToList();
        // The line is rewritten in place: several download readings (bytes of total, %, rate, time left), then each phase.
        await Assert.That(downloading.Count).IsGreaterThanOrEqualTo(2).Because(update.Stdout);
        await Assert.That(downloading.Any(r => Regex.IsMatch(r, @"^Updating hub to 2\.0\.11: downloading \d+\.\d of 0\.4 MiB \(\d+%\), \d+\.\d MiB/s, \d+ s left$"))).IsTrue().Because(update.Stdout);
        await Assert.That(rewrites).Contains("Updating hub to 2.0.11: checking the hub's health");
        await Assert.That(update.Stdout).DoesNotContain("\nUpdating hub"); // never a new line for progress
        await Assert.That(Regex.IsMatch(update.Stdout, @"\r\x1b\[KHub updated to 2\.0\.11 \(from 2\.0\.10\) in \d+\.\d s\.\r\n$")).IsTrue().Because(update.Stdout);
        await Assert.That(await bench.WaitForHubVersionAsync("2.0.11")).IsEqualTo("2.0.11");
        await Assert.That(again.ExitCode).IsEqualTo(0);
        await Assert.That(again.Stdout).IsEqualTo("Hub is already at version 2.0.11\r\n");
    }

    [Test]
    public async Task Update_through_a_pipe_prints_one_plain_line_per_phase_and_json_prints_the_events()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", SlowPackage("2.0.11"));
        bench.Publish("2.0.12", Build("2.0.12"));
        bench.Nas.BytesPerSecond = 200_000;
        var manager = await bench.StartManagerAsync();

        var update = await RunAsync(manager, "update", "2.0.11");
        var json = await RunAsync(manager, "update", "2.0.12", "--json");

        await Assert.That(update.ExitCode).IsEqualTo(0).Because(update.Stderr);
        var lines = update.Stdout.Split('\n');
        await Assert.That(string.Join("\n", lines[..^2])).IsEqualTo("""
            Hub update to version 2.0.11 started
            Updating hub to 2.0.11: downloading
            Updating hub to 2.0.11: verifying
            Updating hub to 2.0.11: installing
            Updating hub to 2.0.11: restarting the hub
            Updating hub to 2.0.11: checking the hub's health
            """);
        await Assert.That(lines[^2]).Matches(@"^Hub updated to 2\.0\.11 \(from 2\.0\.10\) in \d+\.\d s\.$");
        await Assert.That(lines[^1]).IsEqualTo("");
        await Assert.That(update.Stdout).DoesNotContain("\r");

        await Assert.That(json.ExitCode).IsEqualTo(0).Because(json.Stderr);
        var documents = json.Stdout.TrimEnd('\n').Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToList();
        await Assert.That(documents[0].GetRawText()).IsEqualTo("""{"success":true,"message":"Hub update to version 2.0.12 started"}""");
        await Assert.That(documents[^1].GetProperty("state").GetString()).IsEqualTo("succeeded");
        await Assert.That(documents[^1].GetRawText()).IsEqualTo((await manager.GetAsync("/update")).Body.GetRawText());
        await Assert.That(documents.Skip(1).SkipLast(1).All(d => d.GetProperty("state").GetString() == "running")).IsTrue();
    }

    [Test]
    public async Task A_crash_looping_release_exits_3_with_the_reason_and_the_hubs_last_journal_lines()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", Build("2.0.11", crash: true));
        var manager = await bench.StartManagerAsync(grace: 3);

        var update = await RunAsync(manager, "update", "2.0.11");

        await Assert.That(update.ExitCode).IsEqualTo(3).Because(update.Stdout + update.Stderr);
        await Assert.That(update.Stdout).Contains("Updating hub to 2.0.11: rolling back\n");
        await Assert.That(update.Stdout).Contains("Update to 2.0.11 rolled back to 2.0.10");
        await Assert.That(update.Stdout).Contains(HubSandbox.HubUnit);
        await Assert.That(update.Stdout).Contains("The hub's last journal lines:\n");
        await Assert.That(update.Stdout).Contains("cannot start: boom");
        await Assert.That(await bench.WaitForHubVersionAsync("2.0.10")).IsEqualTo("2.0.10");
    }

    [Test]
    public async Task A_version_missing_on_the_NAS_exits_1_usage_errors_exit_2_and_a_stopped_manager_exits_4_naming_its_address()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        var manager = await bench.StartManagerAsync();

        var missing = await RunAsync(manager, "update", "2.0.99");
        var noVersion = await RunAsync(manager, "update");
        var badVersion = await RunAsync(manager, "update", "../2.0.11");
        var badOption = await RunAsync(manager, "status", "--follow");
        var badSince = await RunAsync(manager, "logs", "--since", "sometime");
        await sandbox.SystemctlAsync("stop", manager.UnitName);
        var stopped = await RunAsync(manager, "status");
        var stoppedUpdate = await RunAsync(manager, "update", "2.0.11");

        await Assert.That(missing.ExitCode).IsEqualTo(1).Because(missing.Stdout + missing.Stderr);
        await Assert.That(missing.Stdout).Contains("Update to 2.0.99 failed");
        await Assert.That(missing.Stdout).Contains("404");
        foreach (var usage in new[] { noVersion, badVersion, badOption, badSince })
        {
            await Assert.That(usage.ExitCode).IsEqualTo(2).Because(usage.Stderr);
            await Assert.That(usage.Stderr).StartsWith("hub-manager");
        }
        await Assert.That(noVersion.Stderr).Contains("update needs the version");
        await Assert.That(badVersion.Stderr).Contains("without '..'");
        await Assert.That(badOption.Stderr).Contains("'--follow' is not an option of status");
        await Assert.That(badSince.Stderr).Contains("since must be");
        foreach (var unreachable in new[] { stopped, stoppedUpdate })
        {
            await Assert.That(unreachable.ExitCode).IsEqualTo(4);
            await Assert.That(unreachable.Stderr).Contains($"cannot reach the manager at http://127.0.0.1:{manager.Port}/");
        }
    }

    [Test]
    public async Task Status_start_stop_restart_version_rollback_and_logs_say_one_line_or_one_screen_or_the_APIs_json()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        var manager = await bench.StartManagerAsync();
        var unit = $"--Unit={HubSandbox.HubUnit}";

        var stop = await RunAsync(manager, "stop", unit);
        var stoppedState = await sandbox.PropertyAsync(HubSandbox.HubUnit, "ActiveState");
        // A quiet journal: the stopped hub writes nothing, so two reads see the same lines.
        var (_, apiBefore) = await manager.GetAsync("/logs?lines=5");
        var logs = await RunAsync(manager, "logs", "-n", "5");
        var (_, apiLogs) = await manager.GetAsync("/logs?lines=5");
        var logsJson = await RunAsync(manager, "logs", "-n", "5", "--json");
        var start = await RunAsync(manager, "start", unit);
        var startedState = await sandbox.PropertyAsync(HubSandbox.HubUnit, "ActiveState");
        var restart = await RunAsync(manager, "restart", unit);
        var pid = await sandbox.PropertyAsync(HubSandbox.HubUnit, "MainPID");
        var status = await RunAsync(manager, "status");
        var statusJson = await RunAsync(manager, "status", "--json");
        var version = await RunAsync(manager, "version");
        var versionJson = await RunAsync(manager, "version", "--json");
        var rollback = await RunAsync(manager, "rollback");
        var rollbackJson = await RunAsync(manager, "rollback", "--json");

        await Assert.That(stop.Stdout).IsEqualTo("ai-hub.service stopped.\n");
        await Assert.That(stoppedState).IsEqualTo("inactive");
        await Assert.That(logs.ExitCode).IsEqualTo(0).Because(logs.Stderr);
        // journald may still be writing systemd's lines about the stop: the CLI's text is one of the API's answers around it.
        await Assert.That(new[] { apiBefore.GetProperty("logs").GetString(), apiLogs.GetProperty("logs").GetString() }).Contains(logs.Stdout);
        await Assert.That(logs.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length).IsEqualTo(5);
        await Assert.That(JsonDocument.Parse(logsJson.Stdout).RootElement.GetRawText()).IsEqualTo(apiLogs.GetRawText());
        await Assert.That(start.Stdout).IsEqualTo("ai-hub.service started.\n");
        await Assert.That(startedState).IsEqualTo("active");
        await Assert.That(restart.Stdout).IsEqualTo("ai-hub.service restarted.\n");
        await Assert.That(status.ExitCode).IsEqualTo(0).Because(status.Stderr);
        await Assert.That(status.Stdout).Matches(@"^ai-hub\.service: active \(running\) since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d \(\d+ s ago\)\n");
        await Assert.That(status.Stdout).Contains($"  main PID:    {pid}\n");
        await Assert.That(status.Stdout).Contains("  installed:   2.0.10 (@proxmox-ai-control/hub)\n");
        await Assert.That(status.Stdout).Contains($"  manager:     {(await manager.GetAsync("/status")).Body.GetProperty("managerVersion").GetString()} at http://127.0.0.1:{manager.Port}/\n");
        await Assert.That(status.Stdout).Contains("  last update: none\n");
        var combined = JsonDocument.Parse(statusJson.Stdout).RootElement;
        await Assert.That(combined.GetProperty("status").GetProperty("activeState").GetString()).IsEqualTo("active");
        await Assert.That(combined.GetProperty("version").GetRawText()).IsEqualTo((await manager.GetAsync("/version")).Body.GetRawText());
        await Assert.That(combined.GetProperty("update").GetProperty("state").GetString()).IsEqualTo("idle");
        await Assert.That(version.Stdout).IsEqualTo("@proxmox-ai-control/hub 2.0.10\n");
        await Assert.That(versionJson.Stdout).IsEqualTo("""{"version":"2.0.10","name":"@proxmox-ai-control/hub"}""" + "\n");
        await Assert.That(rollback.ExitCode).IsEqualTo(1);
        await Assert.That(rollback.Stderr).IsEqualTo("hub-manager rollback: there is no backup to roll back to\n");
        await Assert.That(rollbackJson.ExitCode).IsEqualTo(1);
        await Assert.That(rollbackJson.Stdout).IsEqualTo("""{"success":false,"error":"there is no backup to roll back to"}""" + "\n");
    }

    [Test]
    public async Task Output_into_a_file_the_shell_also_writes_lands_between_the_shells_lines()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        var manager = await bench.StartManagerAsync();
        var log = Path.Combine(sandbox.Exchange, $"cli-{Guid.NewGuid():N}.log");

        // One open file shared by the shell and the command, as in `{ ...; } >log` or a unit's StandardOutput=file:.
        var run = await Shell.RunAsync("bash", ["-c", "{ echo before; \"$0\" version --Listen=127.0.0.1:$1; \"$0\" version --bogus --Listen=127.0.0.1:$1 2>&1; echo after; } >\"$2\"",
            Repository.ManagerBinary, manager.Port.ToString(), log]);

        run.EnsureSuccess("bash");
        var lines = (await File.ReadAllTextAsync(log)).Split('\n');
        await Assert.That(lines).IsEquivalentTo(new[]
        {
            "before", "@proxmox-ai-control/hub 2.0.10", "hub-manager: '--bogus' is not an option of version", "Try 'hub-manager --help'.", "after", "",
        }, TUnit.Assertions.Enums.CollectionOrdering.Matching);
    }

    [Test]
    public async Task Logs_follow_prints_new_journal_lines_as_they_come_until_interrupted()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        var manager = await bench.StartManagerAsync();
        var start = new ProcessStartInfo(Repository.ManagerBinary) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "logs", "-f", "-n", "1", "--grep", "tick", $"--Listen=127.0.0.1:{manager.Port}" })
            start.ArgumentList.Add(arg);

        using var follow = Process.Start(start)!;
        var lines = new List<string>();
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            // The hub writes a tick a second: a first line at once (-n 1), then the new ones as they are written.
            while (lines.Count < 4 && await follow.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
                lines.Add(line);
        }
        var stillFollowing = !follow.HasExited;
        follow.Kill();
        await follow.WaitForExitAsync();

        await Assert.That(lines.Count).IsEqualTo(4);
        await Assert.That(stillFollowing).IsTrue();
        // The first line is the journal's last tick before the command (-n 1), which may be an earlier test's hub; the
        // followed ones are this hub's, a second apart.
        var ticks = lines.Select(l => Regex.Match(l, @"^\w{3} \d\d \d\d:\d\d:\d\d \S+ node\[\d+\]: hub \S+ tick (\d+)$")).ToList();
        await Assert.That(ticks.All(t => t.Success)).IsTrue().Because(string.Join("\n", lines));
        await Assert.That(lines.Skip(1).All(l => l.Contains(": hub 2.0.10 tick "))).IsTrue().Because(string.Join("\n", lines));
        var numbers = ticks.Skip(1).Select(t => int.Parse(t.Groups[1].Value)).ToList();
        await Assert.That(numbers.Zip(numbers.Skip(1)).All(p => p.Second == p.First + 1)).IsTrue().Because(string.Join("\n", lines));
    }
}
