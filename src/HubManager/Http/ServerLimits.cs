using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace HubManager.Http;

/// <summary>
/// Every bound Kestrel puts on a caller, in one place. None comes near what the hub, an operator's curl or a log
/// follower needs; together they keep a local account from holding the manager's descriptors, memory or CPU with
/// connections that send nothing, or too much, or too slowly. Beyond them Kestrel answers itself (414, 431, 408)
/// or closes the connection; a body it refuses while the router reads it is answered by the router (413, 408).
/// Nothing bounds how long a request runs once it has arrived: a <c>/logs?follow=true</c> stream or a
/// <c>POST /start</c> waiting for systemd is never cut.
/// </summary>
public static class ServerLimits
{
    public const int MaxRequestLineBytes = 8 * 1024;
    public const int MaxRequestHeadersBytes = 16 * 1024;

    /// <summary>A connection that has not sent a byte of its first request, or is idle between requests, is closed after this.</summary>
    public static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A request line and headers must be complete this long after their first byte, else Kestrel answers 408.</summary>
    public static readonly TimeSpan RequestHeadersTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A body that averages less than this once the grace period is over ends with 408 (Kestrel's default, stated).</summary>
    public static readonly MinDataRate MinRequestBodyDataRate = new(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));

    public static void Apply(KestrelServerOptions kestrel, IPEndPoint listen, ConnectionLimit connections)
    {
        kestrel.AddServerHeader = false;
        var limits = kestrel.Limits;
        limits.MaxRequestLineSize = MaxRequestLineBytes;
        limits.MaxRequestHeadersTotalSize = MaxRequestHeadersBytes;
        limits.MaxRequestBodySize = RequestGuard.MaxBodyBytes;
        limits.MinRequestBodyDataRate = MinRequestBodyDataRate;
        limits.KeepAliveTimeout = KeepAliveTimeout;
        limits.RequestHeadersTimeout = RequestHeadersTimeout;
        kestrel.Listen(listen, endpoint => endpoint.Use(connections.Wrap));
    }
}
