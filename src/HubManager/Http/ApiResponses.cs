using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HubManager.Http;

/// <summary><c>GET /status</c>: the fields the hub and operators' scripts read, unchanged from the old manager.</summary>
public sealed record StatusResponse(
    bool Running,
    string ManagerVersion,
    string Unit,
    string? ActiveState,
    string? SubState,
    uint MainPid,
    DateTimeOffset? Since,
    uint Restarts,
    string? InstalledVersion)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }
}

/// <summary><c>POST /start|stop|restart</c>: <c>{"success": true}</c>, or false with systemd's reason.</summary>
public sealed record ControlResponse(bool Success, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);

/// <summary><c>GET /version</c>.</summary>
public sealed record VersionResponse(string Version, string? Name);

/// <summary>Every other error: a short label and a sentence for a human.</summary>
public sealed record ErrorResponse(string Error, string Message);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(ControlResponse))]
[JsonSerializable(typeof(VersionResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(UpdateResponse))]
public sealed partial class ApiJson : JsonSerializerContext
{
    /// <summary>
    /// The context every response is written with. The default encoder escapes '+' and other
    /// HTML-sensitive characters (managerVersion "0.1.0+abc" would read "0.1.0+abc");
    /// nothing here is embedded in HTML, so only what JSON itself requires is escaped.
    /// </summary>
    public static ApiJson Api { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
