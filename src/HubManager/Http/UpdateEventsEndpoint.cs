using System.Buffers;
using System.Text.Json;
using HubManager.Updates;

namespace HubManager.Http;

/// <summary>
/// <c>GET /update/events</c>: the update's status as Server-Sent Events, each <c>data: {...}</c> the same JSON as
/// <c>GET /update</c>. The first event is the status at connection; then one per step of the run (each phase, in order,
/// even when phases follow faster than the client reads) and download progress at most every
/// <see cref="ProgressInterval"/>, a heartbeat comment every 15 s, and the stream ends after the event with the final
/// state. A client that connects while nothing runs gets the last outcome, and the end.
/// A stream holds no queue: it sends the newest progress when the client can take it, so a slow client costs one event;
/// one that takes nothing for <see cref="StallLimit"/> is dropped. Waiting streams share one task (<see cref="UpdateProgress.ChangedSince"/>).
/// </summary>
public sealed class UpdateEventsEndpoint(UpdateProgress progress, Updater updater, IHostApplicationLifetime lifetime)
{
    /// <summary>Download progress is sent at most this often (4 a second); steps are sent at once.</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);

    /// <summary>A client whose connection takes nothing for this long is dropped.</summary>
    static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(5);

    public void MapTo(ApiRouter router) => router.Map("GET", "/update/events", StreamAsync);

    async Task StreamAsync(HttpContext context)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // tells a reverse proxy (nginx) not to buffer the stream
        try
        {
            await response.StartAsync(stop.Token);
            if (HttpMethods.IsHead(context.Request.Method))
                return; // the headers are the whole answer
            await FollowAsync(context, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The client left or the manager is stopping: end the stream.
        }
    }

    async Task FollowAsync(HttpContext context, CancellationToken stop)
    {
        var watch = progress.Watch();
        var (seen, run, stepsSent) = (watch.Change, watch.Run, watch.Steps.Count);
        var last = watch.Current;
        UpdateStatus? shown = null;
        UpdateStatus Show(UpdateStatus status) => shown = shown is null ? updater.AsShown(status) : updater.AsShown(status, shown);
        if (!await SendAsync(context, Show(last), stop) || Ended(last))
            return;
        var lastSentAt = Environment.TickCount64;
        var progressWaiting = false;
        using var heartbeat = new PeriodicTimer(HeartbeatInterval);
        var beat = heartbeat.WaitForNextTickAsync(stop).AsTask();
        while (true)
        {
            var wake = progress.ChangedSince(seen);
            if (progressWaiting)
                wake = Task.WhenAny(wake, Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, lastSentAt + (long)ProgressInterval.TotalMilliseconds - Environment.TickCount64)), stop));
            if (await Task.WhenAny(wake, beat) == beat)
            {
                await beat; // throws once the stream is to stop
                context.Response.BodyWriter.Write(FollowEvents.Heartbeat);
                if (!await FlushAsync(context, stop))
                    return;
                beat = heartbeat.WaitForNextTickAsync(stop).AsTask();
                continue;
            }
            watch = progress.Watch();
            seen = watch.Change;
            if (watch.Run != run)
                (run, stepsSent) = (watch.Run, 0); // a new run (recovery restored one): all of its steps are news
            for (; stepsSent < watch.Steps.Count; stepsSent++)
            {
                last = watch.Steps[stepsSent];
                if (!await SendAsync(context, Show(last), stop) || Ended(last))
                    return;
                lastSentAt = Environment.TickCount64;
            }
            // Progress between steps: only the newest is worth sending, and not more often than ProgressInterval.
            progressWaiting = !ReferenceEquals(watch.Current, last);
            if (progressWaiting && Environment.TickCount64 - lastSentAt >= (long)ProgressInterval.TotalMilliseconds)
            {
                last = watch.Current;
                if (!await SendAsync(context, Show(last), stop))
                    return;
                lastSentAt = Environment.TickCount64;
                progressWaiting = false;
            }
        }
    }

    static bool Ended(UpdateStatus status) => status.State != UpdateState.Running;

    /// <summary>Writes one event, <c>data: {GET /update's JSON}</c>, and hands it to the client; false once the client is gone.</summary>
    static async Task<bool> SendAsync(HttpContext context, UpdateStatus shown, CancellationToken stop)
    {
        var body = context.Response.BodyWriter;
        body.Write("data: "u8);
        // Compact JSON has no line breaks (those in strings are escaped), so the event is one data line.
        body.Write(JsonSerializer.SerializeToUtf8Bytes(shown, UpdateJson.Api.UpdateStatus));
        body.Write("\n\n"u8);
        return await FlushAsync(context, stop);
    }

    /// <summary>Flushes within <see cref="StallLimit"/>, else drops the connection: false once the client is gone.</summary>
    static async Task<bool> FlushAsync(HttpContext context, CancellationToken stop)
    {
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(stop);
        stall.CancelAfter(StallLimit);
        try
        {
            var flushed = await context.Response.BodyWriter.FlushAsync(stall.Token);
            return !flushed.IsCompleted && !flushed.IsCanceled;
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            context.Abort();
            return false;
        }
    }
}
