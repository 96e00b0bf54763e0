using Microsoft.AspNetCore.Connections;

namespace HubManager.Http;

/// <summary>
/// At most <see cref="Max"/> connections at once: one more is closed as soon as it is accepted, so that a flood
/// costs a bounded number of descriptors and memory and never leaves accept(2) failing with EMFILE in a loop.
/// The flood's idle connections themselves end after <see cref="ServerLimits.KeepAliveTimeout"/>. Kestrel's
/// <c>MaxConcurrentConnections</c> would refuse the same way but log a warning per refused connection, a line
/// per attacker's packet; here a burst of refusals is one line when it starts and then a count every
/// <see cref="BurstReport.ReportEvery"/> while it lasts.
/// </summary>
public sealed class ConnectionLimit : IDisposable
{
    /// <summary>The limit when descriptors allow: well above what the hub, operators and 16 log followers use.</summary>
    public const int MostConnections = 2048;

    readonly ILogger<ConnectionLimit> logger;
    readonly BurstReport refusals;
    int open;

    public ConnectionLimit(long openFileLimit, ILogger<ConnectionLimit> logger, TimeProvider time)
    {
        this.logger = logger;
        // At most half the descriptors: the rest are for journal files, D-Bus, the NAS and the package being unpacked.
        Max = (int)Math.Clamp(openFileLimit / 2, 1, MostConnections);
        if (Max < MostConnections)
            logger.LogWarning("The open-file limit is {OpenFiles}: at most {Max} connections at once instead of {Most} (LimitNOFILE= in the unit raises it).",
                openFileLimit, Max, MostConnections);
        refusals = new BurstReport(time, refused => logger.LogWarning("Refused {Refused} connections in the last {Seconds} s: {Max} were open, the limit.",
            refused, BurstReport.ReportEvery.TotalSeconds, Max));
    }

    public int Max { get; }

    /// <summary>The connection middleware: runs <paramref name="next"/> (HTTP) within the limit, else returns at once, which closes the connection.</summary>
    public ConnectionDelegate Wrap(ConnectionDelegate next) => async connection =>
    {
        if (Interlocked.Increment(ref open) > Max)
        {
            Interlocked.Decrement(ref open);
            Refused();
            return;
        }
        try
        {
            await next(connection);
        }
        finally
        {
            Interlocked.Decrement(ref open);
        }
    };

    void Refused()
    {
        if (refusals.Count())
            logger.LogWarning("{Max} connections are open, the limit: new ones are closed at once until some end (idle ones end after {KeepAlive} s).",
                Max, ServerLimits.KeepAliveTimeout.TotalSeconds);
    }

    public void Dispose() => refusals.Dispose();
}
