using System.Buffers;
using System.IO.Pipelines;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace HubManager.Http;

/// <summary>
/// Writes a <see cref="StatusResponse"/> exactly as <c>ApiJson.Api.StatusResponse</c> would (same names, order,
/// escaping and date format; a test holds the two to the same bytes), but synchronously into a per-thread
/// buffer with a per-thread <see cref="Utf8JsonWriter"/>, then into the response in one piece with a
/// Content-Length: no serializer state machine, no pooled-buffer dance, no chunked framing.
/// </summary>
public static class StatusJson
{
    static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    static readonly JsonEncodedText Running = JsonEncodedText.Encode("running"), ManagerVersion = JsonEncodedText.Encode("managerVersion"),
        Unit = JsonEncodedText.Encode("unit"), ActiveState = JsonEncodedText.Encode("activeState"), SubState = JsonEncodedText.Encode("subState"),
        MainPid = JsonEncodedText.Encode("mainPid"), Since = JsonEncodedText.Encode("since"), Restarts = JsonEncodedText.Encode("restarts"),
        InstalledVersion = JsonEncodedText.Encode("installedVersion"), Error = JsonEncodedText.Encode("error");

    [ThreadStatic] static ArrayBufferWriter<byte>? buffer;
    [ThreadStatic] static Utf8JsonWriter? writer;

    /// <summary>Sets the content headers and writes the body; the status code is the caller's.</summary>
    public static ValueTask<FlushResult> WriteAsync(HttpResponse response, StatusResponse status, CancellationToken cancellationToken)
    {
        var json = Serialize(status);
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = json.Length;
        var body = response.BodyWriter;
        json.CopyTo(body.GetSpan(json.Length));
        body.Advance(json.Length);
        return body.FlushAsync(cancellationToken);
    }

    /// <summary>The UTF-8 JSON; valid until this thread's next call.</summary>
    public static ReadOnlySpan<byte> Serialize(StatusResponse status)
    {
        var output = buffer ??= new ArrayBufferWriter<byte>(512);
        output.ResetWrittenCount();
        var json = writer ??= new Utf8JsonWriter(output, Options);
        json.Reset(output);
        json.WriteStartObject();
        json.WriteBoolean(Running, status.Running);
        json.WriteString(ManagerVersion, status.ManagerVersion);
        json.WriteString(Unit, status.Unit);
        WriteNullable(json, ActiveState, status.ActiveState);
        WriteNullable(json, SubState, status.SubState);
        json.WriteNumber(MainPid, status.MainPid);
        if (status.Since is { } since)
            json.WriteString(Since, since);
        else
            json.WriteNull(Since);
        json.WriteNumber(Restarts, status.Restarts);
        WriteNullable(json, InstalledVersion, status.InstalledVersion);
        if (status.Error is not null)
            json.WriteString(Error, status.Error);
        json.WriteEndObject();
        json.Flush();
        return output.WrittenSpan;
    }

    static void WriteNullable(Utf8JsonWriter json, JsonEncodedText name, string? value)
    {
        if (value is null)
            json.WriteNull(name);
        else
            json.WriteString(name, value);
    }
}
