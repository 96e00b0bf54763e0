using HubManager.Http;
using HubManager.Tests.Sandbox;
using HubManager.Updates;

namespace HubManager.Tests.Http;

/// <summary>
/// <c>/status</c>'s <c>installedVersion</c> is cached between requests; every way the file can change must show
/// on the next reading: rewritten in place (even at the same size), swapped by rename, removed. What is not a
/// regular file (a FIFO, a symlink) reads as no version at once, and no error quotes the content.
/// </summary>
public class InstalledVersionTests
{
    static string Manifest(string version) => $$"""{ "name": "@proxmox-ai-control/hub", "version": "{{version}}" }""";

    [Test]
    public async Task Every_change_to_package_json_shows_on_the_next_reading()
    {
        var dir = Directory.CreateTempSubdirectory("installed-version-").FullName;
        try
        {
            var manifest = Path.Combine(dir, "package.json");
            var installed = new InstalledVersion(dir);
            var missing = installed.Get();
            await File.WriteAllTextAsync(manifest, Manifest("2.0.10"));
            var first = installed.Get();
            // Same size, moments later: inside the window where ctime alone could not tell.
            await File.WriteAllTextAsync(manifest, Manifest("2.0.11"));
            var rewritten = installed.Get();
            // Long enough for the reading to be trusted, then an in-place rewrite of the same size again.
            await Task.Delay(TimeSpan.FromSeconds(1.2));
            var settled = installed.Get();
            var again = installed.Get();
            await File.WriteAllTextAsync(manifest, Manifest("2.0.12"));
            var afterSettled = installed.Get();
            // An update swaps in another file by rename.
            var staged = Path.Combine(dir, "package.json.new");
            await File.WriteAllTextAsync(staged, Manifest("2.0.13"));
            File.Move(staged, manifest, overwrite: true);
            var swapped = installed.Get();
            File.Delete(manifest);
            var removed = installed.Get();

            await Assert.That(missing).IsNull();
            await Assert.That(first).IsEqualTo("2.0.10");
            await Assert.That(rewritten).IsEqualTo("2.0.11");
            await Assert.That(settled).IsEqualTo("2.0.11");
            await Assert.That(again).IsEqualTo("2.0.11");
            await Assert.That(afterSettled).IsEqualTo("2.0.12");
            await Assert.That(swapped).IsEqualTo("2.0.13");
            await Assert.That(removed).IsNull();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public async Task A_FIFO_or_a_symlink_at_package_json_is_no_version_at_once_and_errors_quote_no_content()
    {
        var dir = Directory.CreateTempSubdirectory("installed-version-").FullName;
        try
        {
            var manifest = Path.Combine(dir, "package.json");
            var secret = Path.Combine(dir, "secret");
            await File.WriteAllTextAsync(secret, "§¶ not for anyone");
            var installed = new InstalledVersion(dir);
            (await Shell.RunAsync("mkfifo", [manifest])).EnsureSuccess("mkfifo");
            // A blocking open would wait for a writer forever: the bound is only there to fail instead of hanging.
            var fifo = await Task.Run(installed.Get).WaitAsync(TimeSpan.FromSeconds(10));
            var fifoError = await Task.Run(() => Failure(dir)).WaitAsync(TimeSpan.FromSeconds(10));
            File.Delete(manifest);
            File.CreateSymbolicLink(manifest, secret);
            var link = installed.Get();
            var linkError = Failure(dir);
            File.Delete(manifest);
            File.Copy(secret, manifest);
            var notJson = Failure(dir);

            await Assert.That(fifo).IsNull();
            await Assert.That(fifoError).IsEqualTo($"{manifest} is a FIFO, not a regular file; it is not read");
            await Assert.That(link).IsNull();
            await Assert.That(linkError).IsEqualTo($"{manifest} is a symbolic link; it is not followed");
            await Assert.That(notJson).IsEqualTo($"{manifest} is not valid JSON (line 1, byte 1).");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    static string? Failure(string installDir)
    {
        try
        {
            InstalledRelease.Read(installDir);
            return null;
        }
        catch (Exception failure) when (failure is IOException or InvalidDataException)
        {
            return failure.Message;
        }
    }
}
