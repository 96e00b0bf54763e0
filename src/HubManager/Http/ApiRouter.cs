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
    FrozenDictionary<string, FrozenDictionary<string, RequestDelegate>>? routes;

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

    /// <summary>Handles one request; mapping is closed by the first request.</summary>
    public async Task DispatchAsync(HttpContext context)
    {
        routes ??= building.ToFrozenDictionary(p => p.Key, p => p.Value.ToFrozenDictionary(StringComparer.Ordinal), StringComparer.Ordinal);
        var request = context.Request;
        if (guard.Check(request) is { } refusal)
        {
            if (refusal.Status == StatusCodes.Status401Unauthorized)
                context.Response.Headers.WWWAuthenticate = "Bearer";
            await WriteAsync(context, refusal.Status, refusal.Error, ApiJson.Api.ErrorResponse);
            return;
        }
        if (!routes.TryGetValue(request.Path.Value ?? "/", out var byMethod))
        {
            await WriteAsync(context, StatusCodes.Status404NotFound, new ErrorResponse("Not found",
                $"There is no {request.Path} here. Endpoints: {string.Join(", ", routes.Keys.Order())}."), ApiJson.Api.ErrorResponse);
            return;
        }
        if (!byMethod.TryGetValue(request.Method, out var handler))
        {
            var allowed = string.Join(", ", byMethod.Keys.Order());
            context.Response.Headers.Allow = allowed;
            await WriteAsync(context, StatusCodes.Status405MethodNotAllowed, new ErrorResponse("Method not allowed",
                $"{request.Path} takes {allowed}, not {request.Method}."), ApiJson.Api.ErrorResponse);
            return;
        }
        try
        {
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
