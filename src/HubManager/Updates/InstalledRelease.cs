using System.Text.Json;
using HubManager.Platform;

namespace HubManager.Updates;

/// <summary>The hub release installed in <c>InstallDir</c>, as its <c>package.json</c> names it.</summary>
public sealed record InstalledRelease(string? Name, string Version)
{
    /// <summary>A package.json larger than this is not a release manifest; refuse rather than read it.</summary>
    const int MaxManifestBytes = 1 << 20;

    /// <summary>
    /// Reads <c>package.json</c> afresh, as <see cref="NoFollowFile"/> reads: a regular file only (a symlink, FIFO
    /// or device is refused without blocking), at most 1 MiB. Throws <see cref="IOException"/> or
    /// <see cref="InvalidDataException"/> with a sentence an operator can act on that quotes none of the content.
    /// </summary>
    public static InstalledRelease Read(string installDir)
    {
        var path = Path.Combine(installDir, "package.json");
        return Parse(NoFollowFile.ReadRegular(path, MaxManifestBytes), path);
    }

    /// <summary>Like <see cref="Read"/>, but null when the manifest is missing or unreadable.</summary>
    public static InstalledRelease? TryRead(string installDir)
    {
        try
        {
            return Read(installDir);
        }
        catch (Exception failure) when (failure is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Takes the top-level string <c>name</c> and <c>version</c>; nested objects are skipped unread.</summary>
    public static InstalledRelease Parse(ReadOnlySpan<byte> json, string source)
    {
        string? name = null, version = null;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new InvalidDataException($"{source} is not a JSON object.");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isName = reader.ValueTextEquals("name"u8);
                var isVersion = reader.ValueTextEquals("version"u8);
                reader.Read();
                if (isName && reader.TokenType == JsonTokenType.String)
                    name = reader.GetString();
                else if (isVersion && reader.TokenType == JsonTokenType.String)
                    version = reader.GetString();
                else
                    reader.Skip();
            }
        }
        catch (JsonException invalid)
        {
            // Only where: the reader's own message quotes the offending character, which may be a secret's.
            throw new InvalidDataException($"{source} is not valid JSON (line {invalid.LineNumber + 1 ?? 1}, byte {invalid.BytePositionInLine + 1 ?? 1}).");
        }
        catch (InvalidOperationException)
        {
            throw new InvalidDataException($"{source} has a \"name\" or \"version\" that is not valid UTF-8.");
        }
        if (string.IsNullOrEmpty(version))
            throw new InvalidDataException($"{source} has no \"version\" string.");
        return new InstalledRelease(name, version);
    }
}
