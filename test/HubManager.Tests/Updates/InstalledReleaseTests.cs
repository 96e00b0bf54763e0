using System.Text;
using HubManager.Updates;

namespace HubManager.Tests.Updates;

public class InstalledReleaseTests
{
    [Test]
    public async Task Takes_top_level_name_and_version_only()
    {
        var json = """{"dependencies": {"version": "9.9.9"}, "name": "@proxmox-ai-control/hub", "version": "2.0.10", "scripts": {}}""";

        var release = InstalledRelease.Parse(Encoding.UTF8.GetBytes(json), "package.json");

        await Assert.That(release).IsEqualTo(new InstalledRelease("@proxmox-ai-control/hub", "2.0.10"));
    }

    [Test]
    [Arguments("[]")]
    [Arguments("{\"name\": \"x\"}")]
    [Arguments("{\"version\": 2}")]
    [Arguments("{\"version\": ")]
    [Arguments("")]
    public async Task Refuses_a_manifest_without_a_version_string(string json)
    {
        await Assert.That(() => InstalledRelease.Parse(Encoding.UTF8.GetBytes(json), "package.json"))
            .Throws<InvalidDataException>();
    }
}
