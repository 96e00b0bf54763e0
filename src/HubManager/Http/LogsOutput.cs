using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

using HubManager.Journal;

namespace HubManager.Http;

/// <summary>
/// The bodies of <c>GET /logs</c>, streamed straight from the reader into the response: memory stays bounded by
/// <see cref="FlushThreshold"/> whether 10 or 10000 entries are asked for, and one entry's text (up to a MiB) goes
/// out in <see cref="SegmentBytes"/> pieces. Also renders follow events.
/// </summary>
public static class LogsOutput
{
    /// <summary>Pending output that triggers a flush to the client.</summary>
    public const int FlushThreshold = 32 * 1024;

    /// <summary>
    /// Text is handed to the JSON writer at most this much at a time: escaping a piece needs a scratch buffer of up
    /// to six times its size, which for a whole 1 MiB message would be rented from (and kept by) the shared array pool.
    /// </summary>
    const int SegmentBytes = 4 * 1024;

    /// <summary>
    /// Log text keeps its non-ASCII characters readable instead of <c>\uXXXX</c>: the body is application/json
    /// for curl and scripts, never embedded in HTML, so HTML-sensitive escaping buys nothing here.
    /// </summary>
    public static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary><c>{"service", "lines", "logs"}</c>: <c>logs</c> is journalctl's short text of up to <paramref name="lines"/> entries.</summary>
    public static async Task WriteTextAsync(PipeWriter pipe, JournalReader reader, ShortFormatter formatter, string service, int lines, CancellationToken token)
    {
        await using var json = new Utf8JsonWriter(pipe, JsonOptions);
        json.WriteStartObject();
        json.WriteString("service", service);
        json.WriteNumber("lines", lines);
        json.WritePropertyName("logs");
        var line = new ArrayBufferWriter<byte>(512);
        long flushAt = FlushThreshold;
        for (var read = 0; read < lines && reader.TryRead(token); read++)
        {
            line.ResetWrittenCount();
            // One JSON string written in pieces: the text of all entries never exists in memory at once.
            if (!formatter.TryFormat(reader.Entry, line))
                continue;
            for (var text = line.WrittenMemory; !text.IsEmpty;)
            {
                text = text[WriteSegment(json, text.Span)..];
                if (Written(json) >= flushAt)
                {
                    if (!await FlushAsync(json, pipe, token))
                        return;
                    flushAt = Written(json) + FlushThreshold;
                }
            }
        }
        json.WriteStringValueSegment(ReadOnlySpan<byte>.Empty, isFinalSegment: true);
        json.WriteEndObject();
        await FlushAsync(json, pipe, token);
    }

    /// <summary><c>{"service", "lines", "entries": [...]}</c> with one <see cref="TryWriteEntry"/> object per entry.</summary>
    public static async Task WriteEntriesAsync(PipeWriter pipe, JournalReader reader, string service, int lines, CancellationToken token)
    {
        await using var json = new Utf8JsonWriter(pipe, JsonOptions);
        json.WriteStartObject();
        json.WriteString("service", service);
        json.WriteNumber("lines", lines);
        json.WriteStartArray("entries");
        long flushAt = FlushThreshold;
        for (var read = 0; read < lines && reader.TryRead(token); read++)
        {
            if (!TryStartEntry(json, reader))
                continue;
            for (var next = 0; next >= 0;)
            {
                next = WriteMessagePiece(json, reader.Entry, next);
                if (Written(json) >= flushAt)
                {
                    if (!await FlushAsync(json, pipe, token))
                        return;
                    flushAt = Written(json) + FlushThreshold;
                }
            }
        }
        json.WriteEndArray();
        json.WriteEndObject();
        await FlushAsync(json, pipe, token);
    }

    /// <summary>
    /// <c>{"cursor", "time", "priority", "identifier", "pid", "message"}</c> for the current entry; false (nothing
    /// written) for an entry without MESSAGE. <c>time</c> is the time journalctl shows, in UTC with microseconds;
    /// <c>priority</c>, <c>identifier</c> and <c>pid</c> are null when the entry lacks them; <c>message</c> is the raw
    /// text, or journalctl's <c>[N blob data]</c> when it is not valid UTF-8.
    /// </summary>
    public static bool TryWriteEntry(Utf8JsonWriter json, JournalReader reader)
    {
        if (!TryStartEntry(json, reader))
            return false;
        for (var next = 0; next >= 0;)
            next = WriteMessagePiece(json, reader.Entry, next);
        return true;
    }

    /// <summary>The entry object of <see cref="TryWriteEntry"/> up to the name of <c>message</c>; false (nothing written) for an entry without MESSAGE.</summary>
    static bool TryStartEntry(Utf8JsonWriter json, JournalReader reader)
    {
        var entry = reader.Entry;
        if (!entry.HasMessage)
            return false;
        json.WriteStartObject();
        json.WriteString("cursor"u8, reader.Cursor());
        Span<byte> time = stackalloc byte[32];
        DateTime.UnixEpoch.AddTicks((long)entry.DisplayRealtime * 10)
            .TryFormat(time, out var length, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        json.WriteString("time"u8, time[..length]);
        if (entry.HasPriority && entry.Priority is [>= (byte)'0' and <= (byte)'7'] priority)
            json.WriteNumber("priority"u8, priority[0] - '0');
        else
            json.WriteNull("priority"u8);
        var identifier = entry.HasIdentifier ? entry.Identifier : entry.Comm;
        if ((entry.HasIdentifier || entry.HasComm) && Utf8.IsValid(identifier))
            json.WriteString("identifier"u8, identifier);
        else
            json.WriteNull("identifier"u8);
        var pid = entry.HasPid ? entry.Pid : entry.SyslogPid;
        if (int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            json.WriteNumber("pid"u8, number);
        else
            json.WriteNull("pid"u8);
        json.WritePropertyName("message"u8);
        return true;
    }

    /// <summary>
    /// Writes the piece of the entry's message that starts at byte <paramref name="from"/> (0 first), so that a large
    /// message can be flushed piece by piece; returns where the next piece starts, or -1 once the message and the entry
    /// object are closed. A message that is not UTF-8 is written at once, as journalctl's <c>[N blob data]</c>.
    /// </summary>
    static int WriteMessagePiece(Utf8JsonWriter json, JournalEntry entry, int from)
    {
        var message = entry.Message;
        if (from == 0 && !Utf8.IsValid(message))
            json.WriteStringValue(JournalText.BlobPlaceholder(message.Length));
        else if (from < message.Length)
            return from + WriteSegment(json, message[from..]);
        else
            json.WriteStringValueSegment(ReadOnlySpan<byte>.Empty, isFinalSegment: true);
        json.WriteEndObject();
        return -1;
    }

    /// <summary>Writes the start of <paramref name="text"/> (valid UTF-8) as one piece of a JSON string; returns the bytes taken.</summary>
    static int WriteSegment(Utf8JsonWriter json, ReadOnlySpan<byte> text)
    {
        var piece = JournalText.CutAt(text, SegmentBytes);
        json.WriteStringValueSegment(piece, isFinalSegment: false);
        return piece.Length;
    }

    /// <summary>
    /// The bytes written so far, handed to the pipe or not. BytesPending alone says little: the writer hands its bytes
    /// to the pipe whenever it needs new memory, so with a pipe of 4 KiB blocks it never reaches <see cref="FlushThreshold"/>.
    /// </summary>
    static long Written(Utf8JsonWriter json) => json.BytesCommitted + json.BytesPending;

    /// <summary>Hands pending output to the client; false once the client is gone.</summary>
    static async ValueTask<bool> FlushAsync(Utf8JsonWriter json, PipeWriter pipe, CancellationToken token)
    {
        json.Flush();
        var flushed = await pipe.FlushAsync(token);
        return !flushed.IsCompleted && !flushed.IsCanceled;
    }
}
