using System.Security.Cryptography;
using HubManager.Signatures;

namespace HubManager.Tests.Signatures;

/// <summary>
/// The manager's verifier against the real <c>ssh-keygen -Y verify -f allowed_signers -I release@hub -n hub-release</c>:
/// for every supported key type, on a corpus of good, tampered, truncated, wrong-namespace, other-key, expired,
/// not-yet-valid and malformed signatures (all made by <c>ssh-keygen</c>, or cut from its output), the manager accepts
/// exactly what ssh-keygen accepts, and names the check that failed in the words of the issue.
/// </summary>
public class SignatureCrossCheckTests
{
    /// <summary>One case: the allowed_signers text, the signature, the message, and what must happen.</summary>
    sealed record Case(string Name, string Allowed, string Signature, byte[] Message, string? Refusal);

    [Test]
    public async Task The_verifier_accepts_exactly_what_ssh_keygen_accepts()
    {
        using var keys = new SigningKeys();
        var message = RandomNumberGenerator.GetBytes(200_000);
        var tampered = (byte[])message.Clone();
        tampered[123_456] ^= 0x20;
        var other = await keys.GenerateAsync("other", "-t", "ed25519");
        var types = new (string Name, string[] Arguments)[]
        {
            ("ed25519", ["-t", "ed25519"]),
            ("ecdsa-p256", ["-t", "ecdsa", "-b", "256"]),
            ("rsa-2048", ["-t", "rsa", "-b", "2048"]),
            ("rsa-3072", ["-t", "rsa", "-b", "3072"]),
        };
        var cases = new List<Case>();
        foreach (var (name, arguments) in types)
        {
            var key = await keys.GenerateAsync(name, arguments);
            var allowed = keys.AllowedLine(key) + "\n";
            var good = await keys.SignAsync(key, message);
            var blob = SshSigBuilder.Dearmor(good);
            var flipped = (byte[])blob.Clone();
            flipped[^3] ^= 0x01; // inside the signature bytes, the last field
            var badMagic = (byte[])blob.Clone();
            badMagic[0] = (byte)'X';
            cases.AddRange(
            [
                new($"{name}: good (sha512, ssh-keygen's default)", allowed, good, message, null),
                new($"{name}: good (-O hashalg=sha256)", allowed, await keys.SignAsync(key, message, hashAlgorithm: "sha256"), message, null),
                new($"{name}: message changed after signing", allowed, good, tampered, "bad signature"),
                new($"{name}: a signature bit flipped", allowed, SshSigBuilder.Armor(flipped), message, "bad signature"),
                new($"{name}: signature file cut in half", allowed, good[..(good.Length / 2)], message, "malformed signature file"),
                new($"{name}: signature blob truncated", allowed, SshSigBuilder.Armor(blob[..^10]), message, "malformed signature file"),
                new($"{name}: not SSHSIG", allowed, SshSigBuilder.Armor(badMagic), message, "malformed signature file"),
                new($"{name}: signed for namespace git", allowed, await keys.SignAsync(key, message, "git"), message, "wrong namespace"),
                new($"{name}: key allowed only for git and file", keys.AllowedLine(key, "namespaces=\"git,file\"") + "\n", good, message, "wrong namespace"),
                new($"{name}: key allowed for hub-*", keys.AllowedLine(key, "namespaces=\"hub-*\"") + "\n", good, message, null),
                new($"{name}: key allowed for * but not hub-release", keys.AllowedLine(key, "namespaces=\"*,!hub-release\"") + "\n", good, message, "wrong namespace"),
                new($"{name}: key expired (valid-before in the past)", keys.AllowedLine(key, "namespaces=\"hub-release\",valid-before=\"20200101Z\"") + "\n", good, message, "key not valid now"),
                new($"{name}: key not yet valid (valid-after in the future)", keys.AllowedLine(key, "valid-after=\"20990101000000Z\",namespaces=\"hub-release\"") + "\n", good, message, "key not valid now"),
                new($"{name}: key valid in a window around now", keys.AllowedLine(key, "valid-after=\"20200101\",valid-before=\"20990101Z\"") + "\n", good, message, null),
                new($"{name}: rotation, an expired line then a valid one", keys.AllowedLine(key, "valid-before=\"20200101Z\"") + "\n# rotated\n" + allowed, good, message, null),
                new($"{name}: signed by a key the file does not list", allowed, await keys.SignAsync(other, message), message, "unknown key"),
            ]);
        }

        // RSA with rsa-sha2-256 (ssh-keygen -Y sign always uses rsa-sha2-512) and with SHA-1 ssh-rsa, which ssh-keygen refuses.
        var pem = await keys.GenerateAsync("rsa-pem", "-t", "rsa", "-b", "2048", "-m", "PEM");
        var pemAllowed = keys.AllowedLine(pem) + "\n";
        var pemText = await File.ReadAllTextAsync(pem);
        cases.Add(new("rsa-2048: rsa-sha2-256", pemAllowed, SshSigBuilder.SignRsa(pemText, keys.PublicLine(pem), message, "rsa-sha2-256", HashAlgorithmName.SHA256), message, null));
        cases.Add(new("rsa-2048: rsa-sha2-256 over another message", pemAllowed, SshSigBuilder.SignRsa(pemText, keys.PublicLine(pem), tampered, "rsa-sha2-256", HashAlgorithmName.SHA256), message, "bad signature"));
        cases.Add(new("rsa-2048: ssh-rsa (SHA-1)", pemAllowed, SshSigBuilder.SignRsa(pemText, keys.PublicLine(pem), message, "ssh-rsa", HashAlgorithmName.SHA1), message, "bad signature"));
        var anyAllowed = keys.AllowedLine(other);
        cases.Add(new("empty signature file", anyAllowed, "", message, "malformed signature file"));
        cases.Add(new("not a signature", anyAllowed, "hello\n", message, "malformed signature file"));
        cases.Add(new("armor around non-base64", anyAllowed, "-----BEGIN SSH SIGNATURE-----\n!!!!\n-----END SSH SIGNATURE-----\n", message, "malformed signature file"));

        var disagreements = new List<string>();
        foreach (var c in cases)
        {
            var (sshKeygen, output) = await keys.SshKeygenVerifiesAsync(c.Allowed, c.Signature, c.Message);
            var refusal = Verify(c);
            var expected = c.Refusal is null;
            if (sshKeygen != expected || (refusal is null) != expected || (refusal is not null && !refusal.StartsWith(c.Refusal + ":", StringComparison.Ordinal)))
                disagreements.Add($"{c.Name}: ssh-keygen {(sshKeygen ? "accepts" : "refuses")} ({output}); the manager {(refusal is null ? "accepts" : "refuses: " + refusal)}; expected {c.Refusal ?? "accepted"}");
        }
        await Assert.That(disagreements).IsEmpty();
        await Assert.That(cases.Count(c => c.Refusal is null)).IsEqualTo(4 * 5 + 1);
    }

    [Test]
    public async Task An_RSA_key_under_2048_bits_is_refused_though_ssh_keygen_would_take_it()
    {
        using var keys = new SigningKeys();
        var message = "hub"u8.ToArray();
        var key = await keys.GenerateAsync("rsa-1024", "-t", "rsa", "-b", "1024");
        var allowed = keys.AllowedLine(key);
        var signature = await keys.SignAsync(key, message);

        var (sshKeygen, _) = await keys.SshKeygenVerifiesAsync(allowed, signature, message);
        var refusal = Verify(new Case("rsa-1024", allowed, signature, message, null));

        await Assert.That(sshKeygen).IsTrue();
        await Assert.That(refusal).IsEqualTo("unsupported key: the key that signed rsa-1024.sig is an RSA key of 1024 bits; release keys must have 2048 to 16384 bits");
    }

    /// <summary>The manager's verdict, as the update runs it: null when accepted, else the sentence.</summary>
    static string? Verify(Case c)
    {
        try
        {
            var signers = AllowedSigners.Parse("allowed_signers", c.Allowed);
            var check = SignatureCheck.Prepare(c.Signature, c.Name.Split(':')[0] + ".sig", signers, DateTimeOffset.UtcNow);
            check.Verify(check.MessageHash == HashAlgorithmName.SHA256 ? SHA256.HashData(c.Message) : SHA512.HashData(c.Message));
            return null;
        }
        catch (SignatureException refused)
        {
            return refused.Message;
        }
    }
}
