using System.Net;
using System.Security.Cryptography;
using System.Text;
using HubManager.Hosting;
using Microsoft.AspNetCore.Http.Features;

namespace HubManager.Http;

/// <summary>
/// Decides who gets in, and refuses what a local browser (DNS rebinding, cross-site POSTs) or an SSRF bug in the
/// hub could send to a root daemon. A request gets in with the API token (when one is configured), or without
/// it from a peer in <c>AllowFrom</c>, or from loopback when no token is configured; without the token its Host
/// must name this machine (421 otherwise, so a rebound DNS name is refused). Any other peer gets 401 when a token
/// is configured, else 403. <c>curl</c> over SSH and the hub's axios pass unchanged: they send this machine's
/// address or a loopback name as Host, no Origin and no Sec-Fetch-Site.
/// </summary>
public sealed class RequestGuard(HubManagerOptions options, RequestRefusals refusals)
{
    /// <summary>No request body the API takes comes near this.</summary>
    public const long MaxBodyBytes = 64 * 1024;

    /// <summary>The answer to a body over <see cref="MaxBodyBytes"/>, whether its Content-Length says so or Kestrel counts it.</summary>
    public static readonly ErrorResponse TooLarge = new("Payload too large", $"Request bodies are limited to {MaxBodyBytes / 1024} KiB.");

    const string NeedsToken = "This manager requires 'Authorization: Bearer <token>' (its ApiToken).";

    readonly byte[]? tokenHash = options.ApiToken is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(options.ApiToken));
    readonly string[] hostNames = HostNames();

    /// <summary>Null when the request may proceed; otherwise the status and the sentence to refuse it with.</summary>
    public (int Status, ErrorResponse Error)? Check(HttpRequest request)
    {
        var headers = request.Headers;
        var connection = request.HttpContext.Features.Get<IHttpConnectionFeature>();
        var peer = Unmapped(connection?.RemoteIpAddress);
        var authorization = headers.Authorization.ToString();
        var byToken = tokenHash is not null && authorization.Length > 0;
        if (byToken ? !HasToken(authorization) : !MayCallWithoutToken(peer))
        {
            return tokenHash is not null
                ? Refuse(peer, StatusCodes.Status401Unauthorized, "Unauthorized", NeedsToken, byToken ? "wrong token" : "no token")
                : Refuse(peer, StatusCodes.Status403Forbidden, "Forbidden",
                    $"Requests from {peer} are refused: it is not in this manager's AllowFrom.", "not in AllowFrom");
        }
        // With the token, the Host is whatever name the operator's network gives this machine; the token already
        // proves the caller is no browser.
        if (!byToken && request.Host.HasValue && !IsOwnName(request.Host.Host, connection?.LocalIpAddress))
        {
            return Refuse(peer, StatusCodes.Status421MisdirectedRequest, "Misdirected request",
                $"This manager answers only to its own names (localhost, {string.Join(", ", hostNames)}, or the address you connected to), not to Host '{request.Host.Host}'.",
                "Host names another machine");
        }
        var origin = headers.Origin.ToString();
        if (origin.Length > 0 && !(Uri.TryCreate(origin, UriKind.Absolute, out var originUri) && IsOwnName(originUri.Host, connection?.LocalIpAddress)))
            return Refuse(peer, StatusCodes.Status403Forbidden, "Forbidden", $"Requests from web pages ({origin}) are refused.", "from a web page");
        if (string.Equals(headers["Sec-Fetch-Site"].ToString(), "cross-site", StringComparison.OrdinalIgnoreCase))
            return Refuse(peer, StatusCodes.Status403Forbidden, "Forbidden", "Cross-site requests are refused.", "cross-site");
        if (request.ContentLength > MaxBodyBytes)
            return (StatusCodes.Status413PayloadTooLarge, TooLarge);
        var hasBody = request.ContentLength > 0 || headers.TransferEncoding.Count > 0;
        if (hasBody && !IsJson(request.ContentType))
            return (StatusCodes.Status415UnsupportedMediaType, new ErrorResponse("Unsupported media type",
                $"Request bodies must be application/json, not '{request.ContentType ?? "none"}'."));
        return null;
    }

    /// <summary>
    /// The caller's address as the operator writes it: an IPv4 caller of a dual-stack socket (<c>[::]:3081</c>) arrives
    /// as <c>::ffff:a.b.c.d</c>. Read from Kestrel's connection feature rather than <c>HttpContext.Connection</c>, whose
    /// wrapper the binary would otherwise carry only for this.
    /// </summary>
    public static IPAddress? Peer(HttpContext context) => Unmapped(context.Features.Get<IHttpConnectionFeature>()?.RemoteIpAddress);

    static IPAddress? Unmapped(IPAddress? address) => address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;

    (int Status, ErrorResponse Error) Refuse(IPAddress? peer, int status, string label, string sentence, string reason)
    {
        refusals.Note(peer, status, reason);
        return (status, new ErrorResponse(label, sentence));
    }

    bool MayCallWithoutToken(IPAddress? peer)
    {
        if (peer is null)
            return false;
        foreach (var range in options.AllowFrom)
        {
            if (range.Contains(peer))
                return true;
        }
        // Loopback is today's tokenless caller; a configured token is required of it too, unless AllowFrom lists it.
        return tokenHash is null && IPAddress.IsLoopback(peer);
    }

    bool HasToken(string authorization)
    {
        const string scheme = "Bearer ";
        if (!authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return false;
        // Hashing first gives equal lengths, so the comparison's time says nothing about the token.
        var offered = SHA256.HashData(Encoding.UTF8.GetBytes(authorization[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(offered, tokenHash);
    }

    /// <summary>
    /// True when <paramref name="host"/> (a Host or Origin's host) names this machine: a loopback name, its host
    /// name, or the address the caller connected to, which is this machine's and is exactly what the hub's axios
    /// sends. A DNS name an attacker controls is none of these, however it resolves.
    /// </summary>
    bool IsOwnName(string host, IPAddress? local)
    {
        if (IsLoopbackName(host))
            return true;
        foreach (var name in hostNames)
        {
            if (host.Equals(name, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        var literal = host.AsSpan();
        if (literal.Length > 2 && literal[0] == '[' && literal[^1] == ']')
            literal = literal[1..^1];
        return local is not null && IPAddress.TryParse(literal, out var address) && Unmapped(address)!.Equals(Unmapped(local));
    }

    static bool IsLoopbackName(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host is "127.0.0.1" or "[::1]" or "::1";

    /// <summary>
    /// gethostname(), and its first label when it has a domain. Read once: the packaged unit has ProtectHostname=yes,
    /// so the manager would not see a later change anyway.
    /// </summary>
    static string[] HostNames()
    {
        var name = Dns.GetHostName();
        var dot = name.IndexOf('.');
        return name.Length == 0 ? [] : dot > 0 ? [name, name[..dot]] : [name];
    }

    static bool IsJson(string? contentType) =>
        contentType is not null && contentType.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase);
}
