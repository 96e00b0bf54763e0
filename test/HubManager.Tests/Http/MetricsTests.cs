using System.Net;
using HubManager.Tests.Sandbox;
using HubManager.Tests.Updates;
using static HubManager.Tests.Updates.ReleasePackages;

namespace HubManager.Tests.Http;

/// <summary>
/// <c>GET /metrics</c> of the shipped binary in a real systemd: what <c>promtool check metrics</c> (Debian's
/// prometheus package) says about it before and after an update, what a real Prometheus server scraping it every
/// second reads back through its query API, and how requests are counted by route and status code.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(MetricsTests))]
public class MetricsTests(HubSandbox sandbox)
{
    [Test]
    public async Task Prometheus_reads_the_unit_and_the_rollback_count_and_promtool_passes_before_and_after_the_update()
    {
        await using var bench = await UpdateBench.CreateAsync(sandbox);
        var package = bench.Publish("2.0.11", Build("2.0.11", crash: true));
        var manager = await bench.StartManagerAsync(grace: 3);

        var (before, contentType) = await ScrapeAsync(manager);
        var hubStarted = (await sandbox.RunAsync("systemctl", "show", "-P", "ExecMainStartTimestamp", "--timestamp=unix", HubSandbox.HubUnit)).Stdout.Trim();
        var beforeCheck = await PromtoolAsync(before);
        await using var prometheus = await PrometheusServer.StartAsync($"127.0.0.1:{manager.Port}");
        var activeInPrometheus = await prometheus.WaitForAsync("hub_unit_active", 1);
        var rollbacksBefore = await prometheus.WaitForAsync("""hub_manager_updates_total{result="rolledBack"}""", 0);
        await bench.PostUpdateAsync(manager, "2.0.11");
        var done = await UpdateBench.WaitForUpdateAsync(manager);
        var (after, _) = await ScrapeAsync(manager);
        var afterCheck = await PromtoolAsync(after);
        var rollbacksInPrometheus = await prometheus.WaitForAsync("""hub_manager_updates_total{result="rolledBack"}""", 1);

        await Assert.That(contentType).IsEqualTo("text/plain; version=0.0.4; charset=utf-8");
        await Assert.That(beforeCheck).IsEqualTo(new CommandResult(0, "", "")).Because(before);
        await Assert.That(afterCheck).IsEqualTo(new CommandResult(0, "", "")).Because(after);
        await Assert.That(activeInPrometheus).IsEqualTo(1);
        await Assert.That(rollbacksBefore).IsEqualTo(0);
        await Assert.That(done.GetProperty("state").GetString()).IsEqualTo("rolledBack").Because(done.ToString());
        await Assert.That(rollbacksInPrometheus).IsEqualTo(1);

        var first = Samples(before);
        await Assert.That(first["hub_unit_active"]).IsEqualTo("1");
        await Assert.That(first["""hub_unit_state{state="active"}"""]).IsEqualTo("1");
        foreach (var state in new[] { "inactive", "failed", "activating", "deactivating" })
            await Assert.That(first[$$"""hub_unit_state{state="{{state}}"}"""]).IsEqualTo("0");
        await Assert.That(first["""hub_installed_version_info{version="2.0.10"}"""]).IsEqualTo("1");
        foreach (var result in new[] { "succeeded", "failed", "rolledBack" })
            await Assert.That(first[$$"""hub_manager_updates_total{result="{{result}}"}"""]).IsEqualTo("0");
        await Assert.That(first["hub_manager_update_in_progress"]).IsEqualTo("0");
        await Assert.That(first["hub_manager_update_downloaded_bytes_total"]).IsEqualTo("0");
        await Assert.That(first.ContainsKey("hub_manager_last_update_timestamp_seconds")).IsFalse();
        await Assert.That(first.ContainsKey("hub_manager_last_update_duration_seconds")).IsFalse();
        await Assert.That(before).Contains("# TYPE hub_manager_last_update_timestamp_seconds gauge\n");
        await Assert.That(Math.Abs(double.Parse(first["hub_unit_start_time_seconds"]) - double.Parse(hubStarted.TrimStart('@')))).IsLessThan(1.01);
        await Assert.That(long.Parse(first["process_resident_memory_bytes"])).IsGreaterThan(1L << 20);
        await Assert.That(long.Parse(first["process_open_fds"])).IsGreaterThan(3);
        await Assert.That(long.Parse(first["process_max_fds"])).IsGreaterThanOrEqualTo(long.Parse(first["process_open_fds"]));
        await Assert.That(Math.Abs(double.Parse(first["process_start_time_seconds"]) - DateTimeOffset.UtcNow.ToUnixTimeSeconds())).IsLessThan(120);

        var second = Samples(after);
        await Assert.That(second["""hub_manager_updates_total{result="rolledBack"}"""]).IsEqualTo("1");
        await Assert.That(second["""hub_manager_updates_total{result="succeeded"}"""]).IsEqualTo("0");
        await Assert.That(second["hub_manager_update_downloaded_bytes_total"]).IsEqualTo(package.Length.ToString());
        await Assert.That(second["hub_manager_update_in_progress"]).IsEqualTo("0");
        var finishedAt = done.GetProperty("finishedAt").GetDateTimeOffset();
        var startedAt = done.GetProperty("startedAt").GetDateTimeOffset();
        await Assert.That(Math.Abs(double.Parse(second["hub_manager_last_update_timestamp_seconds"]) - finishedAt.ToUnixTimeMilliseconds() / 1000.0)).IsLessThan(0.001);
        await Assert.That(Math.Abs(double.Parse(second["hub_manager_last_update_duration_seconds"]) - (finishedAt - startedAt).TotalSeconds)).IsLessThan(0.001);
        await Assert.That(second["""hub_installed_version_info{version="2.0.10"}"""]).IsEqualTo("1");
        await Assert.That(second["hub_unit_active"]).IsEqualTo("1");
        await Assert.That(double.Parse(second["process_cpu_seconds_total"])).IsGreaterThan(0);
    }

    [Test]
    public async Task Requests_are_counted_by_route_and_status_code_with_unknown_paths_as_other()
    {
        var manager = await sandbox.DefaultManagerAsync();
        var before = Samples((await ScrapeAsync(manager)).Text);

        await manager.GetAsync("/status");
        await manager.GetAsync("/no-such-path-1");
        await manager.GetAsync("/no-such-path-2?x=\"y\"");
        using var wrongMethod = await manager.SendAsync(HttpMethod.Delete, "/status");
        using var head = await manager.SendAsync(HttpMethod.Head, "/metrics");
        var headBody = await head.Content.ReadAsByteArrayAsync();
        // A request is counted once its answer has gone out: the client can be a step ahead, so poll.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        string text;
        Dictionary<string, string> after;
        do
            after = Samples(text = (await ScrapeAsync(manager)).Text);
        while (Increase(before, after, """hub_manager_http_requests_total{route="/metrics",code="200"}""") < 2 && DateTime.UtcNow < deadline);

        await Assert.That(head.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(head.Content.Headers.ContentType?.ToString()).IsEqualTo("text/plain; version=0.0.4; charset=utf-8");
        await Assert.That(headBody).IsEmpty();
        await Assert.That(Increase(before, after, """hub_manager_http_requests_total{route="/status",code="200"}""")).IsEqualTo(1);
        await Assert.That(Increase(before, after, """hub_manager_http_requests_total{route="/status",code="405"}""")).IsEqualTo(1);
        await Assert.That(Increase(before, after, """hub_manager_http_requests_total{route="other",code="404"}""")).IsEqualTo(2);
        // The first scrape and the HEAD, each counted once answered.
        await Assert.That(Increase(before, after, """hub_manager_http_requests_total{route="/metrics",code="200"}""")).IsEqualTo(2);
        await Assert.That(text).DoesNotContain("no-such-path");
        await Assert.That(await PromtoolAsync(text)).IsEqualTo(new CommandResult(0, "", "")).Because(text);
    }

    static async Task<(string Text, string? ContentType)> ScrapeAsync(ManagerUnderTest manager)
    {
        using var response = await manager.SendAsync(HttpMethod.Get, "/metrics");
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"GET /metrics answered {(int)response.StatusCode}: {text}");
        return (text, response.Content.Headers.ContentType?.ToString());
    }

    static Task<CommandResult> PromtoolAsync(string metrics) => Shell.RunAsync("/usr/bin/promtool", ["check", "metrics"], stdin: metrics);

    /// <summary>Each sample line as "name{labels}" → value.</summary>
    static Dictionary<string, string> Samples(string text)
    {
        var samples = new Dictionary<string, string>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            var space = line.LastIndexOf(' ');
            samples.Add(line[..space], line[(space + 1)..]);
        }
        return samples;
    }

    static long Increase(Dictionary<string, string> before, Dictionary<string, string> after, string sample) =>
        long.Parse(after.GetValueOrDefault(sample, "0")) - long.Parse(before.GetValueOrDefault(sample, "0"));
}
