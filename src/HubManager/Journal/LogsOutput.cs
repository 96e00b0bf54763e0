using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace HubManager.Journal;

/// <summary>
/// The bodies of <c>GET /logs</c>, streamed straight from the reader into the response: memory stays bounded by
/// <see cref="FlushThreshold"/> whether 10 or 10000 entries are asked for. Also renders follow events.
/// </summary>
public static class LogsOutput
{
    /// <summary>Pending output that triggers a flush to the client.</summary>
    public const int FlushThreshold = 32 * 1024;

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
        for (var read = 0; read < lines && reader.TryRead(token); read++)
        {
            line.ResetWrittenCount();
            // One JSON string written in pieces: the text of all entries never exists in memory at once.
            if (formatter.TryFormat(reader.Entry, line))
                json.WriteStringValueSegment(line.WrittenSpan, isFinalSegment: false);
            if (json.BytesPending >= FlushThreshold && !await FlushAsync(json, pipe, token))
                return;
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
        for (var read = 0; read < lines && reader.TryRead(token); read++)
        {
            TryWriteEntry(json, reader);
            if (json.BytesPending >= FlushThreshold && !await FlushAsync(json, pipe, token))
                return;
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
        if (Utf8.IsValid(entry.Message))
            json.WriteString("message"u8, entry.Message);
        else
            json.WriteString("message"u8, JournalText.BlobPlaceholder(entry.Message.Length));
        json.WriteEndObject();
        return true;
    }

    /// <summary>Hands pending output to the client; false once the client is gone.</summary>
    static async ValueTask<bool> FlushAsync(Utf8JsonWriter json, PipeWriter pipe, CancellationToken token)
    {
        json.Flush();
        var flushed = await pipe.FlushAsync(token);
        return !flushed.IsCompleted && !flushed.IsCanceled;
    }
}
