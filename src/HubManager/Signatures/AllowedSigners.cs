using System.Globalization;
using System.Text;
using HubManager.Platform;

namespace HubManager.Signatures;

/// <summary>
/// The keys trusted to sign releases: an OpenSSH <c>allowed_signers</c> file (ssh-keygen(1), ALLOWED SIGNERS), one key a
/// line with its principals and the options <c>namespaces="…"</c>, <c>valid-after="…"</c> and <c>valid-before="…"</c>;
/// several lines for one key or several keys make rotation possible. Read whole and strictly: where ssh-keygen skips a
/// line it cannot parse, a line here that is not understood (or is a <c>cert-authority</c>, which only certificates
/// match) makes the whole file unusable, so that a typo never quietly narrows or widens the trust. A missing file is
/// an empty one: no keys, signatures off. Bounded to <see cref="MaxBytes"/>, a regular file, not a symlink.
/// </summary>
public sealed class AllowedSigners
{
    public const int MaxBytes = 256 * 1024;

    AllowedSigners(string path, IReadOnlyList<AllowedSigner> signers)
    {
        Path = path;
        Signers = signers;
    }

    public string Path { get; }
    public IReadOnlyList<AllowedSigner> Signers { get; }

    /// <summary>
    /// Reads <paramref name="path"/>; throws <see cref="SignatureException"/> naming the path and line when it is unusable,
    /// or when it is missing and not <paramref name="mayBeMissing"/>.
    /// </summary>
    public static AllowedSigners Load(string path, bool mayBeMissing)
    {
        byte[] bytes;
        try
        {
            bytes = NoFollowFile.ReadRegular(path, MaxBytes);
        }
        catch (FileNotFoundException) when (mayBeMissing)
        {
            return new AllowedSigners(path, []);
        }
        catch (FileNotFoundException)
        {
            throw new SignatureException($"the allowed signers file {path} (Update:AllowedSigners) does not exist; signatures stay required until it does (the manager's unit cannot see /home or /root)");
        }
        catch (Exception unreadable) when (unreadable is IOException or UnauthorizedAccessException)
        {
            throw new SignatureException($"the allowed signers file cannot be read: {unreadable.Message}");
        }
        return Parse(path, Encoding.UTF8.GetString(bytes));
    }

    /// <summary>Parses the file's text; <paramref name="path"/> only names it in messages.</summary>
    public static AllowedSigners Parse(string path, string text)
    {
        var signers = new List<AllowedSigner>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.AsSpan().Trim();
            if (line.IsEmpty || line[0] == '#')
                continue;
            try
            {
                signers.Add(ParseLine(number, line));
            }
            catch (FormatException invalid)
            {
                throw new SignatureException($"the allowed signers file {path} is unusable: line {number}: {invalid.Message}");
            }
        }
        return new AllowedSigners(path, signers);
    }

    /// <summary>
    /// The line that lets the key of <paramref name="signature"/> sign in <paramref name="namespace"/> at <paramref name="now"/>; else a
    /// <see cref="SignatureException"/> saying the most specific reason: an unknown key, a key not allowed for the
    /// namespace, or a key outside its validity window.
    /// </summary>
    public AllowedSigner Authorize(SshSignature signature, string @namespace, DateTimeOffset now)
    {
        AllowedSigner? wrongNamespace = null, notValidNow = null;
        foreach (var signer in Signers)
        {
            if (!signer.KeyBlob.AsSpan().SequenceEqual(signature.KeyBlob))
                continue;
            if (!signer.AllowsNamespace(@namespace))
                wrongNamespace ??= signer;
            else if (!signer.ValidAt(now))
                notValidNow ??= signer;
            else
                return signer;
        }
        var which = $"{Excerpt(signature.KeyType)} key {signature.Fingerprint}";
        if (notValidNow is { } expired)
            throw new SignatureException($"key not valid now: {Path} line {expired.Line} allows the {which} only {Window(expired)}, and it is {Stamp(now.ToUnixTimeSeconds())}");
        if (wrongNamespace is { } narrow)
            throw new SignatureException($"wrong namespace: {Path} line {narrow.Line} allows the {which} only for namespaces \"{Excerpt(narrow.Namespaces!)}\", not {@namespace}");
        throw new SignatureException($"unknown key: the package is signed by the {which}, which {Path} does not list");
    }

    static string Window(AllowedSigner signer) =>
        (signer.ValidAfter, signer.ValidBefore) switch
        {
            (0, var before) => $"until {Stamp(before)}",
            (var after, 0) => $"from {Stamp(after)}",
            var (after, before) => $"from {Stamp(after)} until {Stamp(before)}",
        };

    static string Stamp(long seconds) => DateTimeOffset.FromUnixTimeSeconds(seconds).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    static string Excerpt(string text) => text.Length <= 100 ? text : text[..100] + "…";

    static AllowedSigner ParseLine(int number, ReadOnlySpan<char> line)
    {
        var principals = NextToken(ref line, quoted: true);
        var token = NextToken(ref line, quoted: true);
        string? namespaces = null;
        long validAfter = 0, validBefore = 0;
        if (token.Contains('=') || token.Equals("cert-authority", StringComparison.OrdinalIgnoreCase))
        {
            ParseOptions(token, out namespaces, out validAfter, out validBefore);
            token = NextToken(ref line, quoted: false);
        }
        var type = token;
        var base64 = NextToken(ref line, quoted: false);
        if (type.Length == 0 || base64.Length == 0)
            throw new FormatException("expected: principals [options] key-type base64-key [comment]");
        var blob = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, blob, out var length))
            throw new FormatException($"the {Excerpt(type)} key is not base64");
        Array.Resize(ref blob, length);
        // The blob names its own type; a line whose word and blob disagree is not a key (sshkey_read refuses it too).
        string blobType;
        try
        {
            blobType = new SshWireReader(blob, "the key").ReadName();
        }
        catch (SignatureException)
        {
            throw new FormatException($"the {Excerpt(type)} key is not an SSH public key");
        }
        if (blobType != type)
            throw new FormatException($"the key says it is {Excerpt(blobType)}, not {Excerpt(type)}");
        return new AllowedSigner(number, principals, namespaces, validAfter, validBefore, type, blob);
    }

    /// <summary>The next white-space-delimited token; with <paramref name="quoted"/>, double quotes group white space into it.</summary>
    static string NextToken(ref ReadOnlySpan<char> line, bool quoted)
    {
        line = line.TrimStart();
        var inQuotes = false;
        var end = 0;
        for (; end < line.Length; end++)
        {
            var c = line[end];
            if (quoted && c == '"' && (end == 0 || line[end - 1] != '\\'))
                inQuotes = !inQuotes;
            else if (!inQuotes && c is ' ' or '\t')
                break;
        }
        if (inQuotes)
            throw new FormatException("a quoted value is not closed");
        var token = line[..end].ToString();
        line = line[end..];
        return token;
    }

    /// <summary>ssh-keygen's option syntax: comma-separated, names in any case, values in double quotes with <c>\"</c> escapes.</summary>
    static void ParseOptions(string options, out string? namespaces, out long validAfter, out long validBefore)
    {
        (namespaces, validAfter, validBefore) = (null, 0, 0);
        var at = 0;
        while (true)
        {
            var nameEnd = options.IndexOfAny(['=', ','], at);
            var name = options[at..(nameEnd < 0 ? options.Length : nameEnd)];
            if (name.Equals("cert-authority", StringComparison.OrdinalIgnoreCase))
                throw new FormatException("cert-authority (a certificate authority) is not supported for releases; list the signing keys themselves");
            if (nameEnd < 0 || options[nameEnd] != '=')
                throw new FormatException($"option {Excerpt(name)} has no value");
            var value = Dequote(options, ref at, nameEnd + 1, name);
            if (name.Equals("namespaces", StringComparison.OrdinalIgnoreCase))
                namespaces = namespaces is null ? value : throw new FormatException("namespaces is given twice");
            else if (name.Equals("valid-after", StringComparison.OrdinalIgnoreCase))
                validAfter = validAfter == 0 ? ParseTime(value, name) : throw new FormatException("valid-after is given twice");
            else if (name.Equals("valid-before", StringComparison.OrdinalIgnoreCase))
                validBefore = validBefore == 0 ? ParseTime(value, name) : throw new FormatException("valid-before is given twice");
            else
                throw new FormatException($"unknown option {Excerpt(name)} (allowed: namespaces, valid-after, valid-before)");
            if (at == options.Length)
                return;
            if (options[at] != ',' || ++at == options.Length)
                throw new FormatException("options must be separated by single commas");
        }
    }

    static string Dequote(string options, ref int at, int start, string name)
    {
        if (start >= options.Length || options[start] != '"')
            throw new FormatException($"the value of {Excerpt(name)} must be in double quotes");
        var value = new StringBuilder();
        for (var i = start + 1; i < options.Length; i++)
        {
            if (options[i] == '\\' && i + 1 < options.Length && options[i + 1] == '"')
                value.Append(options[++i]);
            else if (options[i] == '"')
            {
                at = i + 1;
                return value.ToString();
            }
            else
                value.Append(options[i]);
        }
        throw new FormatException($"the value of {Excerpt(name)} is not closed");
    }

    /// <summary>ssh-keygen's absolute times: YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS; UTC with a Z (or UTC) suffix, else local time.</summary>
    static long ParseTime(string value, string name)
    {
        var utc = value.EndsWith('Z') || value.EndsWith('z');
        var digits = utc ? value[..^1] : value.EndsWith("UTC", StringComparison.OrdinalIgnoreCase) ? value[..^3] : value;
        utc |= digits.Length != value.Length;
        var format = digits.Length switch { 8 => "yyyyMMdd", 12 => "yyyyMMddHHmm", 14 => "yyyyMMddHHmmss", _ => null };
        if (format is null || !DateTime.TryParseExact(digits, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            throw new FormatException($"{name}=\"{Excerpt(value)}\" is not a time such as 20270101 or 20270101120000Z");
        var stamp = utc ? new DateTimeOffset(time, TimeSpan.Zero) : new DateTimeOffset(time, TimeZoneInfo.Local.GetUtcOffset(time));
        var seconds = stamp.ToUnixTimeSeconds();
        return seconds > 0 ? seconds : throw new FormatException($"{name} must be after 1970");
    }
}
