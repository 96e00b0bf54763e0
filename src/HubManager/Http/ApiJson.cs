using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HubManager.Http;

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
