using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace HubManager.Tests.Signatures;

/// <summary>
/// Builds and takes apart SSHSIG blobs by PROTOCOL.sshsig, for the cases <c>ssh-keygen -Y sign</c> cannot make (it always
/// signs RSA with rsa-sha2-512) and for corrupting a real signature at a chosen field. The result is always judged by
/// the real <c>ssh-keygen -Y verify</c> too, so a mistake here cannot make a test pass.
/// </summary>
public static class SshSigBuilder
{
    public static byte[] Dearmor(string armored)
    {
        var body = armored.Replace("-----BEGIN SSH SIGNATURE-----", "").Replace("-----END SSH SIGNATURE-----", "");
        return Convert.FromBase64String(string.Concat(body.Where(c => !char.IsWhiteSpace(c))));
    }

    public static string Armor(byte[] blob)
    {
        var base64 = Convert.ToBase64String(blob);
        var text = new StringBuilder("-----BEGIN SSH SIGNATURE-----\n");
        for (var i = 0; i < base64.Length; i += 70)
            text.Append(base64, i, Math.Min(70, base64.Length - i)).Append('\n');
        return text.Append("-----END SSH SIGNATURE-----\n").ToString();
    }

    /// <summary>An SSHSIG by an RSA key (PEM private key) with the given SSH signature algorithm.</summary>
    public static string SignRsa(string pemPrivateKey, string publicLine, byte[] message, string algorithm, HashAlgorithmName hash)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(pemPrivateKey);
        var publicBlob = Convert.FromBase64String(publicLine.Split(' ')[1]);
        var messageHash = SHA512.HashData(message);
        var signed = Concat("SSHSIG"u8.ToArray(), Str("hub-release"u8), Str([]), Str("sha512"u8), Str(messageHash));
        var signature = Concat(Str(Encoding.ASCII.GetBytes(algorithm)), Str(rsa.SignData(signed, hash, RSASignaturePadding.Pkcs1)));
        var version = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(version, 1);
        return Armor(Concat("SSHSIG"u8.ToArray(), version, Str(publicBlob), Str("hub-release"u8), Str([]), Str("sha512"u8), Str(signature)));
    }

    static byte[] Str(ReadOnlySpan<byte> value)
    {
        var result = new byte[4 + value.Length];
        BinaryPrimitives.WriteUInt32BigEndian(result, (uint)value.Length);
        value.CopyTo(result.AsSpan(4));
        return result;
    }

    static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
