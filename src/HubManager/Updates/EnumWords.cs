namespace HubManager.Updates;

/// <summary>The word for an enum member in sentences and log lines, the same as in JSON (<see cref="WordEnumConverter{T}"/>).</summary>
public static class EnumWords
{
    /// <summary>"the update to 2.0.11", "during the download phase".</summary>
    public static string Word<T>(this T value) where T : struct, Enum => WordEnumConverter<T>.WordOf(value);
}
