namespace HubManager.Updates;

/// <summary>
/// A release version as the API accepts it: a Semantic Versioning 2.0.0 string
/// (<c>MAJOR.MINOR.PATCH[-pre][+build]</c>) of at most <see cref="MaxLength"/> characters.
/// Anything that passes is safe to put into a URL path and a directory name: it can only hold
/// ASCII letters, digits, '.', '-' and '+', never starts with '.', and never contains "..".
/// </summary>
public static class ReleaseVersion
{
    public const int MaxLength = 64;

    /// <summary>True when <paramref name="value"/> is a semantic version the updater may ask the NAS for.</summary>
    public static bool IsValid(string? value) => value is { Length: > 0 and <= MaxLength } && IsSemanticVersion(value);

    /// <summary>
    /// semver.org's grammar, read by hand (a regular expression would bring the regex engine into the binary):
    /// three numeric identifiers, then optionally '-' and dot-separated pre-release identifiers, then optionally '+'
    /// and dot-separated build identifiers. Numeric identifiers have no leading zeros; only ASCII counts.
    /// </summary>
    static bool IsSemanticVersion(ReadOnlySpan<char> rest)
    {
        for (var part = 0; part < 3; part++)
        {
            var length = NumberLength(rest);
            if (length == 0)
                return false;
            rest = rest[length..];
            if (part < 2)
            {
                if (rest.IsEmpty || rest[0] != '.')
                    return false;
                rest = rest[1..];
            }
        }
        if (!rest.IsEmpty && rest[0] == '-' && !SkipIdentifiers(ref rest, preRelease: true))
            return false;
        if (!rest.IsEmpty && rest[0] == '+' && !SkipIdentifiers(ref rest, preRelease: false))
            return false;
        return rest.IsEmpty;
    }

    /// <summary>The length of the number <paramref name="text"/> starts with: "0" or digits without a leading zero.</summary>
    static int NumberLength(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || !char.IsAsciiDigit(text[0]))
            return 0;
        if (text[0] == '0')
            return 1;
        var length = 1;
        while (length < text.Length && char.IsAsciiDigit(text[length]))
            length++;
        return length;
    }

    /// <summary>Skips the separator and one or more dot-separated identifiers of [0-9A-Za-z-].</summary>
    static bool SkipIdentifiers(ref ReadOnlySpan<char> rest, bool preRelease)
    {
        do
        {
            rest = rest[1..];
            var length = 0;
            var digitsOnly = true;
            while (length < rest.Length && (char.IsAsciiLetterOrDigit(rest[length]) || rest[length] == '-'))
                digitsOnly &= char.IsAsciiDigit(rest[length++]);
            // A pre-release identifier that is a number has no leading zero (build identifiers may).
            if (length == 0 || (preRelease && digitsOnly && length > 1 && rest[0] == '0'))
                return false;
            rest = rest[length..];
        }
        while (!rest.IsEmpty && rest[0] == '.');
        return true;
    }

    /// <summary>The sentence a 400 answer carries for a refused <paramref name="value"/>.</summary>
    public static string Problem(string? value) => value switch
    {
        null => "\"version\" is required: a semantic version such as 2.0.11",
        { Length: > MaxLength } => $"\"version\" is longer than {MaxLength} characters",
        _ => $"\"version\" must be a semantic version such as 2.0.11 (MAJOR.MINOR.PATCH[-pre][+build]), not '{value}'",
    };
}
