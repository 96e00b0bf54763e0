using HubManager.Hosting;

namespace HubManager.Tests.Hosting;

public class SystemdWatchdogTests
{
    [Test]
    [Arguments("2000000", null, 42, 1000)]
    [Arguments("2000000", "42", 42, 1000)]
    [Arguments("2000000", "7", 42, -1)]
    [Arguments("0", null, 42, -1)]
    [Arguments(null, null, 42, -1)]
    [Arguments("junk", null, 42, -1)]
    public async Task Pings_at_half_the_watchdog_period_and_only_for_this_process(string? usec, string? pid, int self, int expectedMs)
    {
        var interval = SystemdWatchdog.Interval(usec, pid, self);

        await Assert.That(interval?.TotalMilliseconds ?? -1).IsEqualTo(expectedMs);
    }
}
