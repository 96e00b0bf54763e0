using HubManager.Http;

namespace HubManager.Tests.Http;

/// <summary>
/// <c>/status</c>'s <c>installedVersion</c> is cached between requests; every way the file can change must show
/// on the next reading: rewritten in place (even at the same size), swapped by rename, removed.
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
}
