using System.Net;
using HubManager.Tests.Journal;
using HubManager.Tests.Sandbox;
using HubManager.Tests.Updates;
using static HubManager.Tests.Updates.ReleasePackages;
using static HubManager.Tests.Updates.UpdateBench;

namespace HubManager.Tests.Signatures;

/// <summary>
/// Signed releases through the shipped binary in a real systemd: keys and signatures from the real <c>ssh-keygen</c>,
/// an <c>allowed_signers</c> file named by <c>Update:AllowedSigners</c> and read at each update, the <c>.sig</c> on the
/// File Browser NAS beside the package. A signed release installs; every package that fails a check ends
/// <c>failed</c> with the check's name, the install tree unchanged and the old hub still serving.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(UpdateTests))]
public class SignedUpdateTests(HubSandbox sandbox)
{
    [Test]
    public async Task Keys_added_without_a_restart_make_signatures_required_and_a_signed_release_installs()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        using var keys = new SigningKeys();
        var key = await keys.GenerateAsync("release", "-t", "ed25519");
        var allowedSigners = Path.Combine(sandbox.Exchange, $"allowed_signers-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(allowedSigners, "");
        var manager = await bench.StartManagerAsync($"--Update:AllowedSigners={allowedSigners}");
        var (_, before) = await manager.GetAsync("/update");

        // The operator's one line, written while the manager runs: no restart needed.
        await File.WriteAllTextAsync(allowedSigners, "# release signers\n" + keys.AllowedLine(key) + "\n");
        var package = bench.Publish("2.0.11", Build("2.0.11"));
        bench.Nas.Put("2.0.11/hub-2.0.11.tar.gz.sig", System.Text.Encoding.ASCII.GetBytes(await keys.SignAsync(key, package)));
        var (_, required) = await manager.GetAsync("/update");
        var (status, _) = await bench.PostUpdateAsync(manager, "2.0.11");
        var done = await WaitForUpdateAsync(manager);
        var serving = await bench.WaitForHubVersionAsync("2.0.11");
        var journal = await sandbox.JournalctlAsync(manager.UnitName);
        var fingerprint = (await Shell.RunAsync("ssh-keygen", ["-l", "-f", key + ".pub"])).Stdout.Split(' ')[1];

        await Assert.That(before.GetProperty("signatures").GetString()).IsEqualTo("off");
        await Assert.That(journal).Contains($"Updates are not signature-checked: {allowedSigners} lists no key (see Update:AllowedSigners)");
        await Assert.That(required.GetProperty("signatures").GetString()).IsEqualTo("required");
        await Assert.That(status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("succeeded").Because(done.ToString());
        await Assert.That(serving).IsEqualTo("2.0.11");
        await Assert.That(journal).Contains($"Update to 2.0.11: verified (sha256 {Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(package))}, no .sha256 on the NAS, signed by the ssh-ed25519 key {fingerprint} ({allowedSigners} line 2))");
    }

    [Test]
    public async Task Without_keys_each_update_says_it_is_not_signature_checked()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        var allowedSigners = Path.Combine(sandbox.Exchange, $"allowed_signers-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(allowedSigners, "# no keys yet\n\n");
        var manager = await bench.StartManagerAsync($"--Update:AllowedSigners={allowedSigners}");
        bench.Publish("2.0.11", Build("2.0.11"));

        await bench.PostUpdateAsync(manager, "2.0.11");
        var done = await WaitForUpdateAsync(manager);
        var journal = await sandbox.JournalctlAsync(manager.UnitName);

        await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("succeeded").Because(done.ToString());
        await Assert.That(done.GetProperty("signatures").GetString()).IsEqualTo("off");
        await Assert.That(journal).Contains($"Update to 2.0.11: downloading /api/raw/2.0.11/hub-2.0.11.tar.gz from {bench.Nas.Url.Authority}; not signature-checked ({allowedSigners} lists no key)");
        await Assert.That(journal).Contains("no .sha256 on the NAS, not signature-checked)");
    }

    [Test]
    public async Task Unsigned_tampered_wrong_namespace_and_untrusted_packages_fail_and_touch_nothing()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        using var keys = new SigningKeys();
        var key = await keys.GenerateAsync("release", "-t", "ecdsa", "-b", "256");
        var stranger = await keys.GenerateAsync("stranger", "-t", "ed25519");
        var allowedSigners = Path.Combine(sandbox.Exchange, $"allowed_signers-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(allowedSigners, keys.AllowedLine(key) + "\n");
        var manager = await bench.StartManagerAsync($"--Update:AllowedSigners={allowedSigners}");
        var signed = Build("2.0.11");
        var forged = Build("2.0.11", marker: "release 2.0.11, with something extra\n");
        var cases = new (string Name, byte[] Package, string? Signature, string Expected, bool Downloads)[]
        {
            ("unsigned", signed, null, "no signature: /api/raw/2.0.11/hub-2.0.11.tar.gz.sig is not on the NAS, and " + allowedSigners + " requires every package to be signed", false),
            ("tampered", forged, await keys.SignAsync(key, signed), "bad signature: /api/raw/2.0.11/hub-2.0.11.tar.gz.sig does not match the package as downloaded (changed after signing, or signed over another file)", true),
            ("wrong namespace", signed, await keys.SignAsync(key, signed, "file"), "wrong namespace: /api/raw/2.0.11/hub-2.0.11.tar.gz.sig is signed for namespace \"file\", not hub-release (sign with: ssh-keygen -Y sign -n hub-release)", false),
            ("untrusted key", signed, await keys.SignAsync(stranger, signed), "unknown key: the package is signed by the ssh-ed25519 key ", false),
        };
        var tree = UpdateTests.Snapshot(bench.Install);

        foreach (var (name, package, signature, expected, downloads) in cases)
        {
            bench.Publish("2.0.11", package);
            if (signature is null)
                File.Delete(Path.Combine(bench.Nas.Root, "2.0.11/hub-2.0.11.tar.gz.sig"));
            else
                bench.Nas.Put("2.0.11/hub-2.0.11.tar.gz.sig", System.Text.Encoding.ASCII.GetBytes(signature));
            var requests = bench.Nas.Requests.Count;

            var (status, _) = await bench.PostUpdateAsync(manager, "2.0.11");
            var done = await WaitForUpdateAsync(manager);
            var packageFetched = bench.Nas.Requests.Skip(requests).Any(r => r.Path == "/api/raw/2.0.11/hub-2.0.11.tar.gz");

            await Assert.That(status).IsEqualTo(HttpStatusCode.OK).Because(name);
            await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("failed").Because(name);
            await Assert.That(done.GetProperty("error").GetString()).StartsWith(expected).Because(name);
            await Assert.That(packageFetched).IsEqualTo(downloads).Because($"{name}: a check that does not need the package runs before it is fetched");
            await Assert.That(UpdateTests.Snapshot(bench.Install)).IsEqualTo(tree).Because(name);
            await Assert.That(Directory.Exists(Path.Combine(bench.Releases, "txn"))).IsFalse().Because(name);
            await Assert.That(await bench.HubVersionAsync()).IsEqualTo("2.0.10").Because(name);
        }
        var journal = SandboxJournal.Lines(await sandbox.JournalctlAsync(manager.UnitName));
        await Assert.That(journal.Count(l => l.Contains("Update to 2.0.11 failed before install: "))).IsEqualTo(cases.Length);
    }
}
