using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using HubManager.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Timeout;

namespace HubManager.Updates;

/// <summary>
/// Talks to the NAS that holds release packages: a File Browser server (<c>Nas:Auth=filebrowser</c>: log in at
/// <c>/api/login</c>, send the raw JWT as <c>X-Auth</c>, reuse it until its <c>exp</c> or an
/// <c>X-Renew-Token: true</c>, log in again once on a 401, and treat File Browser's 202 on <c>/api/raw</c> as
/// "no download permission"), a plain web server with HTTP basic auth, or one with no auth.
/// Every request goes through a Microsoft.Extensions.Http.Resilience pipeline that retries network errors,
/// 408, 429, 5xx and answers whose headers take longer than <see cref="NasLimits.ReadTimeout"/>, with jittered
/// exponential backoff within a total time bound; 403 and 404 are answers, not accidents, and are never retried.
/// The small exchanges (login, checksum sidecar) are bounded whole by <see cref="NasLimits.ExchangeTimeout"/>, and
/// their bodies by <see cref="SmallBody.MaxBytes"/> as they are read, whatever their framing (a chunked body has no
/// Content-Length to refuse early). The password and the token never reach a log line or an exception.
/// </summary>
public sealed class NasClient : IDisposable
{
    /// <summary>A token this close to its <c>exp</c> is not reused: the download could outlive it.</summary>
    static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(30);

    readonly NasOptions nas;
    readonly HttpClient http;
    readonly ILogger logger;
    readonly TimeProvider time;
    readonly SemaphoreSlim loginGate = new(1, 1);
    string? token;
    DateTimeOffset tokenExpires;

    public NasClient(NasOptions nas, ILogger<NasClient> logger)
        : this(nas, logger, CreateHandler(NasRetryPolicy.Default, nas.Limits.ReadTimeout), TimeProvider.System) { }

    public NasClient(NasOptions nas, ILogger logger, HttpMessageHandler handler, TimeProvider time)
    {
        this.nas = nas;
        this.logger = logger;
        this.time = time;
        // No HttpClient.Timeout: a large package may take long; NasLimits bound each read, the small exchanges
        // whole, and the package's rate (ReleaseDownload).
        http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>
    /// The resilience pipeline around a socket handler that never follows redirects (they could carry X-Auth elsewhere).
    /// Each attempt may wait <paramref name="headersTimeout"/> for the answer's headers before it counts as failed and is retried.
    /// </summary>
    public static HttpMessageHandler CreateHandler(NasRetryPolicy policy, TimeSpan headersTimeout)
    {
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddTimeout(policy.TotalTimeout)
            .AddRetry(new HttpRetryStrategyOptions
            {
                // The default predicate: HttpRequestException, timeouts, 408, 429 and 5xx; never 403 or 404.
                MaxRetryAttempts = policy.MaxRetries,
                Delay = policy.FirstDelay,
                MaxDelay = policy.MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            })
            .AddTimeout(headersTimeout)
            .Build();
        return new ResilienceHandler(pipeline)
        {
            InnerHandler = new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                ConnectTimeout = TimeSpan.FromSeconds(15),
                AutomaticDecompression = DecompressionMethods.None,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                // An update's exchanges follow each other closely; once it ends, a daemon holds no idle socket to the NAS.
                PooledConnectionIdleTimeout = TimeSpan.FromSeconds(15),
            },
        };
    }

    /// <summary>The time bounds on the NAS (<c>Nas:ReadTimeoutSeconds</c> and the like).</summary>
    public NasLimits Limits => nas.Limits;

    /// <summary>True when <c>Nas:Url</c> is set; without it there is nowhere to update from.</summary>
    public bool Configured => nas.Url is not null;

    /// <summary>The package's URL: <c>Nas:Url</c> followed by <c>Nas:PackagePath</c> with <c>{version}</c> filled in.</summary>
    public Uri PackageUri(string version)
    {
        var baseUrl = (nas.Url ?? throw new NasException("updates are not configured: set Nas:Url")).AbsoluteUri.TrimEnd('/');
        var path = nas.PackagePath.Replace("{version}", Uri.EscapeDataString(version), StringComparison.Ordinal);
        return new Uri(baseUrl + (path.StartsWith('/') ? path : "/" + path));
    }

    /// <summary>
    /// GETs <paramref name="uri"/> (from byte <paramref name="from"/> with <c>If-Range</c> when resuming), answering
    /// once headers are in. Handles authentication (one fresh login on a 401) and refuses File Browser's 202.
    /// Other statuses are left to the caller, who knows whether a 404 is fatal (package) or fine (sidecar).
    /// </summary>
    public async Task<HttpResponseMessage> GetAsync(Uri uri, long from, string? ifRange, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            // A resume always names its range, even from byte 0 (a body that stalled before its first byte).
            if (from > 0 || ifRange is not null)
            {
                request.Headers.Range = new RangeHeaderValue(from, null);
                if (ifRange is not null)
                    request.Headers.TryAddWithoutValidation("If-Range", ifRange);
            }
            await AuthenticateAsync(request, cancellationToken).ConfigureAwait(false);
            var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.Headers.TryGetValues("X-Renew-Token", out var renew) && renew.Contains("true", StringComparer.OrdinalIgnoreCase))
                token = null; // File Browser wants a fresh token; the next request logs in again.
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                response.Dispose();
                if (nas.Auth == "filebrowser" && attempt == 0)
                {
                    logger.LogInformation("The NAS answered 401 (token expired or revoked); logging in again");
                    token = null;
                    continue;
                }
                throw new NasException($"the NAS refused the credentials for {uri.AbsolutePath} (401 Unauthorized)");
            }
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                response.Dispose();
                throw new NasException($"the NAS user '{nas.Username}' may not download {uri.AbsolutePath} (File Browser answered 202 instead of the file: no download permission)");
            }
            return response;
        }
    }

    /// <summary>
    /// The SHA-256 from <c>{package}.sha256</c> (sha256sum format: "hex  name", or a SHA256SUMS-style list),
    /// or null when the NAS has no such file.
    /// </summary>
    public async Task<string?> GetChecksumAsync(Uri packageUri, string fileName, CancellationToken cancellationToken)
    {
        var uri = new Uri(packageUri.AbsoluteUri + ".sha256");
        // Logging in is an exchange with a bound of its own; the sidecar's starts after it, so that a stalled
        // login is reported as the login.
        if (nas.Auth == "filebrowser")
            await TokenAsync(cancellationToken).ConfigureAwait(false);
        return await WithinExchangeTimeoutAsync(uri, async bounded =>
        {
            using var response = await GetAsync(uri, 0, null, bounded).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
                return null;
            EnsureSuccess(response, uri);
            var text = await SmallBody.ReadAsync(response, uri, nas.Limits.ReadTimeout, "it is not a checksum file", bounded).ConfigureAwait(false);
            return ChecksumFile.Find(text, fileName) ?? throw new NasException($"{uri.AbsolutePath} holds no SHA-256 for {fileName}");
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The release's signature, <c>{package}.sig</c> (an armored SSH signature), as text; null when the NAS has no such file.
    /// Fetched like the <c>.sha256</c> sidecar: within the exchange bound, its body bounded by <see cref="SmallBody"/>.
    /// </summary>
    public async Task<string?> GetSignatureAsync(Uri packageUri, CancellationToken cancellationToken)
    {
        var uri = new Uri(packageUri.AbsoluteUri + ".sig");
        return await WithinExchangeTimeoutAsync(uri, async bounded =>
        {
            using var response = await GetAsync(uri, 0, null, bounded).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
                return null;
            EnsureSuccess(response, uri);
            return await SmallBody.ReadAsync(response, uri, nas.Limits.ReadTimeout, "it is not a signature", bounded).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a request, answering once headers are in; the headers' wait is bounded by the pipeline.</summary>
    async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException timeout)
        {
            throw new NasException($"the NAS did not answer {request.RequestUri?.AbsolutePath} (no response headers within {timeout.Timeout.TotalSeconds:0} s, even after retries)");
        }
    }

    /// <summary>Runs a small exchange (login, sidecar), retries included, within <see cref="NasLimits.ExchangeTimeout"/>.</summary>
    async Task<T> WithinExchangeTimeoutAsync<T>(Uri uri, Func<CancellationToken, Task<T>> exchange, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(nas.Limits.ExchangeTimeout);
        try
        {
            return await exchange(bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (bounded.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new NasException($"the NAS took longer than {nas.Limits.ExchangeTimeout.TotalSeconds:0} s over {uri.AbsolutePath} (Nas:ExchangeTimeoutSeconds)");
        }
    }

    /// <summary>Throws a <see cref="NasException"/> naming the status for anything but 200/206.</summary>
    public static void EnsureSuccess(HttpResponseMessage response, Uri uri)
    {
        if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.PartialContent)
            return;
        var status = (int)response.StatusCode;
        throw response.StatusCode switch
        {
            HttpStatusCode.NotFound => new NasException($"{uri.AbsolutePath} is not on the NAS (404 Not Found)"),
            HttpStatusCode.Forbidden => new NasException($"the NAS refused access to {uri.AbsolutePath} (403 Forbidden)"),
            _ => new NasException($"the NAS answered {status} {Excerpt.Of(response.ReasonPhrase ?? "")} for {uri.AbsolutePath}"),
        };
    }

    async Task AuthenticateAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        switch (nas.Auth)
        {
            case "none":
                return;
            case "basic":
                var pair = Encoding.UTF8.GetBytes($"{RequireUsername()}:{NasPassword.Read(nas)}");
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(pair));
                return;
            default:
                request.Headers.TryAddWithoutValidation("X-Auth", await TokenAsync(cancellationToken).ConfigureAwait(false));
                return;
        }
    }

    async Task<string> TokenAsync(CancellationToken cancellationToken)
    {
        if (token is { } current && time.GetUtcNow() < tokenExpires - ExpiryMargin)
            return current;
        await loginGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (token is { } other && time.GetUtcNow() < tokenExpires - ExpiryMargin)
                return other;
            var fresh = await LoginAsync(cancellationToken).ConfigureAwait(false);
            tokenExpires = Jwt.Expiry(fresh) ?? DateTimeOffset.MaxValue;
            return token = fresh;
        }
        finally
        {
            loginGate.Release();
        }
    }

    Task<string> LoginAsync(CancellationToken cancellationToken)
    {
        var uri = new Uri(nas.Url!.AbsoluteUri.TrimEnd('/') + "/api/login");
        return WithinExchangeTimeoutAsync(uri, bounded => LoginOnceAsync(uri, bounded), cancellationToken);
    }

    async Task<string> LoginOnceAsync(Uri uri, CancellationToken cancellationToken)
    {
        var body = new MemoryStream();
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteString("username", RequireUsername());
            json.WriteString("password", NasPassword.Read(nas));
            json.WriteString("recaptcha", "");
            json.WriteEndObject();
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new ByteArrayContent(body.ToArray()) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Forbidden)
            throw new NasException($"the NAS refused the login of '{nas.Username}' (403: wrong username or password)");
        if (!response.IsSuccessStatusCode)
            throw new NasException($"the NAS login at {uri.AbsolutePath} answered {(int)response.StatusCode} {Excerpt.Of(response.ReasonPhrase ?? "")}");
        // File Browser answers the bare JWT as text/plain; some versions quote it.
        var jwt = (await SmallBody.ReadAsync(response, uri, nas.Limits.ReadTimeout, "that is not a token", cancellationToken).ConfigureAwait(false)).Trim().Trim('"').Trim();
        if (jwt.Length == 0 || jwt.Any(c => c <= ' ' || c > '~'))
            throw new NasException($"the NAS login at {uri.AbsolutePath} did not answer a token");
        logger.LogInformation("Logged in to the NAS at {Url} as {User}", nas.Url, nas.Username);
        return jwt;
    }

    string RequireUsername() =>
        string.IsNullOrEmpty(nas.Username) ? throw new NasException($"Nas:Username is required for Nas:Auth={nas.Auth}") : nas.Username;

    public void Dispose() => http.Dispose();
}
