using System.Buffers;
using System.Text.Json;

using HubManager.Journal;

namespace HubManager.Http;

/// <summary>
/// Renders entries as Server-Sent Events: <c>id: CURSOR</c>, then the entry's short text (or its JSON object) as
/// <c>data:</c> lines, then a blank line. The cursor as event id lets a reconnecting client send it back as
/// <c>Last-Event-ID</c>. Reuses its scratch buffers while entries come (<see cref="LetGo"/> when they stop): one
/// instance per follower thread.
/// </summary>
public sealed class FollowEvents(ShortFormatter formatter, bool json) : IEntryRenderer
{
    /// <summary>An SSE comment: keeps proxies and idle-timeouts from closing a quiet stream.</summary>
    public static ReadOnlySpan<byte> Heartbeat => ": heartbeat\n\n"u8;

    /// <summary>Scratch up to this size is kept by <see cref="LetGo"/>.</summary>
    const int KeptScratch = 64 * 1024;

    ArrayBufferWriter<byte> body = new(512);
    readonly Utf8JsonWriter writer = new(new ArrayBufferWriter<byte>(), LogsOutput.JsonOptions);

    /// <summary>The current entry as one complete event, or null for an entry that is not shown (no MESSAGE).</summary>
    public byte[]? Render(JournalReader reader)
    {
        body.ResetWrittenCount();
        if (json)
        {
            writer.Reset(body);
            if (!LogsOutput.TryWriteEntry(writer, reader))
                return null;
            writer.Flush();
        }
        else if (!formatter.TryFormat(reader.Entry, body))
            return null;

        var text = body.WrittenSpan;
        if (text is [.., (byte)'\n'])
            text = text[..^1];
        var cursor = reader.Cursor();
        // SSE ends a line at LF (or CR): each text line becomes one data line, which clients join with LF again.
        // There is no CR to worry about: a CR left in a message makes journalctl show it as a blob, and JSON escapes it.
        var lines = text.Count((byte)'\n') + 1;
        var frame = new byte["id: \n"u8.Length + cursor.Length + lines * "data: \n"u8.Length + text.Length - (lines - 1) + 1];
        var rest = frame.AsSpan();
        Append(ref rest, "id: "u8);
        Append(ref rest, cursor);
        Append(ref rest, "\n"u8);
        while (true)
        {
            var end = text.IndexOf((byte)'\n');
            Append(ref rest, "data: "u8);
            Append(ref rest, end < 0 ? text : text[..end]);
            Append(ref rest, "\n"u8);
            if (end < 0)
                break;
            text = text[(end + 1)..];
        }
        Append(ref rest, "\n"u8);
        return frame;
    }

    /// <summary>Lets go of scratch that large entries grew (here and in the formatter): the follower is about to wait.</summary>
    public void LetGo()
    {
        formatter.LetGo();
        if (body.Capacity <= KeptScratch)
            return;
        body = new ArrayBufferWriter<byte>(512);
        writer.Reset(body); // the writer would hold on to the large one
    }

    /// <summary>The event's id (its cursor): the first line of a frame from <see cref="Render"/>.</summary>
    public static ReadOnlySpan<byte> IdOf(ReadOnlySpan<byte> frame) => frame["id: "u8.Length..frame.IndexOf((byte)'\n')];

    /// <summary>
    /// The last event of a stream whose client fell behind: <c>event: fell-behind</c>, the id of the last event sent
    /// (so an EventSource resumes after it), and <c>{"error", "message", "cursor"}</c> as data.
    /// </summary>
    public static byte[] FellBehind(ReadOnlySpan<byte> lastId, int pendingLimit, TimeSpan stall)
    {
        var data = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(data, LogsOutput.JsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("error"u8, "Fell behind"u8);
            json.WriteString("message"u8, $"This client read nothing for {stall.TotalSeconds:0} s while {pendingLimit / 1024} KiB of events " +
                "waited for it, so the stream ends here; reconnect with Last-Event-ID set to the cursor to resume after the last event sent.");
            if (lastId.IsEmpty)
                json.WriteNull("cursor"u8);
            else
                json.WriteString("cursor"u8, lastId);
            json.WriteEndObject();
        }
        var frame = new ArrayBufferWriter<byte>(data.WrittenCount + lastId.Length + 64);
        frame.Write("event: fell-behind\n"u8);
        if (!lastId.IsEmpty)
        {
            frame.Write("id: "u8);
            frame.Write(lastId);
            frame.Write("\n"u8);
        }
        frame.Write("data: "u8);
        frame.Write(data.WrittenSpan);
        frame.Write("\n\n"u8);
        return frame.WrittenSpan.ToArray();
    }

    static void Append(ref Span<byte> rest, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(rest);
        rest = rest[bytes.Length..];
    }
}
