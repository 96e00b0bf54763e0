using System.Security.Cryptography;
using System.Text;
using HubManager.Hosting;

namespace HubManager.Http;

/// <summary>
/// Refuses what a local browser (DNS rebinding, cross-site POSTs) or an SSRF bug in the hub could send
/// to a root daemon on loopback, and, when an API token is configured, anything without it.
/// <c>curl</c> over SSH passes unchanged: it sends a loopback Host, no Origin and no Sec-Fetch-Site.
/// </summary>
public sealed class RequestGuard(HubManagerOptions options)
{
    /// <summary>No request body the API takes comes near this.</summary>
    public const long MaxBodyBytes = 64 * 1024;

    /// <summary>The answer to a body over <see cref="MaxBodyBytes"/>, whether its Content-Length says so or Kestrel counts it.</summary>
    public static readonly ErrorResponse TooLarge = new("Payload too large", $"Request bodies are limited to {MaxBodyBytes / 1024} KiB.");

    readonly byte[]? tokenHash = options.ApiToken is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(options.ApiToken));

    /// <summary>Null when the request may proceed; otherwise the status and the sentence to refuse it with.</summary>
    public (int Status, ErrorResponse Error)? Check(HttpRequest request)
    {
        var headers = request.Headers;
        if (tokenHash is not null)
        {
            if (!HasToken(headers.Authorization.ToString()))
                return (StatusCodes.Status401Unauthorized, new ErrorResponse("Unauthorized", "This manager requires 'Authorization: Bearer <token>' (its ApiToken)."));
        }
        // With a token, the Host is whatever name the operator's network gives this machine; the
        // token already proves the caller is no browser. Without one, only loopback names are ours.
        else if (request.Host.HasValue && !IsLoopbackName(request.Host.Host))
        {
            return (StatusCodes.Status421MisdirectedRequest, new ErrorResponse("Misdirected request",
                $"This manager answers only to localhost, 127.0.0.1 or [::1], not to Host '{request.Host.Host}'."));
        }
        var origin = headers.Origin.ToString();
        if (origin.Length > 0 && !(Uri.TryCreate(origin, UriKind.Absolute, out var originUri) && IsLoopbackName(originUri.Host)))
            return (StatusCodes.Status403Forbidden, new ErrorResponse("Forbidden", $"Requests from web pages ({origin}) are refused."));
        if (string.Equals(headers["Sec-Fetch-Site"].ToString(), "cross-site", StringComparison.OrdinalIgnoreCase))
            return (StatusCodes.Status403Forbidden, new ErrorResponse("Forbidden", "Cross-site requests are refused."));
        if (request.ContentLength > MaxBodyBytes)
            return (StatusCodes.Status413PayloadTooLarge, TooLarge);
        var hasBody = request.ContentLength > 0 || headers.TransferEncoding.Count > 0;
        if (hasBody && !IsJson(request.ContentType))
            return (StatusCodes.Status415UnsupportedMediaType, new ErrorResponse("Unsupported media type",
                $"Request bodies must be application/json, not '{request.ContentType ?? "none"}'."));
        return null;
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

    static bool IsLoopbackName(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host is "127.0.0.1" or "[::1]" or "::1";

    static bool IsJson(string? contentType) =>
        contentType is not null && contentType.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase);
}
