using System.Text.RegularExpressions;

namespace HubManager.Updates;

/// <summary>
/// A release version as the API accepts it: a Semantic Versioning 2.0.0 string
/// (<c>MAJOR.MINOR.PATCH[-pre][+build]</c>) of at most <see cref="MaxLength"/> characters.
/// Anything that passes is safe to put into a URL path and a directory name: it can only hold
/// ASCII letters, digits, '.', '-' and '+', never starts with '.', and never contains "..".
/// </summary>
public static partial class ReleaseVersion
{
    public const int MaxLength = 64;

    // The official semver.org regular expression (numeric identifiers without leading zeros), anchored
    // with \z rather than $, which would also match before a trailing newline.
    [GeneratedRegex(@"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?\z",
        RegexOptions.CultureInvariant)]
    private static partial Regex Semver();

    /// <summary>True when <paramref name="value"/> is a semantic version the updater may ask the NAS for.</summary>
    public static bool IsValid(string? value) =>
        value is { Length: > 0 and <= MaxLength } && value.All(char.IsAscii) && Semver().IsMatch(value);

    /// <summary>The sentence a 400 answer carries for a refused <paramref name="value"/>.</summary>
    public static string Problem(string? value) => value switch
    {
        null => "\"version\" is required: a semantic version such as 2.0.11",
        { Length: > MaxLength } => $"\"version\" is longer than {MaxLength} characters",
        _ => $"\"version\" must be a semantic version such as 2.0.11 (MAJOR.MINOR.PATCH[-pre][+build]), not '{value}'",
    };
}
