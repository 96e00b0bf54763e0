using System.Buffers;
using System.Text.Json;

namespace HubManager.Journal;

/// <summary>
/// Renders entries as Server-Sent Events: <c>id: CURSOR</c>, then the entry's short text (or its JSON object) as
/// <c>data:</c> lines, then a blank line. The cursor as event id lets a reconnecting client send it back as
/// <c>Last-Event-ID</c>. Reuses its buffers: one instance per follower thread.
/// </summary>
public sealed class FollowEvents(ShortFormatter formatter, bool json)
{
    /// <summary>An SSE comment: keeps proxies and idle-timeouts from closing a quiet stream.</summary>
    public static ReadOnlySpan<byte> Heartbeat => ": heartbeat\n\n"u8;

    readonly ArrayBufferWriter<byte> body = new(512);
    readonly ArrayBufferWriter<byte> frame = new(1024);
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

        frame.ResetWrittenCount();
        frame.Write("id: "u8);
        frame.Write(reader.Cursor());
        frame.Write("\n"u8);
        var text = body.WrittenSpan;
        if (text is [.., (byte)'\n'])
            text = text[..^1];
        // SSE ends a line at LF (or CR): each text line becomes one data line, which clients join with LF again.
        // There is no CR to worry about: a CR left in a message makes journalctl show it as a blob, and JSON escapes it.
        while (true)
        {
            var end = text.IndexOf((byte)'\n');
            frame.Write("data: "u8);
            frame.Write(end < 0 ? text : text[..end]);
            frame.Write("\n"u8);
            if (end < 0)
                break;
            text = text[(end + 1)..];
        }
        frame.Write("\n"u8);
        return frame.WrittenSpan.ToArray();
    }
}
