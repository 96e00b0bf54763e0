using System.Text.Json;

namespace HubManager.Http;

/// <summary>
/// The optional body of <c>POST /start|stop|restart</c>: <c>{"correlationId": "cmd_1733…_x7k2p"}</c>, the hub's id
/// for the command, echoed in the answer and in the job's journal line so the two can be matched. An empty body
/// (no bytes at all) means no id, as before; other members are ignored.
/// </summary>
public static class ControlRequest
{
    public const int MaxCorrelationIdLength = 128;

    public const string CorrelationIdRule = "correlationId must be a string of 1 to 128 printable ASCII characters";

    /// <summary>
    /// The correlation id, or null when the body is empty or has none. <paramref name="problem"/> is a sentence for a
    /// 400 when the body is not a JSON object or the id breaks <see cref="CorrelationIdRule"/>; the id goes into a
    /// journal line, so control characters and non-ASCII are refused rather than escaped.
    /// </summary>
    public static string? ParseCorrelationId(ReadOnlySpan<byte> json, out string? problem)
    {
        problem = null;
        if (json.IsEmpty)
            return null;
        string? id = null;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new JsonException("not a JSON object");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isId = reader.ValueTextEquals("correlationId"u8);
                reader.Read();
                if (!isId)
                    reader.Skip();
                else if (reader.TokenType == JsonTokenType.Null)
                    id = null;
                else if (reader.TokenType != JsonTokenType.String || reader.ValueSpan.Length > MaxCorrelationIdLength * 6 || !IsPrintableAscii(id = reader.GetString()!))
                {
                    problem = CorrelationIdRule + ".";
                    return null;
                }
            }
            // Reading to the end makes trailing garbage ("{} x") an error rather than ignored.
            while (reader.Read())
            {
            }
        }
        catch (Exception invalid) when (invalid is JsonException or InvalidOperationException) // InvalidOperation: a string that is not UTF-8
        {
            problem = $"The body must be empty or a JSON object such as {{\"correlationId\": \"cmd_1\"}}: {invalid.Message}";
            return null;
        }
        return id;
    }

    static bool IsPrintableAscii(string id)
    {
        if (id.Length is 0 or > MaxCorrelationIdLength)
            return false;
        foreach (var c in id)
        {
            if (c is < ' ' or > '~')
                return false;
        }
        return true;
    }
}
