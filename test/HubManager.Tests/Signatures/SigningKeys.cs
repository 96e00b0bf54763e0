using HubManager.Tests.Sandbox;
using HubManager.Tests.Updates;

namespace HubManager.Tests.Signatures;

/// <summary>
/// Keys and signatures made by the real <c>ssh-keygen</c>, as an operator makes them: <c>ssh-keygen -t … -N ''</c>,
/// <c>ssh-keygen -Y sign -n hub-release</c> and an <c>allowed_signers</c> line built from the <c>.pub</c>.
/// </summary>
public sealed class SigningKeys : IDisposable
{
    readonly TempDir dir = new();
    int files;

    public string Directory => dir.Path;

    /// <summary>Generates a key (<paramref name="typeArguments"/> such as <c>-t ed25519</c>); returns the private key's path.</summary>
    public async Task<string> GenerateAsync(string name, params string[] typeArguments)
    {
        var path = Path.Combine(dir.Path, name);
        (await Shell.RunAsync("ssh-keygen", [.. typeArguments, "-q", "-N", "", "-C", name + "@test", "-f", path])).EnsureSuccess("ssh-keygen " + name);
        return path;
    }

    /// <summary><c>ssh-keygen -Y sign</c> of <paramref name="message"/>; returns the armored <c>.sig</c>.</summary>
    public async Task<string> SignAsync(string key, byte[] message, string @namespace = "hub-release", string? hashAlgorithm = null)
    {
        var file = Path.Combine(dir.Path, $"message-{++files}");
        await File.WriteAllBytesAsync(file, message);
        string[] hash = hashAlgorithm is null ? [] : ["-O", "hashalg=" + hashAlgorithm];
        (await Shell.RunAsync("ssh-keygen", ["-Y", "sign", "-q", "-f", key, "-n", @namespace, .. hash, file])).EnsureSuccess("ssh-keygen -Y sign");
        return await File.ReadAllTextAsync(file + ".sig");
    }

    /// <summary>The key's <c>.pub</c> line: type, base64 and comment.</summary>
    public string PublicLine(string key) => File.ReadAllText(key + ".pub").Trim();

    /// <summary>An allowed_signers line for <paramref name="key"/>, as the README tells operators to write it.</summary>
    public string AllowedLine(string key, string options = "namespaces=\"hub-release\"", string principal = "release@hub") =>
        $"{principal} {options} {PublicLine(key)}".Replace("  ", " ");

    /// <summary>Whether the real <c>ssh-keygen -Y verify</c> accepts <paramref name="signature"/> over <paramref name="message"/>.</summary>
    public async Task<(bool Accepted, string Output)> SshKeygenVerifiesAsync(string allowedSigners, string signature, byte[] message, string principal = "release@hub")
    {
        var n = ++files;
        var (allowed, sig, data) = (Path.Combine(dir.Path, $"allowed-{n}"), Path.Combine(dir.Path, $"check-{n}.sig"), Path.Combine(dir.Path, $"check-{n}"));
        await File.WriteAllTextAsync(allowed, allowedSigners);
        await File.WriteAllTextAsync(sig, signature);
        await File.WriteAllBytesAsync(data, message);
        var result = await Shell.RunAsync("sh", ["-c", "exec ssh-keygen -Y verify -f \"$1\" -I \"$2\" -n hub-release -s \"$3\" < \"$4\"", "sh", allowed, principal, sig, data]);
        return (result.ExitCode == 0, (result.Stdout + result.Stderr).Trim());
    }

    public void Dispose() => dir.Dispose();
}
