namespace HubManager.Updates;

/// <summary>
/// Semantic Versioning 2.0.0 (semver.org): the grammar <c>MAJOR.MINOR.PATCH[-pre][+build]</c>, read by hand (a regular
/// expression would bring the regex engine into the binary), and its precedence, which is what makes one release
/// older than another. Versions outside the grammar (a timestamp, "v2") have no order.
/// </summary>
public static class SemanticVersion
{
    /// <summary>
    /// Orders <paramref name="left"/> and <paramref name="right"/> by semver precedence (negative: left is older; 0: the
    /// same precedence, build metadata ignored), or null when either is not a semantic version.
    /// </summary>
    public static int? Compare(string? left, string? right)
    {
        if (left is null || right is null || !TrySplit(left, out var leftCore, out var leftPre) || !TrySplit(right, out var rightCore, out var rightPre))
            return null;
        var core = CompareIdentifiers(leftCore, rightCore);
        if (core != 0)
            return core;
        // A pre-release is older than its release: 1.0.0-rc.1 < 1.0.0.
        if (leftPre.IsEmpty || rightPre.IsEmpty)
            return (leftPre.IsEmpty ? 1 : 0) - (rightPre.IsEmpty ? 1 : 0);
        return CompareIdentifiers(leftPre, rightPre);
    }

    /// <summary>Splits a semantic version into <c>MAJOR.MINOR.PATCH</c> and the pre-release identifiers (empty when none); false outside the grammar.</summary>
    static bool TrySplit(ReadOnlySpan<char> text, out ReadOnlySpan<char> core, out ReadOnlySpan<char> preRelease)
    {
        core = preRelease = default;
        var rest = text;
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
        core = text[..(text.Length - rest.Length)];
        if (!rest.IsEmpty && rest[0] == '-')
        {
            var start = text.Length - rest.Length + 1;
            if (!SkipIdentifiers(ref rest, preRelease: true))
                return false;
            preRelease = text[start..(text.Length - rest.Length)];
        }
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

    /// <summary>
    /// Dot-separated identifiers, left to right: numbers by value (no leading zeros, so a longer one is larger, and any
    /// length compares without overflow), numbers below words, words in ASCII order; a prefix is older than the longer list.
    /// </summary>
    static int CompareIdentifiers(ReadOnlySpan<char> left, ReadOnlySpan<char> right)
    {
        while (true)
        {
            if (left.IsEmpty || right.IsEmpty)
                return (left.IsEmpty ? 0 : 1) - (right.IsEmpty ? 0 : 1);
            var leftWord = NextIdentifier(ref left);
            var rightWord = NextIdentifier(ref right);
            var leftNumber = IsNumber(leftWord);
            var rightNumber = IsNumber(rightWord);
            var order = (leftNumber, rightNumber) switch
            {
                (true, true) => leftWord.Length != rightWord.Length ? leftWord.Length - rightWord.Length : Ordinal(leftWord, rightWord),
                (true, false) => -1,
                (false, true) => 1,
                _ => Ordinal(leftWord, rightWord),
            };
            if (order != 0)
                return Math.Sign(order);
        }
    }

    static ReadOnlySpan<char> NextIdentifier(ref ReadOnlySpan<char> list)
    {
        var dot = list.IndexOf('.');
        var identifier = dot < 0 ? list : list[..dot];
        list = dot < 0 ? default : list[(dot + 1)..];
        return identifier;
    }

    // Plain loops rather than the vectorized span helpers: identifiers are a few characters, and the helpers cost binary size.
    static bool IsNumber(ReadOnlySpan<char> identifier)
    {
        foreach (var c in identifier)
            if (!char.IsAsciiDigit(c))
                return false;
        return true;
    }

    /// <summary>ASCII order (identifiers are ASCII), then the shorter first.</summary>
    static int Ordinal(ReadOnlySpan<char> left, ReadOnlySpan<char> right)
    {
        for (var i = 0; i < left.Length && i < right.Length; i++)
            if (left[i] != right[i])
                return left[i] - right[i];
        return left.Length - right.Length;
    }
}
