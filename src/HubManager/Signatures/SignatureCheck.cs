using System.Security.Cryptography;

namespace HubManager.Signatures;

/// <summary>
/// The check of one package's signature, in two halves around its download. <see cref="Prepare"/> runs before a byte
/// of the package is fetched: the signature file must be a well-formed SSHSIG, signed for <see cref="Namespace"/>, by a
/// key that the allowed signers list for that namespace at this moment, of a type and size releases may use
/// (<see cref="SshPublicKey"/>). <see cref="Verify"/> runs once the package has
/// streamed through <see cref="MessageHash"/>: the signature must hold over exactly those bytes. Each failure is a
/// <see cref="SignatureException"/> whose sentence starts with the check's name.
/// </summary>
public sealed class SignatureCheck
{
    /// <summary>The namespace releases are signed for: <c>ssh-keygen -Y sign -n hub-release</c>.</summary>
    public const string Namespace = "hub-release";

    readonly SshSignature signature;
    readonly SshPublicKey key;
    readonly string what;

    SignatureCheck(SshSignature signature, SshPublicKey key, AllowedSigner signer, string what)
    {
        this.signature = signature;
        this.key = key;
        Signer = signer;
        this.what = what;
    }

    /// <summary>The allowed signers line that trusts the key.</summary>
    public AllowedSigner Signer { get; }

    /// <summary>The hash the package must be streamed through (the signer chose it: ssh-keygen's default is SHA-512).</summary>
    public HashAlgorithmName MessageHash => signature.MessageHash;

    /// <summary>How the journal names the signer: key type, fingerprint and the line that allows it.</summary>
    public string Describe(string path) => $"{key.Type} key {signature.Fingerprint} ({path} line {Signer.Line})";

    /// <summary>Checks everything that does not need the package; <paramref name="what"/> names the signature file in messages.</summary>
    public static SignatureCheck Prepare(string armored, string what, AllowedSigners signers, DateTimeOffset now)
    {
        SshSignature signature;
        try
        {
            signature = SshSignature.Parse(armored, what);
        }
        catch (SignatureException malformed)
        {
            throw new SignatureException($"malformed signature file: {malformed.Message}");
        }
        if (signature.Namespace != Namespace)
            throw new SignatureException($"wrong namespace: {what} is signed for namespace \"{Shorten(signature.Namespace)}\", not {Namespace} (sign with: ssh-keygen -Y sign -n {Namespace})");
        var signer = signers.Authorize(signature, Namespace, now);
        SshPublicKey key;
        try
        {
            key = SshPublicKey.Parse(signature.KeyBlob, $"the key that signed {what}");
        }
        catch (SignatureException unusable)
        {
            // Listed, but not a key a release may be signed with (a DSA or security-key type, RSA under 2048 bits).
            throw new SignatureException($"unsupported key: {unusable.Message}");
        }
        return new SignatureCheck(signature, key, signer, what);
    }

    /// <summary>Checks the signature over the package's <see cref="MessageHash"/>; throws "bad signature: …" when it does not hold.</summary>
    public void Verify(ReadOnlySpan<byte> messageHash)
    {
        if (!signature.Verify(key, messageHash))
            throw new SignatureException($"bad signature: {what} does not match the package as downloaded (changed after signing, or signed over another file)");
    }

    static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
