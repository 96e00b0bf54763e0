using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HubManager.Updates;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(UpdateStatus))]
[JsonSerializable(typeof(UpdateIntent))]
[JsonSerializable(typeof(BackupManifest))]
public sealed partial class UpdateJson : JsonSerializerContext
{
    /// <summary>Configured like <c>ApiJson.Api</c>: camelCase, only the escaping JSON requires ("2.0.11+build" stays readable).</summary>
    public static UpdateJson Api { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
