namespace HubManager.Http;

/// <summary>
/// Turns a burst of like events (refused connections, refused requests) into a few journal lines instead of one
/// per event, which an attacker would otherwise write at will: the caller logs the first event of a burst itself
/// (<see cref="Count"/> says which one that is), then the report gets the number counted, every
/// <see cref="ReportEvery"/> while the burst lasts; the first quiet period ends the burst.
/// </summary>
public sealed class BurstReport(TimeProvider time, Action<long> report) : IDisposable
{
    public static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(10);

    readonly Lock gate = new();
    long countedSinceReport;
    ITimer? reporting; // set while a burst lasts

    /// <summary>Counts one event; true when it opens a burst, and so deserves its own line.</summary>
    public bool Count()
    {
        lock (gate)
        {
            countedSinceReport++;
            if (reporting is not null)
                return false;
            reporting = time.CreateTimer(_ => Report(), null, ReportEvery, ReportEvery);
            return true;
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            reporting?.Dispose();
            reporting = null;
        }
    }

    void Report()
    {
        long counted;
        lock (gate)
        {
            counted = countedSinceReport;
            countedSinceReport = 0;
            if (counted == 0 || reporting is null) // quiet, or disposed: the burst is over
            {
                reporting?.Dispose();
                reporting = null;
                return;
            }
        }
        report(counted);
    }
}
