using HubManager.Tests.Packaging;
using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Fleet;

/// <summary>
/// packaging/ansible against three machines over real SSH: deploy.yml installs the .deb of <c>make deb</c> and
/// configures the manager on each, rollout.yml rolls the hub out batch by batch through each machine's own manager.
/// The tests build on each other, in order: deploy, --check, a good release, a crash-looping one.
/// </summary>
[ClassDataSource<SandboxFleet>(Shared = SharedType.PerClass)]
// packaging/build-deb writes the same artifacts/*.deb that DebianPackageTests rebuilds: never both at once.
[NotInParallel(nameof(DebianPackageTests))]
public class FleetRolloutTests(SandboxFleet fleet)
{
    static void RequireRoot()
    {
        if (!Repository.IsRoot)
            Skip.Test("SKIPPED: the fleet tests boot three real systemd sandboxes and need root; run `make test` as root.");
    }

    /// <summary>artifacts/hub-manager_&lt;version&gt;_amd64.deb for the binary of this build, built when missing.</summary>
    static async Task<string> PackageAsync()
    {
        var version = (await Shell.RunAsync(Repository.ManagerBinary, ["--version"])).EnsureSuccess("hub-manager --version").Stdout.Trim().Replace("+", "~git");
        var deb = Path.Combine(Repository.Root, "artifacts", $"hub-manager_{version}_amd64.deb");
        if (!File.Exists(deb))
            (await Shell.RunAsync(Path.Combine(Repository.Root, "packaging", "build-deb"), [], timeout: TimeSpan.FromMinutes(3))).EnsureSuccess("packaging/build-deb");
        return deb;
    }

    [Test]
    public async Task Deploy_installs_and_starts_the_manager_everywhere_and_a_second_run_changes_nothing()
    {
        RequireRoot();
        var deb = await PackageAsync();

        var first = await PlaybookRun.RunAsync(fleet.Inventory, "deploy.yml", "-e", $"hub_manager_package={deb}");
        var second = await PlaybookRun.RunAsync(fleet.Inventory, "deploy.yml", "-e", $"hub_manager_package={deb}");

        await Assert.That(first.ExitCode).IsEqualTo(0).Because(first.ToString());
        await Assert.That(second.ExitCode).IsEqualTo(0).Because(second.ToString());
        foreach (var host in fleet.Hosts)
        {
            var version = (await host.GetAsync("/version")).GetProperty("version").GetString();
            var status = await host.GetAsync("/status");
            var password = new FileInfo(host.PathOnHost("/etc/hub-manager/nas-password"));
            var config = await File.ReadAllTextAsync(host.PathOnHost("/etc/hub-manager/hub-manager.json"));
            var dpkg = await host.Sandbox.RunAsync("dpkg-query", "--show", "--showformat=${db:Status-Abbrev}", "hub-manager");

            await Assert.That(first.Recap(host.Name, "changed") ?? 0).IsGreaterThan(0).Because(first.ToString());
            await Assert.That(second.Recap(host.Name, "changed")).IsEqualTo(0).Because(second.ToString());
            await Assert.That(await host.Sandbox.PropertyAsync(FleetHost.ManagerUnit, "ActiveState")).IsEqualTo("active");
            await Assert.That(dpkg.Stdout.Trim()).IsEqualTo("ii");
            await Assert.That(status.GetProperty("managerVersion").GetString()).IsNotNull();
            await Assert.That(status.GetProperty("running").GetBoolean()).IsTrue();
            await Assert.That(version).IsEqualTo(SandboxFleet.OldVersion);
            await Assert.That(config).Contains(fleet.Nas.Url.ToString()).And.Contains(host.Sandbox.InstallDir).And.DoesNotContain(fleet.Nas.Password);
            await Assert.That(password.UnixFileMode).IsEqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await Assert.That(await File.ReadAllTextAsync(password.FullName)).IsEqualTo(fleet.Nas.Password);
            await Assert.That(new FileInfo(host.PathOnHost("/etc/hub-manager/api-token")).UnixFileMode).IsEqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await Assert.That(await host.StatusWithoutTokenAsync("/status")).IsEqualTo("401");
        }
        await Assert.That(first.Output).DoesNotContain(fleet.Nas.Password).And.DoesNotContain(fleet.ApiToken);
        await Assert.That(second.Output).DoesNotContain(fleet.Nas.Password).And.DoesNotContain(fleet.ApiToken);
    }

    [Test]
    [DependsOn(nameof(Deploy_installs_and_starts_the_manager_everywhere_and_a_second_run_changes_nothing))]
    public async Task Check_mode_says_what_would_change_and_changes_nothing()
    {
        RequireRoot();

        var check = await PlaybookRun.RunAsync(fleet.Inventory, "rollout.yml", "-e", $"hub_version={SandboxFleet.GoodVersion}", "--check");

        await Assert.That(check.ExitCode).IsEqualTo(0).Because(check.ToString());
        foreach (var host in fleet.Hosts)
        {
            var update = await host.GetAsync("/update");
            await Assert.That(check.Recap(host.Name, "changed")).IsEqualTo(1).Because(check.ToString());
            await Assert.That(check.Summary(host.Name)).IsEqualTo($"{host.Name}: {SandboxFleet.OldVersion} → {SandboxFleet.GoodVersion}, would update (check mode, nothing was changed)");
            await Assert.That(await host.VersionAsync()).IsEqualTo(SandboxFleet.OldVersion);
            await Assert.That(update.GetProperty("state").GetString()).IsEqualTo("idle").Because(update.ToString());
        }
        await Assert.That(fleet.Nas.Requests.Count).IsEqualTo(0);
    }

    [Test]
    [DependsOn(nameof(Check_mode_says_what_would_change_and_changes_nothing))]
    public async Task A_good_release_rolls_out_batch_by_batch_and_a_second_run_changes_nothing()
    {
        RequireRoot();

        var rollout = await PlaybookRun.RunAsync(fleet.Inventory, "rollout.yml", "-e", $"hub_version={SandboxFleet.GoodVersion}");
        var again = await PlaybookRun.RunAsync(fleet.Inventory, "rollout.yml", "-e", $"hub_version={SandboxFleet.GoodVersion}");

        await Assert.That(rollout.ExitCode).IsEqualTo(0).Because(rollout.ToString());
        await Assert.That(again.ExitCode).IsEqualTo(0).Because(again.ToString());
        var updates = new List<System.Text.Json.JsonElement>();
        foreach (var host in fleet.Hosts)
        {
            var update = await host.GetAsync("/update");
            updates.Add(update);
            await Assert.That(rollout.Recap(host.Name, "changed") ?? 0).IsGreaterThan(0).Because(rollout.ToString());
            await Assert.That(rollout.Summary(host.Name)).IsEqualTo($"{host.Name}: {SandboxFleet.OldVersion} → {SandboxFleet.GoodVersion}, updated (healthy)");
            await Assert.That(again.Recap(host.Name, "changed")).IsEqualTo(0).Because(again.ToString());
            await Assert.That(again.Summary(host.Name)).IsEqualTo($"{host.Name}: {SandboxFleet.GoodVersion} → {SandboxFleet.GoodVersion}, unchanged (already on {SandboxFleet.GoodVersion})");
            await Assert.That(update.GetProperty("state").GetString()).IsEqualTo("succeeded").Because(update.ToString());
            await Assert.That(update.GetProperty("version").GetString()).IsEqualTo(SandboxFleet.GoodVersion);
            await Assert.That(await host.VersionAsync()).IsEqualTo(SandboxFleet.GoodVersion);
            await Assert.That(await host.Sandbox.PropertyAsync(HubSandbox.HubUnit, "ActiveState")).IsEqualTo("active");
        }
        // serial [1, "50%", "100%"] over three machines: one at a time, in inventory order.
        for (var i = 1; i < updates.Count; i++)
            await Assert.That(updates[i].GetProperty("startedAt").GetDateTimeOffset())
                .IsGreaterThan(updates[i - 1].GetProperty("finishedAt").GetDateTimeOffset());
    }

    [Test]
    [DependsOn(nameof(A_good_release_rolls_out_batch_by_batch_and_a_second_run_changes_nothing))]
    public async Task A_crash_looping_release_is_rolled_back_on_the_canary_and_stops_the_rollout()
    {
        RequireRoot();
        var canary = fleet.Hosts[0];
        var others = fleet.Hosts.Skip(1).ToList();

        var rollout = await PlaybookRun.RunAsync(fleet.Inventory, "rollout.yml", "-e", $"hub_version={SandboxFleet.CrashingVersion}");

        var update = await canary.GetAsync("/update");
        await Assert.That(rollout.ExitCode).IsNotEqualTo(0).Because(rollout.ToString());
        await Assert.That(rollout.Recap(canary.Name, "failed")).IsEqualTo(1).Because(rollout.ToString());
        await Assert.That(update.GetProperty("state").GetString()).IsEqualTo("rolledBack").Because(update.ToString());
        await Assert.That(update.GetProperty("version").GetString()).IsEqualTo(SandboxFleet.CrashingVersion);
        await Assert.That(await canary.VersionAsync()).IsEqualTo(SandboxFleet.GoodVersion);
        await Assert.That(rollout.Summary(canary.Name)).StartsWith($"{canary.Name}: {SandboxFleet.GoodVersion} → {SandboxFleet.GoodVersion}, rolled back (")
            .And.Contains($"; the hub said: hub {SandboxFleet.CrashingVersion} cannot start: boom)");
        // Only the canary fetched the release.
        await Assert.That(fleet.Nas.Requests.Count(request => request.Path == $"/api/raw/{SandboxFleet.CrashingVersion}/hub-{SandboxFleet.CrashingVersion}.tar.gz")).IsEqualTo(1);
        foreach (var host in others)
        {
            var last = await host.GetAsync("/update");
            var journal = await host.ManagerJournalAsync();
            await Assert.That(rollout.Touched(host.Name)).IsFalse().Because(rollout.ToString());
            await Assert.That(rollout.Recap(host.Name, "ok")).IsNull();
            await Assert.That(rollout.Summary(host.Name)).IsEqualTo($"{host.Name}: not reached, the rollout stopped before its batch");
            await Assert.That(last.GetProperty("version").GetString()).IsEqualTo(SandboxFleet.GoodVersion).Because(last.ToString());
            await Assert.That(last.GetProperty("state").GetString()).IsEqualTo("succeeded");
            await Assert.That(await host.VersionAsync()).IsEqualTo(SandboxFleet.GoodVersion);
            await Assert.That(journal).DoesNotContain(SandboxFleet.CrashingVersion);
        }
    }
}
