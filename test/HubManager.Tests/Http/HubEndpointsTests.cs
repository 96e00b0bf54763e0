using System.Net;
using System.Text.Json;
using HubManager.Tests.Journal;
using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Http;

/// <summary>
/// The hub-facing API against a real systemd: the shipped binary drives the stand-in
/// <c>ai-hub.service</c> over D-Bus, and every answer is checked against systemd's own view. HEAD works wherever GET does.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(HubEndpointsTests))]
public class HubEndpointsTests(HubSandbox sandbox)
{

    [Test]
    public async Task Status_while_stopped_reports_inactive_and_the_installed_version()
    {
        var hub = await sandbox.DefaultManagerAsync();
        await sandbox.SystemctlAsync("stop", HubSandbox.HubUnit);

        var (status, body) = await hub.GetAsync("/status");

        await Assert.That(status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(body.GetProperty("running").GetBoolean()).IsFalse();
        await Assert.That(body.GetProperty("activeState").GetString()).IsEqualTo("inactive");
        await Assert.That(body.GetProperty("subState").GetString()).IsEqualTo("dead");
        await Assert.That(body.GetProperty("mainPid").GetInt32()).IsEqualTo(0);
        await Assert.That(body.GetProperty("unit").GetString()).IsEqualTo(HubSandbox.HubUnit);
        await Assert.That(body.GetProperty("installedVersion").GetString()).IsEqualTo("2.0.10");
        var shipped = (await Shell.RunAsync(Repository.ManagerBinary, ["--version"])).Stdout.Trim();
        await Assert.That(body.GetProperty("managerVersion").GetString()).IsEqualTo(shipped);
    }

    [Test]
    public async Task Start_answers_once_the_job_is_done_and_status_is_already_running()
    {
        var hub = await sandbox.DefaultManagerAsync();
        await sandbox.SystemctlAsync("stop", HubSandbox.HubUnit);

        var (startStatus, started) = await hub.PostAsync("/start");
        var (_, body) = await hub.GetAsync("/status");

        await Assert.That(startStatus).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(started.GetRawText()).IsEqualTo("""{"success":true}""");
        await Assert.That(body.GetProperty("running").GetBoolean()).IsTrue();
        await Assert.That(body.GetProperty("activeState").GetString()).IsEqualTo("active");
        await Assert.That(body.GetProperty("subState").GetString()).IsEqualTo("running");
        var mainPid = await sandbox.PropertyAsync(HubSandbox.HubUnit, "MainPID");
        await Assert.That(body.GetProperty("mainPid").GetInt32().ToString()).IsEqualTo(mainPid);
        var since = body.GetProperty("since").GetDateTimeOffset();
        await Assert.That(DateTimeOffset.UtcNow - since).IsLessThan(TimeSpan.FromMinutes(1));
    }

    [Test]
    public async Task Stop_leaves_the_unit_inactive()
    {
        var hub = await sandbox.DefaultManagerAsync();
        await sandbox.SystemctlAsync("start", HubSandbox.HubUnit);

        var (stopStatus, stopped) = await hub.PostAsync("/stop");
        var (_, body) = await hub.GetAsync("/status");

        await Assert.That(stopStatus).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(stopped.GetProperty("success").GetBoolean()).IsTrue();
        await Assert.That(body.GetProperty("running").GetBoolean()).IsFalse();
        await Assert.That((await sandbox.RunAsync("systemctl", "is-active", HubSandbox.HubUnit)).Stdout.Trim()).IsEqualTo("inactive");
    }

    [Test]
    public async Task Restart_replaces_the_main_process()
    {
        var hub = await sandbox.DefaultManagerAsync();
        await sandbox.SystemctlAsync("start", HubSandbox.HubUnit);
        var before = (await hub.GetAsync("/status")).Body.GetProperty("mainPid").GetInt32();

        var (restartStatus, _) = await hub.PostAsync("/restart");
        var after = (await hub.GetAsync("/status")).Body.GetProperty("mainPid").GetInt32();

        await Assert.That(restartStatus).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(before).IsNotEqualTo(0);
        await Assert.That(after).IsNotEqualTo(0).And.IsNotEqualTo(before);
        await Assert.That(after.ToString()).IsEqualTo(await sandbox.PropertyAsync(HubSandbox.HubUnit, "MainPID"));
    }

    [Test]
    public async Task Version_is_read_fresh_from_package_json()
    {
        var hub = await sandbox.DefaultManagerAsync();
        var manifest = Path.Combine(sandbox.InstallDir, "package.json");
        var original = await File.ReadAllTextAsync(manifest);
        try
        {
            var (_, before) = await hub.GetAsync("/version");
            await File.WriteAllTextAsync(manifest, original.Replace("2.0.10", "2.0.11"));
            var (_, after) = await hub.GetAsync("/version");
            await File.WriteAllTextAsync(manifest, "{ not json");
            var (brokenStatus, broken) = await hub.GetAsync("/version");

            await Assert.That(before.GetRawText()).IsEqualTo("""{"version":"2.0.10","name":"@proxmox-ai-control/hub"}""");
            await Assert.That(after.GetProperty("version").GetString()).IsEqualTo("2.0.11");
            await Assert.That(brokenStatus).IsEqualTo(HttpStatusCode.InternalServerError);
            await Assert.That(broken.GetProperty("error").GetString()).IsEqualTo("Failed to get version");
            await Assert.That(broken.GetProperty("message").GetString()).Contains("package.json");
        }
        finally
        {
            await File.WriteAllTextAsync(manifest, original);
        }
    }

    [Test]
    public async Task Unknown_paths_and_wrong_methods_get_json_sentences()
    {
        var hub = await sandbox.DefaultManagerAsync();

        var (missingStatus, missing) = await hub.GetAsync("/nope");
        using var wrongMethod = await hub.SendAsync(HttpMethod.Get, "/restart");
        var wrong = JsonDocument.Parse(await wrongMethod.Content.ReadAsStringAsync()).RootElement;
        using var health = await hub.SendAsync(HttpMethod.Get, "/health");

        await Assert.That(missingStatus).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That(missing.GetProperty("message").GetString()).Contains("/status");
        await Assert.That(wrongMethod.StatusCode).IsEqualTo(HttpStatusCode.MethodNotAllowed);
        await Assert.That(wrongMethod.Content.Headers.Allow.Single()).IsEqualTo("POST");
        await Assert.That(wrong.GetProperty("message").GetString()).Contains("POST");
        await Assert.That(await health.Content.ReadAsStringAsync()).IsEqualTo("OK");
    }

    [Test]
    public async Task Head_answers_wherever_get_does_with_the_headers_and_no_body()
    {
        var hub = await sandbox.DefaultManagerAsync();
        var pid = await sandbox.PropertyAsync(hub.UnitName, "MainPID");

        using var status = await hub.SendAsync(HttpMethod.Head, "/status");
        using var follow = await hub.SendAsync(HttpMethod.Head, "/logs?follow=true");
        using var control = await hub.SendAsync(HttpMethod.Head, "/restart");
        using var put = await hub.SendAsync(HttpMethod.Put, "/version");
        // A HEAD follow ends with its headers: no follower stays behind for a body nobody gets.
        await SandboxJournal.EventuallyAsync(async () => (await sandbox.JournalResourcesAsync(pid)).FollowerThreads == 0, "no follower left by HEAD");

        await Assert.That(status.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(status.Content.Headers.ContentType!.MediaType).IsEqualTo("application/json");
        await Assert.That(await status.Content.ReadAsByteArrayAsync()).IsEmpty();
        await Assert.That(follow.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(follow.Content.Headers.ContentType!.MediaType).IsEqualTo("text/event-stream");
        await Assert.That(control.StatusCode).IsEqualTo(HttpStatusCode.MethodNotAllowed);
        await Assert.That(put.Content.Headers.Allow).IsEquivalentTo(["GET", "HEAD"]);
    }

    [Test]
    public async Task Fifty_concurrent_mixed_requests_all_finish_and_agree_with_systemd()
    {
        var hub = await sandbox.DefaultManagerAsync();
        string[] paths = ["/status", "/start", "/version", "/restart", "/status", "/stop", "/status", "/start", "/version", "/status"];

        var requests = Enumerable.Range(0, 50).Select(async i =>
        {
            var path = paths[i % paths.Length];
            var (status, _) = path is "/start" or "/stop" or "/restart" ? await hub.PostAsync(path) : await hub.GetAsync(path);
            return (path, status);
        });
        var results = await Task.WhenAll(requests).WaitAsync(TimeSpan.FromSeconds(90));
        await hub.PostAsync("/start");
        var (_, final) = await hub.GetAsync("/status");

        await Assert.That(results.Where(r => r.status != HttpStatusCode.OK)).IsEmpty();
        await Assert.That(final.GetProperty("running").GetBoolean()).IsTrue();
        await Assert.That((await sandbox.RunAsync("systemctl", "is-active", HubSandbox.HubUnit)).Stdout.Trim()).IsEqualTo("active");
    }
}
