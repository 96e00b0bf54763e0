namespace HubManager.Updates;

/// <summary>
/// A release version as the API accepts it: 1 to <see cref="MaxLength"/> characters of ASCII letters, digits, '.',
/// '_', '+' and '-', starting with a letter or a digit, without "..". That takes semantic versions (2.0.11-rc.1+b.5)
/// and the timestamps deploy scripts default to (20261202-045344), and anything that passes is safe to put into a
/// URL path and a directory name: never "." or "..", never a separator, an escape or a control character.
/// Whether one version is older than another is <see cref="SemanticVersion"/>'s question, not this rule's.
/// </summary>
public static class ReleaseVersion
{
    public const int MaxLength = 64;

    /// <summary>True when <paramref name="value"/> is a version the updater may ask the NAS for.</summary>
    public static bool IsValid(string? value)
    {
        if (value is not { Length: > 0 and <= MaxLength } || !char.IsAsciiLetterOrDigit(value[0]))
            return false;
        for (var i = 1; i < value.Length; i++)
        {
            var c = value[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '+' or '-') || (c == '.' && value[i - 1] == '.'))
                return false;
        }
        return true;
    }

    /// <summary>The sentence a 400 answer carries for a refused <paramref name="value"/>.</summary>
    public static string Problem(string? value) => value switch
    {
        null => "\"version\" is required: a version such as 2.0.11 or 20261202-045344",
        { Length: > MaxLength } => $"\"version\" is longer than {MaxLength} characters",
        _ => $"\"version\" must be 1 to {MaxLength} letters, digits, '.', '_', '+' or '-', starting with a letter or digit and without '..' (such as 2.0.11 or 20261202-045344), not '{Excerpt.Of(value)}'",
    };
}
