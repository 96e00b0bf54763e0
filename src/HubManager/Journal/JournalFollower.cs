using System.Threading.Channels;

namespace HubManager.Journal;

/// <summary>
/// One follower's reading side. A dedicated thread owns the <see cref="JournalReader"/> (handles are not
/// thread-safe, and sd_journal_wait blocks) and renders every entry into a ready-to-send event for the response.
/// Events are bounded in bytes, not in number: at most <see cref="PendingLimit"/> bytes (plus the one event that
/// crosses it) are rendered and not yet taken by the client (<see cref="Sent"/>). At the limit the thread waits, so
/// a slow client slows the reader down; a client that takes nothing for <see cref="StallLimit"/> has fallen behind:
/// the thread stops reading (<see cref="HasFallenBehind"/>, <see cref="FellBehind"/>), and the response tells the
/// client so and ends. Cancelling the token stops the thread within <see cref="WaitSlice"/>. Either way the thread
/// then closes the handle and completes <see cref="Completion"/>, after which nothing of the follower is left.
/// </summary>
public sealed class JournalFollower
{
    /// <summary>The longest sd_journal_wait: how long a cancelled follower may take to notice.</summary>
    public static readonly TimeSpan WaitSlice = TimeSpan.FromMilliseconds(200);

    /// <summary>Bytes of events a follower holds for its client at most (one larger event is let through alone).</summary>
    public const int PendingLimit = 1024 * 1024;

    /// <summary>How long a client may leave <see cref="PendingLimit"/> bytes untaken before it counts as fallen behind.</summary>
    public static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(5);

    /// <summary>The name of follower threads (at most 15 characters, the Linux limit).</summary>
    public const string ThreadName = "journal-follow";

    readonly Channel<byte[]> events = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    readonly TaskCompletionSource completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly CancellationTokenSource fellBehind = new();
    readonly ManualResetEventSlim room = new();
    readonly JournalReader reader;
    readonly IEntryRenderer render;
    readonly CancellationToken token;
    long pending;

    JournalFollower(JournalReader reader, IEntryRenderer render, CancellationToken token) =>
        (this.reader, this.render, this.token) = (reader, render, token);

    /// <summary>Rendered events, oldest first; completes when the follower stops (faulted if the journal failed).</summary>
    public ChannelReader<byte[]> Events => events.Reader;

    /// <summary>Completes once the thread has exited and the journal handle is closed.</summary>
    public Task Completion => completion.Task;

    /// <summary>Cancelled when the client falls behind, so that a response stuck writing to it can wake up.</summary>
    public CancellationToken FellBehind => fellBehind.Token;

    /// <summary>Whether the follower stopped because its client fell behind.</summary>
    public bool HasFallenBehind => fellBehind.IsCancellationRequested;

    /// <summary>
    /// Starts following with <paramref name="reader"/> (taken over; positioned at the backlog's start), rendering on
    /// the follower thread with <paramref name="render"/>.
    /// </summary>
    public static JournalFollower Start(JournalReader reader, IEntryRenderer render, CancellationToken token)
    {
        var follower = new JournalFollower(reader, render, token);
        new Thread(follower.Run) { IsBackground = true, Name = ThreadName }.Start();
        return follower;
    }

    /// <summary>The client has taken <paramref name="bytes"/> of the events read from <see cref="Events"/>: room for as many more.</summary>
    public void Sent(long bytes)
    {
        if (bytes == 0)
            return;
        Interlocked.Add(ref pending, -bytes);
        room.Set();
    }

    void Run()
    {
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (!WaitForRoom())
                {
                    fellBehind.Cancel();
                    return;
                }
                if (!reader.TryRead(token))
                {
                    LetGo();
                    reader.Wait(WaitSlice);
                }
                else if (render.Render(reader) is { } rendered)
                {
                    Interlocked.Add(ref pending, rendered.Length);
                    events.Writer.TryWrite(rendered);
                }
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

    /// <summary>Before the thread waits: the buffers large entries grew are not kept meanwhile (the events hold what the client needs).</summary>
    void LetGo()
    {
        reader.Entry.LetGo();
        render.LetGo();
    }

    /// <summary>Blocks while <see cref="PendingLimit"/> bytes wait for the client; false if none were taken for <see cref="StallLimit"/>.</summary>
    bool WaitForRoom()
    {
        var deadline = DateTime.UtcNow + StallLimit;
        while (true)
        {
            // Reset before looking, so that a Sent in between is not missed.
            room.Reset();
            if (Interlocked.Read(ref pending) < PendingLimit)
                return true;
            LetGo();
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !room.Wait(left, token))
                return false;
            deadline = DateTime.UtcNow + StallLimit;
        }
    }
}
