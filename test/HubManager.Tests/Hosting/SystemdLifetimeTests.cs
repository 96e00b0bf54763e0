using System.Net;
using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Hosting;

/// <summary>The manager as a <c>Type=notify</c> unit under a real systemd: readiness, watchdog, a bus that restarts.</summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(SystemdLifetimeTests))]
public class SystemdLifetimeTests(HubSandbox sandbox)
{
    [Test]
    public async Task The_unit_is_active_only_once_the_manager_listens()
    {
        sandbox.RequireRoot();
        // systemd runs ExecStartPost= only after READY=1; if READY came before Kestrel listened,
        // this curl would be refused and the start would fail.
        var manager = await sandbox.StartManagerAsync(serviceSettings: "ExecStartPost=/usr/bin/curl -sf --max-time 2 http://127.0.0.1:{port}/health");

        await Assert.That(await sandbox.PropertyAsync(manager.UnitName, "ActiveState")).IsEqualTo("active");
        await Assert.That(await sandbox.PropertyAsync(manager.UnitName, "Type")).IsEqualTo("notify");
        await Assert.That(await sandbox.PropertyAsync(manager.UnitName, "StatusErrno")).IsEqualTo("0");
    }

    [Test]
    public async Task Watchdog_pings_keep_a_unit_with_WatchdogSec_2_alive_for_10_seconds()
    {
        sandbox.RequireRoot();
        var manager = await sandbox.StartManagerAsync(serviceSettings: "WatchdogSec=2\nRestart=on-failure");
        var pid = await sandbox.PropertyAsync(manager.UnitName, "MainPID");
        var firstPing = await sandbox.PropertyAsync(manager.UnitName, "WatchdogTimestampMonotonic");

        // The observation window itself is the test: three watchdog periods and more without a ping would kill it.
        await Task.Delay(TimeSpan.FromSeconds(10));

        await Assert.That(await sandbox.PropertyAsync(manager.UnitName, "ActiveState")).IsEqualTo("active");
        await Assert.That(await sandbox.PropertyAsync(manager.UnitName, "MainPID")).IsEqualTo(pid);
        await Assert.That(await sandbox.PropertyAsync(manager.UnitName, "NRestarts")).IsEqualTo("0");
        await Assert.That(await sandbox.PropertyAsync(manager.UnitName, "WatchdogTimestampMonotonic")).IsNotEqualTo(firstPing);
    }

    [Test]
    public async Task A_frozen_manager_is_restarted_by_the_watchdog()
    {
        sandbox.RequireRoot();
        var manager = await sandbox.StartManagerAsync(serviceSettings: "WatchdogSec=2\nRestart=always");
        var pid = await sandbox.PropertyAsync(manager.UnitName, "MainPID");

        await sandbox.RunAsync("kill", "-STOP", pid);
        var restarts = await PollAsync(() => sandbox.PropertyAsync(manager.UnitName, "NRestarts"), "1", TimeSpan.FromSeconds(20));
        var active = await PollAsync(() => sandbox.PropertyAsync(manager.UnitName, "ActiveState"), "active", TimeSpan.FromSeconds(10));

        await Assert.That(restarts).IsEqualTo("1");
        await Assert.That(active).IsEqualTo("active");
        await Assert.That(await sandbox.PropertyAsync(manager.UnitName, "MainPID")).IsNotEqualTo(pid);
        await Assert.That((await sandbox.RunAsync("journalctl", "-u", manager.UnitName, "--no-pager")).Stdout).Contains("Watchdog timeout");
    }

    [Test]
    public async Task The_manager_survives_dbus_restarting_under_it()
    {
        sandbox.RequireRoot();
        var manager = await sandbox.StartManagerAsync();
        await Assert.That((await manager.GetAsync("/status")).Status).IsEqualTo(HttpStatusCode.OK);
        var pid = await sandbox.PropertyAsync(manager.UnitName, "MainPID");

        await sandbox.SystemctlAsync("restart", "dbus.service");
        var status = await PollAsync(async () => (await manager.GetAsync("/status")).Status, HttpStatusCode.OK, TimeSpan.FromSeconds(20));
        var (restartStatus, _) = await manager.PostAsync("/restart");
        var (_, after) = await manager.GetAsync("/status");

        await Assert.That(status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(restartStatus).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(after.GetProperty("running").GetBoolean()).IsTrue();
        await Assert.That(await sandbox.PropertyAsync(manager.UnitName, "MainPID")).IsEqualTo(pid);
    }

    /// <summary>Asks until the answer is <paramref name="wanted"/> or the deadline passes; returns the last answer.</summary>
    static async Task<T> PollAsync<T>(Func<Task<T>> ask, T wanted, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            var answer = await ask();
            if (EqualityComparer<T>.Default.Equals(answer, wanted) || DateTime.UtcNow > until)
                return answer;
            await Task.Delay(100);
        }
    }
}
