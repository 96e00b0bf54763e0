namespace HubManager.Signatures;

/// <summary>
/// One line of an OpenSSH <c>allowed_signers</c> file (ssh-keygen(1), ALLOWED SIGNERS): the principals it names, the
/// namespaces the key may sign for (null: any), the window in which it is valid (Unix seconds, 0: unbounded, both
/// ends inclusive as in ssh-keygen) and the key itself, kept as its type word and wire blob.
/// A class, not a record: nothing compares or prints lines, and a record's generated members would cost binary size.
/// </summary>
public sealed class AllowedSigner(int line, string principals, string? namespaces, long validAfter, long validBefore, string keyType, byte[] keyBlob)
{
    public int Line => line;
    public string Principals => principals;
    public string? Namespaces => namespaces;
    public long ValidAfter => validAfter;
    public long ValidBefore => validBefore;
    public string KeyType => keyType;
    public byte[] KeyBlob => keyBlob;

    /// <summary>True when the key may sign in <paramref name="namespace"/> (its <c>namespaces="…"</c> pattern list allows it).</summary>
    public bool AllowsNamespace(string @namespace) => Namespaces is null || SshPattern.MatchesList(@namespace, Namespaces);

    /// <summary>True when <paramref name="now"/> lies in the key's <c>valid-after</c>/<c>valid-before</c> window.</summary>
    public bool ValidAt(DateTimeOffset now)
    {
        var seconds = now.ToUnixTimeSeconds();
        return (ValidAfter == 0 || seconds >= ValidAfter) && (ValidBefore == 0 || seconds <= ValidBefore);
    }
}
