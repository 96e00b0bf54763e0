using System.Net;

namespace HubManager.Http;

/// <summary>
/// The journal's account of requests refused for who sent them (401, 403, 421): the first of a burst is a line
/// with the peer and the reason, then a count every <see cref="BurstReport.ReportEvery"/> while they go on, so a
/// scanner on the LAN costs a few lines, not one per request. The peer address is the only thing quoted:
/// Host and Origin are the caller's words, and stay out of the journal.
/// </summary>
public sealed class RequestRefusals : IDisposable
{
    readonly ILogger<RequestRefusals> logger;
    readonly BurstReport burst;
    volatile string last = "";

    public RequestRefusals(ILogger<RequestRefusals> logger, TimeProvider time)
    {
        this.logger = logger;
        burst = new BurstReport(time, refused => logger.LogWarning("Refused {Refused} requests in the last {Seconds} s; the last {Last}.",
            refused, BurstReport.ReportEvery.TotalSeconds, last));
    }

    /// <summary>Notes one refusal; <paramref name="reason"/> is the manager's own words, never the caller's.</summary>
    public void Note(IPAddress? peer, int status, string reason)
    {
        last = $"from {peer?.ToString() ?? "an unknown peer"} ({status}: {reason})";
        if (burst.Count())
            logger.LogWarning("Refused a request {Refusal}; further refusals are counted every {Seconds} s.", last, BurstReport.ReportEvery.TotalSeconds);
    }

    public void Dispose() => burst.Dispose();
}
