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
    public static readonly QuarantineListConverter Instance = new();

    public override Quarantine Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        Expect(ref reader, JsonTokenType.StartArray);
        var list = new List<QuarantinedRelease>();
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            string? version = null, reason = null;
            DateTimeOffset at = default;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueTextEquals("version"u8) ? 1 : reader.ValueTextEquals("at"u8) ? 2 : reader.ValueTextEquals("reason"u8) ? 3 : 0;
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
            Expect(ref reader, JsonTokenType.EndObject);
            list.Add(new QuarantinedRelease(version ?? throw new JsonException("a quarantined release without a version"), at,
                reason ?? throw new JsonException("a quarantined release without a reason")));
        }
        Expect(ref reader, JsonTokenType.EndArray);
        return new(list);
    }

    public override void Write(Utf8JsonWriter writer, Quarantine value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var release in value.Releases)
        {
            writer.WriteStartObject();
            writer.WriteString("version"u8, release.Version);
            writer.WriteString("at"u8, release.At);
            writer.WriteString("reason"u8, release.Reason);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    /// <summary>The list as the file holds it.</summary>
    public static byte[] ToUtf8(Quarantine list)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = UpdateJson.Api.Options.Encoder }))
            Instance.Write(writer, list, UpdateJson.Api.Options);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The list <paramref name="json"/> holds; throws <see cref="JsonException"/> when it holds none.</summary>
    public static Quarantine FromUtf8(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 8 });
        reader.Read();
        var list = Instance.Read(ref reader, typeof(Quarantine), UpdateJson.Api.Options);
        if (reader.Read())
            throw new JsonException("more after the list");
        return list;
    }

    // The token is not named: formatting an enum would bring Enum.ToString's machinery into the binary.
    static void Expect(ref Utf8JsonReader reader, JsonTokenType token)
    {
        if (reader.TokenType != token)
            throw new JsonException("the quarantine list is not an array of objects");
    }
}
