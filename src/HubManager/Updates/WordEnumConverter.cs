using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HubManager.Updates;

/// <summary>
/// Writes and reads an enum as the word the API and the state files use: its member's name in camelCase
/// (<c>RolledBack</c> is <c>rolledBack</c>; <see cref="EnumWords.Word{T}"/> gives the same word for a sentence).
/// A member named <c>None</c> stands for "no value" and is JSON <c>null</c>. Numbers and unknown words are refused, as a
/// string property refuses them; so is null for an enum without <c>None</c>. Written by hand rather than derived
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

    /// <summary>The index of the member named <c>None</c>, or -1. A nullable enum would cost the binary a second set of
    /// System.Text.Json's generic code for each enum.</summary>
    static readonly int NoneIndex = Array.IndexOf(Enum.GetNames<T>(), "None");

    public override bool HandleNull => true;

    /// <summary>The word of <paramref name="value"/>.</summary>
    public static string WordOf(T value) => Words[Unsafe.As<T, int>(ref value)];

    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null && NoneIndex >= 0)
        {
            var none = NoneIndex;
            return Unsafe.As<int, T>(ref none);
        }
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

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        if (Unsafe.As<T, int>(ref value) == NoneIndex)
            writer.WriteNullValue();
        else
            writer.WriteStringValue(WordOf(value));
    }
}
