using System.Buffers;
using System.Text;
using HubManager.Http;

namespace HubManager.Tests.Http;

/// <summary>
/// The Prometheus text the manager writes by hand (<see cref="MetricsText"/>) and the request table behind
/// <c>hub_manager_http_requests_total</c> (<see cref="RequestCounts"/>), in process.
/// </summary>
public class MetricsTextTests
{
    [Test]
    public async Task Families_and_samples_are_written_in_the_text_format()
    {
        var text = Write(metrics =>
        {
            metrics.Family("hub_manager_updates_total"u8, "counter"u8, "Updates that ended."u8);
            metrics.Sample("hub_manager_updates_total"u8, "result"u8, "rolledBack", 3);
            metrics.Family("process_open_fds"u8, "gauge"u8, "Open descriptors."u8);
            metrics.Sample("process_open_fds"u8, long.MaxValue);
            metrics.Sample("hub_manager_http_requests_total"u8, "route"u8, "/status", "code"u8, 503, 7);
            metrics.Sample("hub_manager_http_requests_total"u8, "route"u8, "other", "code"u8, "other", 0);
        });

        await Assert.That(text).IsEqualTo("""
            # HELP hub_manager_updates_total Updates that ended.
            # TYPE hub_manager_updates_total counter
            hub_manager_updates_total{result="rolledBack"} 3
            # HELP process_open_fds Open descriptors.
            # TYPE process_open_fds gauge
            process_open_fds 9223372036854775807
            hub_manager_http_requests_total{route="/status",code="503"} 7
            hub_manager_http_requests_total{route="other",code="other"} 0

            """.ReplaceLineEndings("\n"));
    }

    [Test]
    [Arguments("2.0.10", "2.0.10")]
    [Arguments("a\\b", "a\\\\b")]
    [Arguments("say \"hi\"", "say \\\"hi\\\"")]
    [Arguments("two\nlines", "two\\nlines")]
    [Arguments("\\\"\n", "\\\\\\\"\\n")]
    [Arguments("", "")]
    [Arguments("é∞\r\t", "é∞\r\t")]
    public async Task Label_values_are_escaped_as_the_format_requires(string value, string escaped)
    {
        var text = Write(metrics => metrics.Sample("hub_installed_version_info"u8, "version"u8, value, 1));

        await Assert.That(text).IsEqualTo($"hub_installed_version_info{{version=\"{escaped}\"}} 1\n");
    }

    [Test]
    public async Task A_lone_surrogate_becomes_the_replacement_character()
    {
        var text = Write(metrics => metrics.Sample("hub_installed_version_info"u8, "version"u8, "lone \ud800 surrogate", 1));

        await Assert.That(text).IsEqualTo("hub_installed_version_info{version=\"lone \ufffd surrogate\"} 1\n");
    }

    [Test]
    [Arguments(0L, "0")]
    [Arguments(30_000_000L, "3")]
    [Arguments(15_000_000L, "1.5")]
    [Arguments(1L, "0.0000001")]
    [Arguments(17_650_764_521_234_567L, "1765076452.1234567")]
    [Arguments(-5_000_000L, "-0.5")]
    public async Task Seconds_are_exact_decimals(long ticks, string seconds)
    {
        var text = Write(metrics => metrics.Sample("hub_manager_last_update_duration_seconds"u8, TimeSpan.FromTicks(ticks)));

        await Assert.That(text).IsEqualTo($"hub_manager_last_update_duration_seconds {seconds}\n");
    }

    [Test]
    public async Task Requests_are_counted_per_route_and_code_and_codes_beyond_the_slots_as_other()
    {
        var counts = new RequestCounts(["/metrics", "/status"]);

        counts.Count(1, 200);
        counts.Count(1, 200);
        counts.Count(1, 404);
        counts.Count(counts.Other, 404);
        for (var code = 400; code < 400 + RequestCounts.CodesPerRoute + 2; code++)
            counts.Count(0, code);

        await Assert.That(Rows(counts)).IsEquivalentTo(
        [
            "/status 200 2", "/status 404 1", "other 404 1",
            .. Enumerable.Range(400, RequestCounts.CodesPerRoute).Select(code => $"/metrics {code} 1"),
            "/metrics -1 2",
        ]);
        await Assert.That(counts.Route(counts.Other)).IsEqualTo("other");
    }

    [Test]
    public async Task Concurrent_counting_loses_nothing()
    {
        var counts = new RequestCounts(["/status"]);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            for (var i = 0; i < 100_000; i++)
                counts.Count(0, 200 + i % 3);
        })));

        await Assert.That(Rows(counts)).IsEquivalentTo(["/status 200 133336", "/status 201 133332", "/status 202 133332"]);
    }

    static List<string> Rows(RequestCounts counts)
    {
        var rows = new List<string>();
        for (var route = 0; route < counts.Routes; route++)
        {
            for (var slot = 0; slot < RequestCounts.SlotsPerRoute; slot++)
            {
                if (counts.TryGet(route, slot, out var code, out var count))
                    rows.Add($"{counts.Route(route)} {code} {count}");
            }
        }
        return rows;
    }

    static string Write(Action<MetricsText> write)
    {
        var buffer = new ArrayBufferWriter<byte>(16);
        write(new MetricsText(buffer));
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
