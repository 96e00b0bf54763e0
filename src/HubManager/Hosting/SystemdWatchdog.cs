using System.Globalization;
using Microsoft.Extensions.Hosting.Systemd;

namespace HubManager.Hosting;

/// <summary>
/// Sends <c>WATCHDOG=1</c> at half of <c>WATCHDOG_USEC</c> when systemd asks for it (<c>WatchdogSec=</c>).
/// The pings come from a thread-pool timer, so a wedged pool stops them and systemd restarts us.
/// Does nothing outside systemd or when the watchdog is meant for another process (<c>WATCHDOG_PID</c>).
/// The notifier is injected as <c>SystemdLifetime</c> takes it; <c>AddSystemd</c> registers one only when systemd
/// runs us, hence the null default (the container falls back to it for a service nobody registered).
/// </summary>
public sealed class SystemdWatchdog(ILogger<SystemdWatchdog> logger, ISystemdNotifier? notifier = null) : BackgroundService
{
    /// <summary>The ping interval systemd asked for, or null when no watchdog is set for this process.</summary>
    public static TimeSpan? Interval(string? watchdogUsec, string? watchdogPid, int processId)
    {
        if (!ulong.TryParse(watchdogUsec, NumberStyles.None, CultureInfo.InvariantCulture, out var usec) || usec == 0)
            return null;
        if (watchdogPid is not null && (!int.TryParse(watchdogPid, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid != processId))
            return null;
        return TimeSpan.FromMicroseconds(usec / 2);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = Interval(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), Environment.GetEnvironmentVariable("WATCHDOG_PID"), Environment.ProcessId);
        if (notifier is not { IsEnabled: true } || interval is null)
            return;
        logger.LogInformation("Pinging the systemd watchdog every {Interval} ms", (long)interval.Value.TotalMilliseconds);
        var ping = new ServiceState("WATCHDOG=1");
        using var timer = new PeriodicTimer(interval.Value);
        do
        {
            notifier.Notify(ping);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
