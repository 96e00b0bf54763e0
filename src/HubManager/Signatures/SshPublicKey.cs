using System.Security.Cryptography;
using HubManager.Platform;

namespace HubManager.Signatures;

/// <summary>
/// A public key in OpenSSH's wire form (the base64 of a <c>.pub</c> line), restricted to what a release may be signed
/// with: <c>ssh-ed25519</c>, <c>ecdsa-sha2-nistp256</c> and <c>ssh-rsa</c> of at least <see cref="MinRsaBits"/> bits
/// (signing with <c>rsa-sha2-256</c> or <c>rsa-sha2-512</c>; SHA-1 <c>ssh-rsa</c> signatures are refused, as
/// <c>ssh-keygen -Y verify</c> refuses them). Verification is the platform's: ECDSA and RSA through
/// System.Security.Cryptography, Ed25519 through libcrypto (<see cref="LibCrypto"/>).
/// </summary>
public sealed class SshPublicKey
{
    public const int MinRsaBits = 2048, MaxRsaBits = 16384;

    readonly byte[] material;
    readonly byte[] exponent;

    SshPublicKey(string type, byte[] material, byte[] exponent)
    {
        Type = type;
        this.material = material;
        this.exponent = exponent;
    }

    /// <summary><c>ssh-ed25519</c>, <c>ecdsa-sha2-nistp256</c> or <c>ssh-rsa</c>.</summary>
    public string Type { get; }

    /// <summary>Parses <paramref name="blob"/>; throws <see cref="SignatureException"/> for an unsupported type or a malformed key.</summary>
    public static SshPublicKey Parse(ReadOnlySpan<byte> blob, string what)
    {
        var reader = new SshWireReader(blob, what);
        var type = reader.ReadName();
        byte[] material, exponent = [];
        switch (type)
        {
            case "ssh-ed25519":
                material = reader.ReadString().ToArray();
                if (material.Length != 32)
                    throw reader.Malformed($"an Ed25519 key has 32 bytes, not {material.Length}");
                break;
            case "ecdsa-sha2-nistp256":
                if (reader.ReadName() != "nistp256")
                    throw reader.Malformed("its curve is not nistp256");
                material = reader.ReadString().ToArray();
                if (material.Length != 65 || material[0] != 4)
                    throw reader.Malformed("its point is not an uncompressed P-256 point");
                break;
            case "ssh-rsa":
                exponent = reader.ReadPositiveMpint().ToArray();
                material = reader.ReadPositiveMpint().ToArray();
                var bits = material.Length == 0 ? 0 : material.Length * 8 - System.Numerics.BitOperations.LeadingZeroCount((uint)material[0]) + 24;
                if (bits < MinRsaBits || bits > MaxRsaBits)
                    throw new SignatureException($"{what} is an RSA key of {bits} bits; release keys must have {MinRsaBits} to {MaxRsaBits} bits");
                if (exponent.Length is 0 or > 8)
                    throw reader.Malformed("its RSA exponent is out of range");
                break;
            default:
                throw new SignatureException($"{what} is of type {type}, which is not supported for releases (ssh-ed25519, ecdsa-sha2-nistp256 or ssh-rsa)");
        }
        if (!reader.AtEnd)
            throw reader.Malformed("bytes follow the key");
        return new SshPublicKey(type, material, exponent);
    }

    /// <summary>
    /// True when <paramref name="signature"/> (an SSH signature blob: algorithm name and signature bytes) is this key's
    /// valid signature of <paramref name="data"/>. A signature of the wrong algorithm for the key, or malformed inside, is false.
    /// </summary>
    public bool Verify(ReadOnlySpan<byte> signature, ReadOnlySpan<byte> data)
    {
        var reader = new SshWireReader(signature, "the signature");
        var algorithm = reader.ReadName();
        var bytes = reader.ReadString();
        if (!reader.AtEnd)
            return false;
        try
        {
            return (Type, algorithm) switch
            {
                ("ssh-ed25519", "ssh-ed25519") => LibCrypto.VerifyEd25519(material, bytes, data),
                ("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256") => VerifyEcdsa(bytes, data),
                ("ssh-rsa", "rsa-sha2-256") => VerifyRsa(bytes, data, HashAlgorithmName.SHA256),
                ("ssh-rsa", "rsa-sha2-512") => VerifyRsa(bytes, data, HashAlgorithmName.SHA512),
                _ => false,
            };
        }
        catch (CryptographicException)
        {
            // A point off the curve or a modulus OpenSSL will not take: no signature by it is valid.
            return false;
        }
    }

    /// <summary>The SSH ECDSA signature is two mpints (r, s); .NET takes IEEE P1363, r and s as 32 bytes each.</summary>
    bool VerifyEcdsa(ReadOnlySpan<byte> blob, ReadOnlySpan<byte> data)
    {
        var reader = new SshWireReader(blob, "the ECDSA signature");
        var r = reader.ReadPositiveMpint();
        var s = reader.ReadPositiveMpint();
        if (!reader.AtEnd || r.Length > 32 || s.Length > 32)
            return false;
        Span<byte> p1363 = stackalloc byte[64];
        p1363.Clear();
        r.CopyTo(p1363[(32 - r.Length)..32]);
        s.CopyTo(p1363[(64 - s.Length)..]);
        using var ecdsa = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = material[1..33], Y = material[33..] },
        });
        return ecdsa.VerifyData(data, p1363, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>PKCS #1 v1.5; like OpenSSH, a signature shorter than the modulus is taken as left-padded with zeros.</summary>
    bool VerifyRsa(ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> data, HashAlgorithmName hash)
    {
        if (bytes.Length > material.Length)
            return false;
        var padded = new byte[material.Length];
        bytes.CopyTo(padded.AsSpan(material.Length - bytes.Length));
        using var rsa = RSA.Create();
        rsa.ImportParameters(new RSAParameters { Modulus = material, Exponent = exponent });
        return rsa.VerifyData(data, padded, hash, RSASignaturePadding.Pkcs1);
    }
}
