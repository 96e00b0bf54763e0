using System.Collections.Frozen;
using System.Text.Json.Serialization.Metadata;
using HubManager.Systemd;

namespace HubManager.Http;

/// <summary>
/// The whole HTTP surface: an exact-path table instead of ASP.NET routing, so that the pipeline stays
/// one dictionary look-up and every refusal (404, 405, a body Kestrel refused, systemd unreachable) is a JSON sentence.
/// Every GET path answers HEAD too.
/// </summary>
public sealed class ApiRouter(RequestGuard guard, ILogger<ApiRouter> logger)
{
    readonly Dictionary<string, Dictionary<string, RequestDelegate>> building = new(StringComparer.Ordinal);
    Table? routes;

    // Plain classes, not records: a record's generated equality and printing would be dead code in the binary.
    /// <summary>A path's handlers by method, and its row in <see cref="RequestCounts"/>.</summary>
    sealed class Route(int index, FrozenDictionary<string, RequestDelegate> byMethod)
    {
        public int Index { get; } = index;
        public FrozenDictionary<string, RequestDelegate> ByMethod { get; } = byMethod;
    }

    sealed class Table(FrozenDictionary<string, Route> paths, RequestCounts requests)
    {
        public FrozenDictionary<string, Route> Paths { get; } = paths;
        public RequestCounts Requests { get; } = requests;
    }

    /// <summary>Answered requests by route and status code (<c>/metrics</c>); closes mapping.</summary>
    public RequestCounts Requests => (Volatile.Read(ref routes) ?? Close()).Requests;

    public ApiRouter Map(string method, string path, RequestDelegate handler)
    {
        if (!building.TryGetValue(path, out var byMethod))
            building[path] = byMethod = new(StringComparer.Ordinal);
        byMethod[method] = handler;
        // HEAD is GET without the body: Kestrel sends the headers the handler sets and drops what it writes.
        if (method == HttpMethods.Get)
            byMethod.TryAdd(HttpMethods.Head, handler);
        return this;
    }

    /// <summary>Handles one request and counts its answer; mapping is closed by the first request.</summary>
    public async Task DispatchAsync(HttpContext context)
    {
        var table = Volatile.Read(ref routes) ?? Close();
        var request = context.Request;
        table.Paths.TryGetValue(request.Path.Value ?? "/", out var route);
        try
        {
            if (guard.Check(request) is { } refusal)
            {
                if (refusal.Status == StatusCodes.Status401Unauthorized)
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                await WriteAsync(context, refusal.Status, refusal.Error, ApiJson.Api.ErrorResponse);
                return;
            }
            if (route is null)
            {
                await WriteAsync(context, StatusCodes.Status404NotFound, new ErrorResponse("Not found",
                    $"There is no {request.Path} here. Endpoints: {string.Join(", ", table.Paths.Keys.Order())}."), ApiJson.Api.ErrorResponse);
                return;
            }
            if (!route.ByMethod.TryGetValue(request.Method, out var handler))
            {
                var allowed = string.Join(", ", route.ByMethod.Keys.Order());
                context.Response.Headers.Allow = allowed;
                await WriteAsync(context, StatusCodes.Status405MethodNotAllowed, new ErrorResponse("Method not allowed",
                    $"{request.Path} takes {allowed}, not {request.Method}."), ApiJson.Api.ErrorResponse);
                return;
            }
            await handler(context);
        }
        catch (SystemdUnavailableException unavailable)
        {
            logger.LogWarning("{Method} {Path}: {Reason}", request.Method, request.Path, unavailable.Message);
            await WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                new ControlResponse(false, unavailable.Message), ApiJson.Api.ControlResponse);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller hung up; there is no one to answer.
        }
        catch (BadHttpRequestException refused) when (!context.Response.HasStarted)
        {
            // Kestrel refused the body while a handler read it (ServerLimits): the caller's doing, answered like
            // every other refusal, with Kestrel's status and a sentence, and not logged.
            await WriteAsync(context, refused.StatusCode, BodyRefusal(refused), ApiJson.Api.ErrorResponse);
        }
        catch (Exception failure) when (!context.Response.HasStarted)
        {
            logger.LogError(failure, "{Method} {Path} failed", request.Method, request.Path);
            await WriteAsync(context, StatusCodes.Status500InternalServerError,
                new ErrorResponse("Internal error", $"The manager failed to handle {request.Method} {request.Path}: {failure.Message}"), ApiJson.Api.ErrorResponse);
        }
        finally
        {
            table.Requests.Count(route?.Index ?? table.Requests.Other, context.Response.StatusCode);
        }
    }

    /// <summary>Freezes the paths mapped so far; the first table built is the one every request uses.</summary>
    Table Close()
    {
        var paths = building.Keys.Order(StringComparer.Ordinal).ToArray();
        var byPath = new Dictionary<string, Route>(StringComparer.Ordinal);
        for (var index = 0; index < paths.Length; index++)
            byPath[paths[index]] = new Route(index, building[paths[index]].ToFrozenDictionary(StringComparer.Ordinal));
        var table = new Table(byPath.ToFrozenDictionary(StringComparer.Ordinal), new RequestCounts(paths));
        return Interlocked.CompareExchange(ref routes, table, null) ?? table;
    }

    static ErrorResponse BodyRefusal(BadHttpRequestException refused) => refused.StatusCode switch
    {
        StatusCodes.Status413PayloadTooLarge => RequestGuard.TooLarge,
        StatusCodes.Status408RequestTimeout => new ErrorResponse("Request timeout",
            $"The request body arrived slower than {ServerLimits.MinRequestBodyDataRate.BytesPerSecond} bytes/s; send it in one go."),
        // Kestrel's own sentence (a malformed chunk, a body cut short) quotes nothing the caller sent.
        _ => new ErrorResponse("Bad request", refused.Message),
    };

    /// <summary>Writes a JSON body with the given status through the source-generated serializer.</summary>
    public static Task WriteAsync<T>(HttpContext context, int status, T body, JsonTypeInfo<T> type)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(body, type, contentType: null, context.RequestAborted);
    }
}
