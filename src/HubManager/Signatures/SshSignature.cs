using System.Security.Cryptography;
using System.Text;

namespace HubManager.Signatures;

/// <summary>
/// An OpenSSH signature file (<c>ssh-keygen -Y sign</c>, the armored SSHSIG format of OpenSSH's PROTOCOL.sshsig):
/// the signer's public key, the namespace it was signed for, the hash algorithm (<c>sha256</c> or <c>sha512</c>) and
/// the signature over the SSHSIG envelope of the message's hash. Parsing checks the structure completely and
/// bounds it (<see cref="MaxArmoredBytes"/>); it proves nothing about the signer, which is
/// <see cref="SignatureCheck"/>'s business. The signer's key is kept as its wire blob: it is looked up among the
/// allowed signers before it is parsed as a key (<see cref="SshPublicKey"/>).
/// </summary>
public sealed class SshSignature
{
    /// <summary>An RSA-16384 signature armors to about 5 KiB; anything much larger is not a signature.</summary>
    public const int MaxArmoredBytes = 16 * 1024;

    const string Begin = "-----BEGIN SSH SIGNATURE-----", End = "-----END SSH SIGNATURE-----";
    static ReadOnlySpan<byte> Magic => "SSHSIG"u8;

    SshSignature(byte[] keyBlob, string keyType, string @namespace, byte[] reserved, string hashAlgorithm, byte[] signature)
    {
        KeyBlob = keyBlob;
        KeyType = keyType;
        Namespace = @namespace;
        Reserved = reserved;
        HashAlgorithm = hashAlgorithm;
        Signature = signature;
    }

    /// <summary>The signer's public key in wire form.</summary>
    public byte[] KeyBlob { get; }

    /// <summary>The key type the blob names (<c>ssh-ed25519</c>…), for messages.</summary>
    public string KeyType { get; }

    /// <summary>The key as <c>ssh-keygen -l</c> names it: <c>SHA256:</c> and the unpadded base64 of the blob's SHA-256.</summary>
    public string Fingerprint => "SHA256:" + Convert.ToBase64String(SHA256.HashData(KeyBlob)).TrimEnd('=');
    public string Namespace { get; }
    byte[] Reserved { get; }
    /// <summary><c>sha256</c> or <c>sha512</c>: the hash the message must be run through.</summary>
    public string HashAlgorithm { get; }
    byte[] Signature { get; }

    /// <summary>The .NET name of <see cref="HashAlgorithm"/>.</summary>
    public HashAlgorithmName MessageHash => HashAlgorithm == "sha256" ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA512;

    /// <summary>Parses the armored text; throws <see cref="SignatureException"/> ("… is malformed: …") for anything else.</summary>
    public static SshSignature Parse(string text, string what)
    {
        if (text.Length > MaxArmoredBytes)
            throw new SignatureException($"{what} is malformed: it is larger than {MaxArmoredBytes / 1024} KiB");
        var body = text.AsSpan().Trim();
        if (!body.StartsWith(Begin, StringComparison.Ordinal) || !body.EndsWith(End, StringComparison.Ordinal) || body.Length < Begin.Length + End.Length)
            throw new SignatureException($"{what} is malformed: it is not an SSH signature (-----BEGIN SSH SIGNATURE-----)");
        // Base64 decoding skips the line breaks (and any space or tab) between the armor lines.
        var base64 = body[Begin.Length..^End.Length];
        var blob = new byte[base64.Length];
        if (!Convert.TryFromBase64Chars(base64, blob, out var length))
            throw new SignatureException($"{what} is malformed: its body is not base64");

        var reader = new SshWireReader(blob.AsSpan(0, length), what);
        var magic = blob.AsSpan(0, Math.Min(length, Magic.Length));
        if (!magic.SequenceEqual(Magic))
            throw reader.Malformed("it does not start with SSHSIG");
        reader = new SshWireReader(blob.AsSpan(Magic.Length, length - Magic.Length), what);
        var version = reader.ReadUInt32();
        if (version != 1)
            throw reader.Malformed($"its version is {version}, not 1");
        var keyBlob = reader.ReadString();
        var @namespace = reader.ReadName();
        var reserved = reader.ReadString().ToArray();
        var hash = reader.ReadName();
        var signature = reader.ReadString().ToArray();
        if (!reader.AtEnd)
            throw reader.Malformed("bytes follow the signature");
        if (hash is not ("sha256" or "sha512"))
            throw reader.Malformed($"its hash algorithm is {hash}, not sha256 or sha512");
        var keyType = new SshWireReader(keyBlob, $"the key in {what}").ReadName();
        return new SshSignature(keyBlob.ToArray(), keyType, @namespace, reserved, hash, signature);
    }

    /// <summary>True when the signature is <paramref name="key"/>'s over the SSHSIG envelope of <paramref name="messageHash"/> (see <see cref="MessageHash"/>).</summary>
    public bool Verify(SshPublicKey key, ReadOnlySpan<byte> messageHash)
    {
        var envelope = new MemoryStream(64 + Namespace.Length + Reserved.Length + messageHash.Length);
        envelope.Write(Magic);
        WriteString(envelope, Encoding.ASCII.GetBytes(Namespace));
        WriteString(envelope, Reserved);
        WriteString(envelope, Encoding.ASCII.GetBytes(HashAlgorithm));
        WriteString(envelope, messageHash);
        return key.Verify(Signature, envelope.GetBuffer().AsSpan(0, (int)envelope.Length));
    }

    static void WriteString(Stream stream, ReadOnlySpan<byte> value)
    {
        Span<byte> length = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(length, (uint)value.Length);
        stream.Write(length);
        stream.Write(value);
    }
}
