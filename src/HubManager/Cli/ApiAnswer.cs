using System.Text.Json;

namespace HubManager.Cli;

/// <summary>An answer from the manager: its status and JSON body (kept as bytes, so that <c>--json</c> prints it unchanged).</summary>
public sealed class ApiAnswer(int status, byte[] body)
{
    public int Status => status;
    public byte[] Body => body;
    public bool Succeeded => status is >= 200 and < 300;

    /// <summary>The body parsed; an empty object when it is not JSON (a proxy's page, say), so that fields read as missing.</summary>
    public JsonElement Json()
    {
        try
        {
            return JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException)
        {
            return JsonDocument.Parse("{}"u8.ToArray()).RootElement;
        }
    }

    /// <summary>A string field, or null when it is missing or not a string.</summary>
    public string? Text(string name) => Json().TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The sentence an error answer carries (<c>message</c>, else <c>error</c>), else its status.</summary>
    public string Problem => Text("message") is { } message && !Succeeded ? message : Text("error") ?? $"the manager answered {status}";
}
