using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HubManager.Updates;

/// <summary>
/// Writes and reads an enum as the word the API and the state files use: its member's name in camelCase
/// (<c>RolledBack</c> is <c>rolledBack</c>; <see cref="EnumWords.Word{T}"/> gives the same word for a sentence).
/// Numbers and unknown words are refused, as a string property refuses them. Written by hand rather than derived
/// from <see cref="JsonStringEnumConverter{T}"/>: that one's generic machinery costs about 60 KB of native code per
/// enum, and the binary's size is a target (BENCHMARKS.md).
/// </summary>
public sealed class WordEnumConverter<T> : JsonConverter<T> where T : struct, Enum
{
    /// <summary>
    /// By value: these enums are ints numbered from 0 (the default), so a member's value is its index. Their names are
    /// single PascalCase words or compounds, whose camelCase is the name with its first letter lowered.
    /// </summary>
    static readonly string[] Words = [.. Enum.GetNames<T>().Select(static name => char.ToLowerInvariant(name[0]) + name[1..])];

    /// <summary>The word of <paramref name="value"/>.</summary>
    public static string WordOf(T value) => Words[Unsafe.As<T, int>(ref value)];

    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            for (var i = 0; i < Words.Length; i++)
            {
                if (reader.ValueTextEquals(Words[i]))
                    return Unsafe.As<int, T>(ref i);
            }
        }
        throw new JsonException($"expected one of {string.Join(", ", Words)}");
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        writer.WriteStringValue(WordOf(value));
}
