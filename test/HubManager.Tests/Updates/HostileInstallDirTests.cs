using System.Net;
using System.Text.Json;
using HubManager.Tests.Sandbox;
using HubManager.Updates;
using static HubManager.Tests.Updates.ReleasePackages;
using static HubManager.Tests.Updates.UpdateBench;

namespace HubManager.Tests.Updates;

/// <summary>
/// What someone who can write <c>InstallDir</c> may leave there for a manager running as root: a FIFO or a symlink
/// to a secret at <c>package.json</c>, and a symlink (or someone else's directory) at <c>.hub-manager</c>. Nothing
/// blocks, nothing is followed, nothing of a secret is echoed, and nothing outside the manager's own directory is
/// deleted or written.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(UpdateTests))]
public class HostileInstallDirTests(HubSandbox sandbox)
{
    /// <summary>The generous liveness bound for an answer that used to block forever.</summary>
    static readonly TimeSpan Prompt = TimeSpan.FromSeconds(10);

    /// <summary>Characters no sentence of the manager contains, so that any of them in an answer is a leak.</summary>
    const string Secret = "¤¥¦§¨©ª«¬®¯°±²³µ¶·¸¹º»¼½¾¿";

    [Test]
    public async Task A_FIFO_at_package_json_blocks_nothing_and_every_call_answers_with_a_sentence()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        var manager = await bench.StartManagerAsync();
        var manifest = Path.Combine(bench.Install, "package.json");
        File.Delete(manifest);
        (await Shell.RunAsync("mkfifo", [manifest])).EnsureSuccess("mkfifo");

        var (statusCode, status) = await manager.GetAsync("/status").WaitAsync(Prompt);
        var (versionCode, version) = await manager.GetAsync("/version").WaitAsync(Prompt);
        var (updateCode, update) = await bench.PostUpdateAsync(manager, "2.0.99").WaitAsync(Prompt);
        var failed = await WaitForUpdateAsync(manager);
        // Many at once: none may hold a thread-pool thread.
        var many = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => manager.GetAsync("/status"))).WaitAsync(Prompt);
        using var health = await manager.SendAsync(HttpMethod.Get, "/health").WaitAsync(Prompt);
        File.Delete(manifest);
        File.Copy(Path.Combine(Repository.DemoHub, "package.json"), manifest);
        var (_, again) = await bench.PostUpdateAsync(manager, "2.0.99").WaitAsync(Prompt);

        await Assert.That(statusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(status.GetProperty("installedVersion").ValueKind).IsEqualTo(JsonValueKind.Null);
        await Assert.That(versionCode).IsEqualTo(HttpStatusCode.InternalServerError);
        await Assert.That(version.GetProperty("message").GetString()).IsEqualTo($"{manifest} is a FIFO, not a regular file; it is not read");
        await Assert.That(updateCode).IsEqualTo(HttpStatusCode.OK).Because(update.ToString());
        await Assert.That(failed.GetProperty("state").GetString()).IsEqualTo("failed");
        await Assert.That(many.All(r => r.Status == HttpStatusCode.OK)).IsTrue();
        await Assert.That(health.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(again.GetProperty("success").GetBoolean()).IsTrue().Because("the update lock is free: " + again);
        await WaitForUpdateAsync(manager);
    }

    [Test]
    public async Task A_package_json_that_links_to_a_secret_or_is_not_JSON_leaks_none_of_it()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        var manager = await bench.StartManagerAsync();
        var manifest = Path.Combine(bench.Install, "package.json");
        var secret = Path.Combine(sandbox.Exchange, "secret-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllText(secret, Secret + "\n");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead);
        File.Delete(manifest);
        File.CreateSymbolicLink(manifest, secret);

        var (linkCode, link) = await manager.GetAsync("/version");
        var (_, linkStatus) = await manager.GetAsync("/status");
        File.Delete(manifest);
        File.WriteAllText(manifest, Secret);
        var (textCode, text) = await manager.GetAsync("/version");

        await Assert.That(linkCode).IsEqualTo(HttpStatusCode.InternalServerError);
        await Assert.That(link.GetProperty("message").GetString()).IsEqualTo($"{manifest} is a symbolic link; it is not followed");
        await Assert.That(linkStatus.GetProperty("installedVersion").ValueKind).IsEqualTo(JsonValueKind.Null);
        await Assert.That(textCode).IsEqualTo(HttpStatusCode.InternalServerError);
        await Assert.That(text.GetProperty("message").GetString()).IsEqualTo($"{manifest} is not valid JSON (line 1, byte 1).");
        // Decoded, so that an escaped character (\u00A4) counts too.
        foreach (var answer in new[] { link, linkStatus, text }.SelectMany(Texts))
            await Assert.That(answer.IndexOfAny(Secret.ToCharArray())).IsEqualTo(-1).Because(answer);
        File.Delete(secret);
    }

    /// <summary>Every string in a JSON answer, decoded.</summary>
    static IEnumerable<string> Texts(JsonElement answer) => answer.ValueKind switch
    {
        JsonValueKind.String => [answer.GetString()!],
        JsonValueKind.Object => answer.EnumerateObject().SelectMany(p => Texts(p.Value)),
        JsonValueKind.Array => answer.EnumerateArray().SelectMany(Texts),
        _ => [],
    };

    [Test]
    [Arguments("symlink")]
    [Arguments("foreign")]
    public async Task A_releases_directory_that_is_not_the_managers_own_stops_the_start_with_78_and_one_line(string kind)
    {
        sandbox.RequireRoot();
        var install = Path.Combine(sandbox.Exchange, "hostile-install-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(install);
        var releases = Path.Combine(install, UpdateStore.ReleasesDirName);
        var target = Path.Combine(sandbox.Exchange, "elsewhere-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(target, "txn"));
        File.WriteAllText(Path.Combine(target, "txn", "keep-me"), "not the manager's\n");
        if (kind == "symlink")
            File.CreateSymbolicLink(releases, target);
        else
        {
            Directory.CreateDirectory(releases);
            (await Shell.RunAsync("chown", ["1000:1000", releases])).EnsureSuccess("chown");
        }

        var result = await sandbox.RunAsync(Repository.ManagerBinary, $"--Listen=127.0.0.1:{HubSandbox.FreePort()}", "--Nas:Url=http://127.0.0.1:9",
            $"--InstallDir={install}", $"--StateDir={Path.Combine(sandbox.Exchange, "state-hostile-" + Guid.NewGuid().ToString("N")[..8])}");

        await Assert.That(result.ExitCode).IsEqualTo(78).Because(result.Stderr);
        await Assert.That(result.Stderr.TrimEnd().Split('\n')).HasSingleItem();
        await Assert.That(result.Stderr).StartsWith($"hub-manager: invalid configuration: InstallDir: '{releases}' is "
            + (kind == "symlink" ? "a symbolic link" : "owned by uid 1000"));
        await Assert.That(File.ReadAllText(Path.Combine(target, "txn", "keep-me"))).IsEqualTo("not the manager's\n");
        await Assert.That(Directory.EnumerateFileSystemEntries(target).Select(p => Path.GetFileName(p)!)).IsEquivalentTo(["txn"]);
    }

    [Test]
    public async Task A_releases_directory_swapped_for_a_symlink_after_start_up_fails_the_update_and_is_left_alone()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        bench.Publish("2.0.11", Build("2.0.11"));
        Directory.CreateDirectory(bench.Releases, (UnixFileMode)0x1ED); // 0755, as an older manager or an operator left it
        var manager = await bench.StartManagerAsync();
        var modeAtStart = File.GetUnixFileMode(bench.Releases);
        var target = Path.Combine(sandbox.Exchange, "elsewhere-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(target, "txn"));
        File.WriteAllText(Path.Combine(target, "txn", "keep-me"), "not the manager's\n");
        var before = UpdateTests.Snapshot(bench.Install);
        Directory.Delete(bench.Releases, recursive: true);
        File.CreateSymbolicLink(bench.Releases, target);

        await bench.PostUpdateAsync(manager, "2.0.11");
        var refused = await WaitForUpdateAsync(manager);
        var rollback = await manager.PostAsync("/rollback");
        var targetAfter = Directory.EnumerateFileSystemEntries(target, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(target, p)).Order().ToList();
        var treeAfter = UpdateTests.Snapshot(bench.Install);
        var servingAfter = await bench.HubVersionAsync();
        File.Delete(bench.Releases);
        await bench.PostUpdateAsync(manager, "2.0.11");
        var done = await WaitForUpdateAsync(manager);

        await Assert.That(modeAtStart).IsEqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await Assert.That(refused.GetProperty("state").GetString()).IsEqualTo("failed").Because(refused.ToString());
        await Assert.That(refused.GetProperty("error").GetString()).StartsWith($"'{bench.Releases}' is a symbolic link");
        await Assert.That(rollback.Status).IsEqualTo(HttpStatusCode.NotFound).Because(rollback.Body.ToString());
        await Assert.That(targetAfter).IsEquivalentTo(["txn", "txn/keep-me"]);
        await Assert.That(treeAfter).IsEqualTo(before);
        await Assert.That(servingAfter).IsEqualTo("2.0.10");
        await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("succeeded").Because(done.ToString());
        await Assert.That(File.GetUnixFileMode(bench.Releases)).IsEqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await Assert.That(new DirectoryInfo(bench.Releases).LinkTarget).IsNull();
    }
}
