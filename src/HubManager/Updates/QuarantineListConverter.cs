using System.Text.Json;
using System.Text.Json.Serialization;

namespace HubManager.Updates;

/// <summary>
/// Writes and reads the <see cref="Quarantine"/> list, <c>[{"version", "at", "reason"}]</c> (<c>at</c> ISO-8601, as
/// <c>startedAt</c>), for <c>GET /update</c> and <c>StateDir/quarantine.json</c>. Written by hand for the same reason as
/// <see cref="WordEnumConverter{T}"/>: System.Text.Json's generated object and collection converters cost about 25 KB of
/// native code per type, and the binary's size is a target. Unknown members are skipped; an entry without a version or
/// a reason, or with a member of the wrong type, makes the whole list unreadable (<see cref="JsonException"/>).
/// </summary>
public sealed class QuarantineListConverter : JsonConverter<Quarantine>
{
    static readonly JsonEncodedText VersionName = JsonEncodedText.Encode("version");
    static readonly JsonEncodedText AtName = JsonEncodedText.Encode("at");
    static readonly JsonEncodedText ReasonName = JsonEncodedText.Encode("reason");

    public override Quarantine Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var quarantine = Quarantine.Empty;
        // (The token is not named in the error: formatting an enum would bring Enum.ToString's machinery into the binary.)
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new JsonException("the quarantine list is not an array");
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            string? version = null, reason = null;
            DateTimeOffset at = default;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueTextEquals(VersionName.EncodedUtf8Bytes) ? 1 : reader.ValueTextEquals(AtName.EncodedUtf8Bytes) ? 2 : reader.ValueTextEquals(ReasonName.EncodedUtf8Bytes) ? 3 : 0;
                reader.Read();
                if (name == 1)
                    version = reader.GetString();
                else if (name == 2)
                    at = reader.GetDateTimeOffset();
                else if (name == 3)
                    reason = reader.GetString();
                else
                    reader.Skip();
            }
            if (version is null || reason is null)
                throw new JsonException("a quarantined release needs a version and a reason");
            // Through the list's own rules, so that a file holds no more than the manager would have written.
            if (ReleaseVersion.IsValid(version))
                quarantine = quarantine.With(new QuarantinedRelease(version, at, reason));
        }
        if (reader.TokenType != JsonTokenType.EndArray)
            throw new JsonException("the quarantine list holds something other than objects");
        return quarantine;
    }

    public override void Write(Utf8JsonWriter writer, Quarantine value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        var releases = value.Releases;
        for (var i = 0; i < releases.Count; i++)
        {
            var release = releases[i];
            writer.WriteStartObject();
            writer.WriteString(VersionName, release.Version);
            writer.WritePropertyName(AtName);
            writer.WriteStringValue(release.At);
            writer.WriteString(ReasonName, release.Reason);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }
}
