namespace HubManager.Http;

/// <summary>
/// <c>hub_manager_http_requests_total</c>: answered requests by route and status code since the manager started.
/// A route is one of the router's exact paths, or <see cref="OtherRoute"/> for every path it does not know, so a
/// scanner cannot grow the label set. Each route keeps up to <see cref="CodesPerRoute"/> status codes, claimed as they
/// first occur (more than any route answers with); a further one would be counted as <see cref="OtherCode"/>.
/// Counting takes no lock and allocates nothing; the table is a few KiB for the whole API.
/// </summary>
public sealed class RequestCounts
{
    public const int CodesPerRoute = 15;
    /// <summary>The claimable slots and the overflow slot of one route.</summary>
    public const int SlotsPerRoute = CodesPerRoute + 1;
    public const string OtherRoute = "other";
    /// <summary>Stands for the codes that found every slot of their route taken (the route's last slot).</summary>
    public const int OtherCode = -1;

    readonly string[] routes;
    // Slot (route * SlotsPerRoute + n): the status code it counts (0 while unclaimed) and its count.
    readonly int[] codes;
    readonly long[] counts;

    public RequestCounts(IEnumerable<string> paths)
    {
        routes = [.. paths, OtherRoute];
        codes = new int[routes.Length * SlotsPerRoute];
        counts = new long[codes.Length];
    }

    /// <summary>How many routes there are, <see cref="OtherRoute"/> (the last) included.</summary>
    public int Routes => routes.Length;

    /// <summary>The index of <see cref="OtherRoute"/>.</summary>
    public int Other => routes.Length - 1;

    public string Route(int route) => routes[route];

    /// <summary>Counts one answered request.</summary>
    public void Count(int route, int code)
    {
        var first = route * SlotsPerRoute;
        var overflow = first + CodesPerRoute;
        var slot = first;
        // Slots are claimed left to right, so a code's slot comes before the first free one.
        for (; slot < overflow; slot++)
        {
            var claimed = Volatile.Read(ref codes[slot]);
            if (claimed == 0 && (claimed = Interlocked.CompareExchange(ref codes[slot], code, 0)) == 0)
                claimed = code;
            if (claimed == code)
                break;
        }
        Interlocked.Increment(ref counts[slot]);
    }

    /// <summary>
    /// Slot <paramref name="n"/> (below <see cref="SlotsPerRoute"/>) of a route: the code it counts (the last slot:
    /// <see cref="OtherCode"/>) and its count; false when the slot has counted nothing.
    /// </summary>
    public bool TryGet(int route, int n, out int code, out long count)
    {
        var slot = route * SlotsPerRoute + n;
        (code, count) = n switch
        {
            < CodesPerRoute => (Volatile.Read(ref codes[slot]), Volatile.Read(ref counts[slot])),
            CodesPerRoute => (OtherCode, Volatile.Read(ref counts[slot])),
            _ => (0, 0),
        };
        return code != 0 && count > 0;
    }
}
