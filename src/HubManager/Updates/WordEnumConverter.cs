using System.Text.Json;
using System.Text.Json.Serialization;

namespace HubManager.Updates;

/// <summary>
/// Writes and reads an enum as the word the API and the state files use: its member's name in camelCase
/// (<c>RolledBack</c> is <c>rolledBack</c>; <see cref="EnumWords.Word{T}"/> gives the same word for a sentence).
/// The AOT-safe <see cref="JsonStringEnumConverter{T}"/>; numbers are refused, as a string property refuses them.
/// </summary>
public sealed class WordEnumConverter<T>() : JsonStringEnumConverter<T>(EnumWords.Policy, allowIntegerValues: false)
    where T : struct, Enum;
