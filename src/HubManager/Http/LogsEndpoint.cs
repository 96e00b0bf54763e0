using HubManager.Hosting;
using HubManager.Journal;

namespace HubManager.Http;

/// <summary>
/// <c>GET /logs</c>: the hub unit's journal read in-process through sd-journal, as journalctl's short text
/// (<c>{"service", "lines", "logs"}</c>), as JSON entries (<c>format=json</c>), or followed as Server-Sent Events
/// (<c>follow=true</c>, at most <see cref="MaxFollowers"/> at once). A one-off read rents an open journal handle
/// from the <see cref="JournalPool"/>; a follower opens its own and holds it as long as it follows. Followers end
/// when the client leaves or the manager stops, and leave no handle or thread behind.
/// </summary>
public sealed class LogsEndpoint(HubManagerOptions options, JournalPool journals, IHostApplicationLifetime lifetime, ILogger<LogsEndpoint> logger)
{
    public const int MaxFollowers = 16;

    static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);

    int followers;

    public void MapTo(ApiRouter router) => router.Map("GET", "/logs", LogsAsync);

    async Task LogsAsync(HttpContext context)
    {
        JournalQuery query;
        try
        {
            query = JournalQuery.Parse(context.Request.Query.Select(static p => KeyValuePair.Create(p.Key, (IReadOnlyList<string?>)p.Value)), context.Request.Headers["Last-Event-ID"].ToString(), DateTimeOffset.UtcNow, TimeZoneInfo.Local);
        }
        catch (QueryException invalid)
        {
            await ApiRouter.WriteAsync(context, StatusCodes.Status400BadRequest, new ErrorResponse("Invalid parameter", invalid.Message), ApiJson.Api.ErrorResponse);
            return;
        }
        if (!query.Follow)
        {
            await ReadAsync(context, query);
            return;
        }
        try
        {
            if (Interlocked.Increment(ref followers) > MaxFollowers)
            {
                await ApiRouter.WriteAsync(context, StatusCodes.Status429TooManyRequests, new ErrorResponse("Too many followers",
                    $"At most {MaxFollowers} clients can follow the logs at once; try again when one has disconnected."), ApiJson.Api.ErrorResponse);
                return;
            }
            await FollowAsync(context, query);
        }
        finally
        {
            Interlocked.Decrement(ref followers);
        }
    }

    /// <summary>Takes a journal handle for this request and positions it, or answers 400/500 and returns null.</summary>
    async Task<JournalReader?> OpenAsync(HttpContext context, JournalQuery query)
    {
        try
        {
            return query.Follow
                ? JournalReader.Open(JournalHandle.OpenLocal(), options.Unit, query, context.RequestAborted)
                : JournalReader.Open(journals, options.Unit, query, context.RequestAborted);
        }
        catch (QueryException invalid)
        {
            await ApiRouter.WriteAsync(context, StatusCodes.Status400BadRequest, new ErrorResponse("Invalid parameter", invalid.Message), ApiJson.Api.ErrorResponse);
        }
        catch (JournalException failure)
        {
            logger.LogError("GET /logs: {Reason}", failure.Message);
            await ApiRouter.WriteAsync(context, StatusCodes.Status500InternalServerError, new ErrorResponse("Failed to read the journal", failure.Message), ApiJson.Api.ErrorResponse);
        }
        return null;
    }

    /// <summary>One JSON answer: the text or the entries, streamed as they are read.</summary>
    async Task ReadAsync(HttpContext context, JournalQuery query)
    {
        using var reader = await OpenAsync(context, query);
        if (reader is null)
            return;
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = context.Response.BodyWriter;
        await (query.Json
            ? LogsOutput.WriteEntriesAsync(body, reader, options.Unit, query.Lines, context.RequestAborted)
            : LogsOutput.WriteTextAsync(body, reader, new ShortFormatter(TimeZoneInfo.Local), options.Unit, query.Lines, context.RequestAborted));
    }

    /// <summary>
    /// Opens the journal, then streams events until the client leaves, falls behind or the manager stops, flushing as
    /// soon as no further event is ready (so none waits in a buffer), with a heartbeat comment every 15 s; a client that
    /// fell behind is told so at the end (<see cref="FollowResponse"/>). Returns only after the follower thread has
    /// exited and closed its journal handle.
    /// </summary>
    async Task FollowAsync(HttpContext context, JournalQuery query)
    {
        if (await OpenAsync(context, query) is not { } reader)
            return;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var events = new FollowEvents(new ShortFormatter(TimeZoneInfo.Local), query.Json);
        var follower = JournalFollower.Start(reader, events, stop.Token);
        var stream = new FollowResponse(context, follower);
        try
        {
            using var wake = stream.WakeWhenFallenBehind();
            var response = context.Response;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no"; // tells a reverse proxy (nginx) not to buffer the stream
            await response.StartAsync(stop.Token);
            await response.BodyWriter.FlushAsync(stop.Token); // the client sees the stream open now, not with the first event
            if (HttpMethods.IsHead(context.Request.Method))
                return; // the headers are the whole answer: no body would ever be sent
            using var heartbeat = new PeriodicTimer(HeartbeatInterval);
            var beat = heartbeat.WaitForNextTickAsync(stop.Token).AsTask();
            Task<bool>? ready = null;
            var open = true;
            while (open)
            {
                ready ??= follower.Events.WaitToReadAsync(stop.Token).AsTask();
                if (await Task.WhenAny(ready, beat) == beat)
                {
                    await beat;
                    stream.WriteHeartbeat();
                    beat = heartbeat.WaitForNextTickAsync(stop.Token).AsTask();
                }
                else if (!await ready || follower.HasFallenBehind)
                    break; // the follower stopped on its own
                else
                {
                    ready = null;
                    while (open && follower.Events.TryRead(out var rendered))
                        open = await stream.WriteAsync(rendered, stop.Token);
                }
                open = open && await stream.FlushAsync(stop.Token);
            }
            if (follower.HasFallenBehind)
            {
                logger.LogWarning("GET /logs follow: a client took nothing for {Seconds} s while {Limit} KiB waited for it; its stream ends",
                    JournalFollower.StallLimit.TotalSeconds, JournalFollower.PendingLimit / 1024);
                await stream.SayFellBehindAsync();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The client left or the manager is stopping: end the stream cleanly.
        }
        catch (Exception failure) when (failure is JournalException or System.Threading.Channels.ChannelClosedException)
        {
            logger.LogError("GET /logs follow stopped: {Reason}", failure.Message);
        }
        finally
        {
            await stop.CancelAsync();
            await follower.Completion;
        }
    }
}
