using HubManager.Hosting;
using HubManager.Updates;

namespace HubManager.Tests.Updates;

/// <summary>Where the NAS password comes from: Nas:Password, then Nas:PasswordFile, then the systemd credential nas-password.</summary>
[NotInParallel("CREDENTIALS_DIRECTORY")]
public class NasPasswordTests
{
    static NasOptions Options(string? password = null, string? file = null) =>
        new() { PackagePath = "/x", Auth = "filebrowser", Username = "u", Password = password, PasswordFile = file };

    [Test]
    public async Task First_found_wins_and_files_give_their_first_line()
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "file"), "from-file\nsecond line\n");
        File.WriteAllText(Path.Combine(dir.Path, NasPassword.CredentialName), "from-credential\n");
        var saved = Environment.GetEnvironmentVariable("CREDENTIALS_DIRECTORY");
        try
        {
            Environment.SetEnvironmentVariable("CREDENTIALS_DIRECTORY", dir.Path);

            await Assert.That(NasPassword.Read(Options("inline", Path.Combine(dir.Path, "file")))).IsEqualTo("inline");
            await Assert.That(NasPassword.Read(Options(null, Path.Combine(dir.Path, "file")))).IsEqualTo("from-file");
            await Assert.That(NasPassword.Read(Options())).IsEqualTo("from-credential");
            Environment.SetEnvironmentVariable("CREDENTIALS_DIRECTORY", null);
            var none = await Assert.That(() => NasPassword.Read(Options())).Throws<NasException>();
            await Assert.That(none!.Message).Contains("nas-password");
            var unreadable = await Assert.That(() => NasPassword.Read(Options(null, Path.Combine(dir.Path, "missing")))).Throws<NasException>();
            await Assert.That(unreadable!.Message).Contains("Nas:PasswordFile");
        }
        finally
        {
            Environment.SetEnvironmentVariable("CREDENTIALS_DIRECTORY", saved);
        }
    }
}
