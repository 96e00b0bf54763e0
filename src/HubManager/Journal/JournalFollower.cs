using System.Threading.Channels;

namespace HubManager.Journal;

/// <summary>
/// One follower's reading side. A dedicated thread owns the <see cref="JournalReader"/> (handles are not
/// thread-safe, and sd_journal_wait blocks), renders every entry into a ready-to-send event and passes it through
/// a small bounded channel, so a slow client slows the reader down instead of piling events up in memory.
/// Cancelling the token stops the thread within <see cref="WaitSlice"/>; it then closes the handle and
/// completes <see cref="Completion"/>, after which nothing of the follower is left.
/// </summary>
public sealed class JournalFollower
{
    /// <summary>The longest sd_journal_wait: how long a cancelled follower may take to notice.</summary>
    public static readonly TimeSpan WaitSlice = TimeSpan.FromMilliseconds(200);

    /// <summary>The name of follower threads (at most 15 characters, the Linux limit).</summary>
    public const string ThreadName = "journal-follow";

    readonly Channel<byte[]> events = Channel.CreateBounded<byte[]>(
        new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
    readonly TaskCompletionSource completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly JournalReader reader;
    readonly Func<JournalReader, byte[]?> render;
    readonly CancellationToken token;

    JournalFollower(JournalReader reader, Func<JournalReader, byte[]?> render, CancellationToken token) =>
        (this.reader, this.render, this.token) = (reader, render, token);

    /// <summary>Rendered events, oldest first; completes when the follower stops (faulted if the journal failed).</summary>
    public ChannelReader<byte[]> Events => events.Reader;

    /// <summary>Completes once the thread has exited and the journal handle is closed.</summary>
    public Task Completion => completion.Task;

    /// <summary>
    /// Starts following with <paramref name="reader"/> (taken over; positioned at the backlog's start).
    /// <paramref name="render"/> runs on the follower thread and returns null for entries not to send.
    /// </summary>
    public static JournalFollower Start(JournalReader reader, Func<JournalReader, byte[]?> render, CancellationToken token)
    {
        var follower = new JournalFollower(reader, render, token);
        new Thread(follower.Run) { IsBackground = true, Name = ThreadName }.Start();
        return follower;
    }

    void Run()
    {
        try
        {
            while (!token.IsCancellationRequested)
            {
                while (reader.TryRead(token))
                {
                    if (render(reader) is { } rendered && !Send(rendered))
                        return;
                }
                reader.Wait(WaitSlice);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped: the client left or the manager is shutting down.
        }
        catch (Exception failure)
        {
            events.Writer.TryComplete(failure);
        }
        finally
        {
            events.Writer.TryComplete();
            reader.Dispose();
            completion.SetResult();
        }
    }

    /// <summary>Queues one event, blocking this thread while the channel is full; false once nobody reads any more.</summary>
    bool Send(byte[] rendered)
    {
        while (!events.Writer.TryWrite(rendered))
        {
            if (!events.Writer.WaitToWriteAsync(token).AsTask().GetAwaiter().GetResult())
                return false;
        }
        return true;
    }
}
