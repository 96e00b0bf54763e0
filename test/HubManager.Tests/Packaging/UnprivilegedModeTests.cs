using System.Net;
using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Packaging;

/// <summary>
/// The least-privilege mode, with the real polkitd: a manager running as the "hub-manager" system
/// user may restart ai-hub.service (the shipped polkit rule) and is refused for any other unit.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
public class UnprivilegedModeTests(HubSandbox sandbox)
{
    [Test]
    public async Task The_polkit_rule_allows_the_hub_unit_and_nothing_else()
    {
        sandbox.RequireRoot();
        await sandbox.RunAsync("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "hub-manager");
        var rules = $"/proc/{sandbox.Pid}/root/etc/polkit-1/rules.d";
        Directory.CreateDirectory(rules);
        File.Copy(Path.Combine(Repository.Root, "packaging", "polkit", "50-hub-manager.rules"), Path.Combine(rules, "50-hub-manager.rules"), overwrite: true);
        await sandbox.WriteUnitAsync("other.service", "[Service]\nExecStart=/bin/sleep infinity\n");
        var hub = await sandbox.StartManagerAsync(serviceSettings: "User=hub-manager");
        var other = await sandbox.StartManagerAsync(unit: "other.service", serviceSettings: "User=hub-manager");

        var (allowed, allowedBody) = await hub.PostAsync("/restart");
        var (refused, refusedBody) = await other.PostAsync("/restart");
        var (stopRefused, _) = await other.PostAsync("/stop");

        await Assert.That(await sandbox.PropertyAsync(hub.UnitName, "User")).IsEqualTo("hub-manager");
        await Assert.That(allowed).IsEqualTo(HttpStatusCode.OK).Because(allowedBody.GetRawText());
        await Assert.That(await sandbox.PropertyAsync(HubSandbox.HubUnit, "ActiveState")).IsEqualTo("active");
        await Assert.That(refused).IsEqualTo(HttpStatusCode.Forbidden);
        await Assert.That(refusedBody.GetProperty("success").GetBoolean()).IsFalse();
        await Assert.That(stopRefused).IsEqualTo(HttpStatusCode.Forbidden);
        await Assert.That(await sandbox.PropertyAsync("other.service", "ActiveState")).IsEqualTo("inactive");
    }
}
