using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using HubManager.Http;
using HubManager.Tests.Journal;
using HubManager.Tests.Sandbox;
using static HubManager.Tests.Journal.SandboxJournal;

namespace HubManager.Tests.Http;

/// <summary>
/// Any local account opening idle TCP connections (not a byte sent) against the shipped binary in a real systemd:
/// under the packaged unit's LimitNOFILE= and system-call filter 1,100 of them are all held while /status answers
/// and the CPU idles; where descriptors are short the excess is closed at once and counted in a few journal lines,
/// and the held ones end after the idle timeout. A log stream and a slow start job outlive those timeouts.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(ConnectionFloodTests))]
public class ConnectionFloodTests(HubSandbox sandbox)
{
    const int Flood = 1100;

    /// <summary>Generous: an idle manager uses next to nothing; one spinning on accept(2) uses a whole core.</summary>
    static readonly TimeSpan IdleCpu = TimeSpan.FromSeconds(0.5);
    static readonly TimeSpan CpuWindow = TimeSpan.FromSeconds(3);

    [Test]
    public async Task Under_the_packaged_limits_1100_idle_connections_are_held_while_status_answers_and_the_cpu_idles()
    {
        sandbox.RequireRoot();
        var manager = await sandbox.StartManagerAsync(serviceSettings: PackagedLimits());
        var pid = await sandbox.PropertyAsync(manager.UnitName, "MainPID");
        var baseline = await BaselineFdsAsync(manager, pid);

        var flood = await OpenIdleAsync(manager.Port, Flood);
        TimeSpan statusTook, cpu;
        HttpStatusCode status;
        try
        {
            await EventuallyAsync(async () => await OpenFdsAsync(pid) >= baseline + Flood, "all connections accepted and held");
            (status, statusTook) = await StatusAsync(manager);
            cpu = await CpuOverAsync(pid, CpuWindow);
        }
        finally
        {
            Close(flood);
        }
        await EventuallyAsync(async () => await OpenFdsAsync(pid) <= baseline, "descriptors back to the baseline once the clients closed");
        var (soft, hard) = await OpenFileLimitAsync(pid);
        var log = await sandbox.JournalctlAsync(manager.UnitName, "-o", "cat");

        await Assert.That(status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(statusTook).IsLessThan(TimeSpan.FromSeconds(1));
        await Assert.That(cpu).IsLessThan(IdleCpu);
        // LimitNOFILE=65536, or as close as systemd may go (a container's hard limit can be lower), soft = hard:
        // enough for the whole connection limit, so the manager does not lower it (nor say so).
        await Assert.That(soft).IsEqualTo(hard).And.IsGreaterThanOrEqualTo(2 * ConnectionLimit.MostConnections);
        await Assert.That(log).DoesNotContain(nameof(ConnectionLimit));
    }

    [Test]
    public async Task At_1024_descriptors_the_excess_is_closed_and_counted_in_a_few_lines_and_idle_ones_time_out()
    {
        sandbox.RequireRoot();
        // The filed attack: systemd's soft default of 1024, which the manager cannot raise here (hard = soft).
        var manager = await sandbox.StartManagerAsync(serviceSettings: "LimitNOFILE=1024");
        var pid = await sandbox.PropertyAsync(manager.UnitName, "MainPID");
        var baseline = await BaselineFdsAsync(manager, pid);
        const int limit = 512; // half the descriptors

        var flood = await OpenIdleAsync(manager.Port, Flood);
        int held;
        TimeSpan cpu;
        string log;
        try
        {
            await EventuallyAsync(async () => await OpenFdsAsync(pid) >= baseline + limit, "the limit's worth of connections held");
            cpu = await CpuOverAsync(pid, CpuWindow);
            held = await OpenFdsAsync(pid) - baseline;
            // The flood's connections end after the keep-alive timeout although its client keeps them open.
            await EventuallyAsync(async () => (await StatusAsync(manager)).Status == HttpStatusCode.OK, "/status answers again");
            await EventuallyAsync(async () => await OpenFdsAsync(pid) <= baseline, "idle connections closed by the manager");
            await EventuallyAsync(async () => (await sandbox.JournalctlAsync(manager.UnitName, "-o", "cat")).Contains("Refused "), "the refusals counted");
            log = await sandbox.JournalctlAsync(manager.UnitName, "-o", "cat");
        }
        finally
        {
            Close(flood);
        }
        var lines = Lines(log).Where(l => l.Contains(nameof(ConnectionLimit))).ToArray();
        var refused = lines.Select(l => System.Text.RegularExpressions.Regex.Match(l, @"Refused (\d+) connections")).Where(m => m.Success).Sum(m => int.Parse(m.Groups[1].Value));

        await Assert.That(held).IsEqualTo(limit);
        await Assert.That(cpu).IsLessThan(IdleCpu);
        await Assert.That(refused).IsGreaterThanOrEqualTo(Flood - limit);
        await Assert.That(lines.Length).IsLessThanOrEqualTo(4).Because(string.Join('\n', lines));
        await Assert.That(lines[0]).Contains("open-file limit is 1024: at most 512 connections");
        await Assert.That(lines).Contains(l => l.Contains("512 connections are open, the limit"));
    }

    [Test]
    public async Task Without_LimitNOFILE_the_manager_raises_its_soft_limit_to_the_hard_one()
    {
        sandbox.RequireRoot();
        var manager = await sandbox.StartManagerAsync(serviceSettings: "LimitNOFILE=1024:8192");
        var pid = await sandbox.PropertyAsync(manager.UnitName, "MainPID");

        var limits = await OpenFileLimitAsync(pid);
        var log = await sandbox.JournalctlAsync(manager.UnitName, "-o", "cat");

        await Assert.That(limits).IsEqualTo((8192L, 8192L));
        await Assert.That(log).DoesNotContain(nameof(ConnectionLimit));
    }

    [Test]
    public async Task A_log_stream_and_a_slow_start_job_outlive_the_idle_and_header_timeouts()
    {
        sandbox.RequireRoot();
        var outlive = ServerLimits.KeepAliveTimeout + ServerLimits.RequestHeadersTimeout;
        var hub = await sandbox.DefaultManagerAsync();
        await sandbox.SystemctlAsync("start", HubSandbox.HubUnit);
        await sandbox.WriteUnitAsync("slow-start.service", $"""
            [Service]
            ExecStartPre=/bin/sleep {outlive.TotalSeconds + 2}
            ExecStart=/bin/sleep infinity
            """);
        var slow = await sandbox.StartManagerAsync(unit: "slow-start.service");

        await using var stream = await EventStream.OpenAsync(new Uri(hub.BaseAddress, "/logs?follow=true&lines=1"));
        var clock = Stopwatch.StartNew();
        var starting = slow.PostAsync("/start");
        ServerSentEvent? last;
        do
            last = await stream.ReadAsync(Patience); // the stand-in hub logs every second
        while (last is not null && clock.Elapsed < outlive);
        var (startStatus, started) = await starting;
        var took = clock.Elapsed;
        await sandbox.SystemctlAsync("stop", "slow-start.service");

        await Assert.That(last).IsNotNull();
        await Assert.That(startStatus).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(started.GetRawText()).IsEqualTo("""{"success":true}""");
        await Assert.That(took).IsGreaterThan(outlive);
    }

    /// <summary>The packaged unit's descriptor limit and system-call filter (which refuses setrlimit), as test-unit settings.</summary>
    static string PackagedLimits() =>
        string.Join('\n', File.ReadAllLines(Path.Combine(Repository.Root, "packaging", "ai-hub-manager.service"))
            .Where(line => line.StartsWith("LimitNOFILE=") || line.StartsWith("SystemCall")));

    static async Task<List<Socket>> OpenIdleAsync(int port, int count)
    {
        var sockets = new List<Socket>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                await socket.ConnectAsync(IPAddress.Loopback, port);
            }
            return sockets;
        }
        catch
        {
            Close(sockets);
            throw;
        }
    }

    static void Close(List<Socket> sockets)
    {
        foreach (var socket in sockets)
            socket.Dispose();
    }

    /// <summary>GET /status on a new connection, given a second; the status, or 0 when it did not answer.</summary>
    static async Task<(HttpStatusCode Status, TimeSpan Took)> StatusAsync(ManagerUnderTest manager)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await client.GetAsync(new Uri(manager.BaseAddress, "/status"));
            return (response.StatusCode, clock.Elapsed);
        }
        catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException)
        {
            return (0, clock.Elapsed);
        }
    }

    async Task<int> OpenFdsAsync(string pid) =>
        Lines((await sandbox.RunAsync("ls", $"/proc/{pid}/fd")).EnsureSuccess("ls fd").Stdout).Length;

    /// <summary>The manager's descriptors once it has opened what it opens on first use (D-Bus) and holds no connection.</summary>
    async Task<int> BaselineFdsAsync(ManagerUnderTest manager, string pid)
    {
        await StatusAsync(manager);
        await EventuallyAsync(() => Task.FromResult(ConnectionsTo(manager.Port) == 0), "no connection to the manager");
        return await OpenFdsAsync(pid);
    }

    /// <summary>Established TCP connections whose local end is <paramref name="port"/> (the manager's side; the sandbox shares this network).</summary>
    static int ConnectionsTo(int port) =>
        File.ReadLines("/proc/net/tcp").Skip(1).Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(fields => fields[1].EndsWith($":{port:X4}") && fields[3] == "01");

    /// <summary>"Max open files" of /proc/PID/limits: the soft and the hard limit.</summary>
    async Task<(long Soft, long Hard)> OpenFileLimitAsync(string pid)
    {
        var limits = (await sandbox.RunAsync("cat", $"/proc/{pid}/limits")).EnsureSuccess("cat limits").Stdout;
        var fields = Lines(limits).Single(line => line.StartsWith("Max open files"))["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(fields[0]), long.Parse(fields[1]));
    }

    /// <summary>The CPU time (user + system) the process uses over <paramref name="window"/>.</summary>
    async Task<TimeSpan> CpuOverAsync(string pid, TimeSpan window)
    {
        var before = await CpuTicksAsync(pid);
        await Task.Delay(window);
        return TimeSpan.FromSeconds((await CpuTicksAsync(pid) - before) / 100.0); // USER_HZ
    }

    async Task<long> CpuTicksAsync(string pid)
    {
        var stat = (await sandbox.RunAsync("cat", $"/proc/{pid}/stat")).EnsureSuccess("cat stat").Stdout;
        // After "(comm)": state is field 3, utime 14 and stime 15 of proc(5).
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11]) + long.Parse(fields[12]);
    }
}
