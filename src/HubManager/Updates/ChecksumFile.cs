namespace HubManager.Updates;

/// <summary>Reads sha256sum output: "HEX  name", "HEX *name", or a bare HEX.</summary>
public static class ChecksumFile
{
    public static string? Find(string text, string fileName)
    {
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var split = line.IndexOfAny([' ', '\t']);
            var hex = split < 0 ? line : line[..split];
            var name = split < 0 ? null : line[(split + 1)..].TrimStart().TrimStart('*');
            if (hex.Length != 64 || !hex.All(Uri.IsHexDigit))
                continue;
            if (name is null || name.Length == 0 || Path.GetFileName(name) == fileName)
                return hex.ToLowerInvariant();
        }
        return null;
    }
}
