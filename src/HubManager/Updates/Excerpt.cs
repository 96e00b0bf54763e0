using System.Globalization;
using System.Text;

namespace HubManager.Updates;

/// <summary>
/// How a log line or an error message quotes text that came from outside (a package entry's name, a link
/// target, a manifest's version): at most about <see cref="MaxChars"/> characters of it, with backslashes,
/// control characters and invisible formatting characters escaped, so that a quotation is always one short
/// line that shows what was there; longer text ends in "…(N bytes)".
/// </summary>
public static class Excerpt
{
    public const int MaxChars = 100;

    public static string Of(string text)
    {
        var quoted = new StringBuilder(Math.Min(text.Length, MaxChars) + 24);
        var i = 0;
        for (; i < text.Length && quoted.Length < MaxChars; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                quoted.Append(c).Append(text[++i]);
            else if (c == '\\')
                quoted.Append(@"\\");
            else if (c == '\n')
                quoted.Append(@"\n");
            else if (c == '\t')
                quoted.Append(@"\t");
            else if (c == '\0')
                quoted.Append(@"\0");
            else if (char.IsControl(c) || char.IsSurrogate(c) || IsInvisible(c))
                quoted.Append(CultureInfo.InvariantCulture, $@"\u{(int)c:x4}");
            else
                quoted.Append(c);
        }
        if (i < text.Length)
            quoted.Append(CultureInfo.InvariantCulture, $"…({Encoding.UTF8.GetByteCount(text)} bytes)");
        return quoted.ToString();
    }

    // Bidirectional overrides, zero-width characters and line/paragraph separators: they change how the rest
    // of a line reads (or where it ends) without showing themselves.
    static bool IsInvisible(char c) => char.GetUnicodeCategory(c)
        is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
