using System.Buffers;
using System.IO.Pipelines;
using HubManager.Journal;

namespace HubManager.Http;

/// <summary>
/// The writing side of one <c>/logs?follow=true</c> stream. Events go to the connection in slices of at most
/// <see cref="LogsOutput.FlushThreshold"/> bytes, each flushed before the next, so that while a client is slow the
/// server's buffers hold a slice, not a whole (up to 1 MiB) event. Events a flush has handed to the connection in full
/// are reported to the <see cref="JournalFollower"/> as sent; one in flight still counts as pending, so that with large
/// events the follower holds one at a time for a slow client, not that one and the next. When the follower gives up on
/// a client that fell behind, a flush stuck on that client returns, and <see cref="SayFellBehindAsync"/> ends the stream.
/// </summary>
sealed class FollowResponse(HttpContext context, JournalFollower follower)
{
    /// <summary>How long a client that fell behind gets to take the event that says so before its connection is dropped.</summary>
    static readonly TimeSpan FinalEventTimeout = TimeSpan.FromSeconds(5);

    readonly PipeWriter body = context.Response.BodyWriter;
    /// <summary>The id of the last event written, which a client that fell behind resumes after.</summary>
    readonly ArrayBufferWriter<byte> lastId = new(256);
    /// <summary>Bytes of events written in full since the last flush.</summary>
    long written;

    /// <summary>Wakes a flush stuck on the client when the follower gives up on it; dispose when the stream ends.</summary>
    public CancellationTokenRegistration WakeWhenFallenBehind() => follower.FellBehind.Register(body.CancelPendingFlush);

    public void WriteHeartbeat() => body.Write(FollowEvents.Heartbeat);

    /// <summary>
    /// Writes one event from <see cref="JournalFollower.Events"/>; false once the client is gone or was given up on. An event
    /// is always written whole, so that the event saying the client fell behind does not land inside it.
    /// </summary>
    public async ValueTask<bool> WriteAsync(byte[] rendered, CancellationToken token)
    {
        var open = true;
        for (var offset = 0; offset < rendered.Length;)
        {
            var slice = Math.Min(rendered.Length - offset, LogsOutput.FlushThreshold);
            body.Write(rendered.AsSpan(offset, slice));
            offset += slice;
            if (offset == rendered.Length)
                written += rendered.Length;
            if (open && body.UnflushedBytes >= LogsOutput.FlushThreshold)
                open = await FlushAsync(token);
        }
        lastId.ResetWrittenCount();
        lastId.Write(FollowEvents.IdOf(rendered));
        return open;
    }

    /// <summary>Hands what was written to the connection; false once the client is gone or was given up on.</summary>
    public async ValueTask<bool> FlushAsync(CancellationToken token)
    {
        var flushed = await body.FlushAsync(token);
        if (flushed.IsCompleted || flushed.IsCanceled)
            return false;
        follower.Sent(written);
        written = 0;
        return true;
    }

    /// <summary>
    /// Ends the stream of a client that fell behind with an event saying so and where to resume, if the client takes it
    /// within <see cref="FinalEventTimeout"/>; otherwise drops the connection, and with it what is still buffered for it.
    /// </summary>
    public async Task SayFellBehindAsync()
    {
        body.Write(FollowEvents.FellBehind(lastId.WrittenSpan, JournalFollower.PendingLimit, JournalFollower.StallLimit));
        using var deadline = new CancellationTokenSource(FinalEventTimeout);
        try
        {
            // The first flush may only collect the cancellation that woke the stream from the stuck one.
            if ((await body.FlushAsync(deadline.Token)).IsCanceled)
                await body.FlushAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            context.Abort();
        }
    }
}
