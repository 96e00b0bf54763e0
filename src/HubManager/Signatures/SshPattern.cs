namespace HubManager.Signatures;

/// <summary>
/// OpenSSH's pattern lists (<c>match_pattern_list</c>, as used for principals and <c>namespaces="…"</c>): comma-separated
/// patterns where <c>*</c> matches any run of characters and <c>?</c> any one; a pattern starting with <c>!</c> that
/// matches excludes the name whatever else matches. Case-sensitive, as ssh-keygen compares namespaces.
/// </summary>
public static class SshPattern
{
    public static bool MatchesList(string name, string patterns)
    {
        var matched = false;
        foreach (var entry in patterns.Split(','))
        {
            var negated = entry.StartsWith('!');
            if (Matches(name, negated ? entry.AsSpan(1) : entry))
            {
                if (negated)
                    return false;
                matched = true;
            }
        }
        return matched;
    }

    /// <summary>Iterative wildcard match with one backtrack point: linear in practice, never exponential.</summary>
    public static bool Matches(ReadOnlySpan<char> name, ReadOnlySpan<char> pattern)
    {
        int n = 0, p = 0, starPattern = -1, starName = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == name[n]))
            {
                n++;
                p++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                starPattern = p++;
                starName = n;
            }
            else if (starPattern >= 0)
            {
                p = starPattern + 1;
                n = ++starName;
            }
            else
                return false;
        }
        while (p < pattern.Length && pattern[p] == '*')
            p++;
        return p == pattern.Length;
    }
}
