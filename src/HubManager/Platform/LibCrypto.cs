using System.Runtime.InteropServices;

namespace HubManager.Platform;

/// <summary>
/// Ed25519 signature verification through OpenSSL's libcrypto: the BCL has no Ed25519, and libcrypto is the library
/// .NET's own cryptography already loads on Linux (so this adds no dependency and no hand-written cryptography).
/// Only the one-shot verify is exposed; every OpenSSL object is freed before it returns, and a failure leaves
/// OpenSSL's per-thread error queue empty for .NET's own calls on the same thread.
/// </summary>
internal static partial class LibCrypto
{
    const string SoName = "libcrypto.so.3";
    /// <summary><c>EVP_PKEY_ED25519</c> (<c>NID_ED25519</c>).</summary>
    const int EvpPkeyEd25519 = 1087;

    /// <summary>True when <paramref name="signature"/> (64 bytes) is a valid Ed25519 signature of <paramref name="message"/> by <paramref name="publicKey"/> (32 bytes).</summary>
    internal static unsafe bool VerifyEd25519(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> signature, ReadOnlySpan<byte> message)
    {
        if (publicKey.Length != 32 || signature.Length != 64)
            return false;
        nint key = 0, context = 0;
        try
        {
            fixed (byte* keyBytes = publicKey)
                key = EVP_PKEY_new_raw_public_key(EvpPkeyEd25519, 0, keyBytes, (nuint)publicKey.Length);
            if (key == 0 || (context = EVP_MD_CTX_new()) == 0 || EVP_DigestVerifyInit(context, 0, 0, 0, key) != 1)
                throw new InvalidOperationException("libcrypto could not set up an Ed25519 verification");
            fixed (byte* signatureBytes = signature)
            fixed (byte* messageBytes = message)
                return EVP_DigestVerify(context, signatureBytes, (nuint)signature.Length, messageBytes, (nuint)message.Length) == 1;
        }
        finally
        {
            if (context != 0)
                EVP_MD_CTX_free(context);
            if (key != 0)
                EVP_PKEY_free(key);
            ERR_clear_error();
        }
    }

    [LibraryImport(SoName)]
    private static unsafe partial nint EVP_PKEY_new_raw_public_key(int type, nint engine, byte* key, nuint keyLength);

    [LibraryImport(SoName)]
    private static partial void EVP_PKEY_free(nint key);

    [LibraryImport(SoName)]
    private static partial nint EVP_MD_CTX_new();

    [LibraryImport(SoName)]
    private static partial void EVP_MD_CTX_free(nint context);

    [LibraryImport(SoName)]
    private static partial int EVP_DigestVerifyInit(nint context, nint keyContext, nint digest, nint engine, nint key);

    [LibraryImport(SoName)]
    private static unsafe partial int EVP_DigestVerify(nint context, byte* signature, nuint signatureLength, byte* message, nuint messageLength);

    [LibraryImport(SoName)]
    private static partial void ERR_clear_error();
}
