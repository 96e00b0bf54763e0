using System.Text.Json;
using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Systemd;

/// <summary>
/// <c>/status</c> is served from memory (UnitStatusCache), so these check that memory never lies: a change made
/// behind the manager's back reaches it through systemd's signals, and a job the manager ran is reflected by
/// the time it answers. Timings are not asserted here (machines are noisy); <c>make bench</c> reports the
/// latency of the first case.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(UnitStatusFreshnessTests))]
public class UnitStatusFreshnessTests(HubSandbox sandbox)
{
    static ManagerUnderTest? manager;

    async Task<ManagerUnderTest> ManagerAsync()
    {
        sandbox.RequireRoot();
        return manager ??= await sandbox.StartManagerAsync();
    }

    [Test]
    public async Task A_stop_behind_the_managers_back_shows_as_not_running()
    {
        var hub = await ManagerAsync();
        await sandbox.SystemctlAsync("start", HubSandbox.HubUnit);
        var before = await PollAsync(hub, "active");

        // A direct D-Bus call, as any other client would make it; the manager learns of it only from systemd.
        var job = await sandbox.RunAsync("busctl", "call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
            "org.freedesktop.systemd1.Manager", "StopUnit", "ss", HubSandbox.HubUnit, "replace");
        // running turns false as soon as the stop begins (deactivating); the job is done once inactive.
        var after = await PollAsync(hub, "inactive");

        await Assert.That(before.GetProperty("running").GetBoolean()).IsTrue();
        await Assert.That(job.ExitCode).IsEqualTo(0).Because(job.Stderr);
        await Assert.That(after.GetProperty("running").GetBoolean()).IsFalse().Because("a stop made behind the manager's back never showed in /status");
        await Assert.That(after.GetProperty("activeState").GetString()).IsEqualTo("inactive");
        await Assert.That(after.GetProperty("mainPid").GetInt32()).IsEqualTo(0);
        await Assert.That(await sandbox.PropertyAsync(HubSandbox.HubUnit, "ActiveState")).IsEqualTo("inactive");
    }

    [Test]
    public async Task Status_never_trails_the_last_job_the_manager_finished()
    {
        var hub = await ManagerAsync();
        await sandbox.SystemctlAsync("start", HubSandbox.HubUnit);
        // Jobs are numbered: `started` counts jobs asked for, `finished` is the last answered one and the state it
        // left. A reading that began after job N was answered, with no later job asked for before it ended, must
        // show job N's state; a reading that overlaps a job may show either side and is not judged (nor is any
        // before the first job: systemctl's start above reaches the manager only by signal).
        var started = 0L;
        var finished = new Finished(-1, true);
        var judged = 0;
        var staleCount = 0;
        var stale = new List<string>();
        using var stop = new CancellationTokenSource();

        async Task HammerAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                var last = Volatile.Read(ref finished);
                var askedBefore = Interlocked.Read(ref started);
                var (_, body) = await hub.GetAsync("/status");
                if (askedBefore != last.Job || Interlocked.Read(ref started) != last.Job)
                    continue;
                Interlocked.Increment(ref judged);
                if (body.GetProperty("running").GetBoolean() != last.Running && Interlocked.Increment(ref staleCount) <= 3)
                    lock (stale)
                        stale.Add($"after job {last.Job} (running: {last.Running}) /status said {body.GetRawText()}");
            }
        }

        var hammers = Enumerable.Range(0, 4).Select(_ => Task.Run(HammerAsync)).ToArray();
        for (var i = 0; i < 10; i++)
        {
            var running = i % 2 == 0;
            var job = Interlocked.Increment(ref started);
            var (status, body) = await hub.PostAsync(running ? "/start" : "/stop");
            await Assert.That(body.GetProperty("success").GetBoolean()).IsTrue().Because($"{status} {body.GetRawText()}");
            Volatile.Write(ref finished, new Finished(job, running));
            await Task.Delay(100);
        }
        stop.Cancel();
        await Task.WhenAll(hammers);
        await hub.PostAsync("/start");

        await Assert.That(staleCount).IsEqualTo(0).Because(string.Join("; ", stale));
        await Assert.That(judged).IsGreaterThan(10).Because("too few readings fell between jobs to judge anything");
    }

    sealed record Finished(long Job, bool Running);

    /// <summary>Reads /status until <c>activeState</c> is <paramref name="activeState"/>, for at most 10 s; returns the last reading.</summary>
    static async Task<JsonElement> PollAsync(ManagerUnderTest hub, string activeState)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var (_, body) = await hub.GetAsync("/status");
            if (body.GetProperty("activeState").GetString() == activeState || DateTime.UtcNow > deadline)
                return body;
            await Task.Delay(5);
        }
    }
}
