using System.Text.Json;
using HubManager.Tests.Journal;
using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Http;

/// <summary>
/// The agent-manager role against the shipped binary in a sandbox with its own LAN addresses (<see cref="LanSandbox"/>):
/// the hub's axios, from an address in <c>AllowFrom</c>, reads <c>/status</c> and stops and starts the hub without a
/// token, its correlation ids echoed in the answers and the journal; curl from a stranger gets 403 (401 when a token
/// is configured, 200 with it), a foreign Host gets 421, and loopback behaves as it does today.
/// </summary>
[ClassDataSource<LanSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(AgentRoleTests))]
public class AgentRoleTests(LanSandbox sandbox)
{
    const string Token = "0123456789abcdef0123456789abcdef";

    async Task<ManagerUnderTest> AgentAsync(string arguments)
    {
        sandbox.RequireRoot();
        return await sandbox.StartManagerAsync(arguments: arguments);
    }

    static string At(string address, ManagerUnderTest manager, string path) =>
        address.Contains(':') ? $"http://[{address}]:{manager.Port}{path}" : $"http://{address}:{manager.Port}{path}";

    static JsonElement Json(string body) => JsonDocument.Parse(body).RootElement.Clone();

    [Test]
    public async Task The_hubs_axios_reads_status_and_stops_and_starts_the_hub_with_correlation_ids_and_no_token()
    {
        var manager = await AgentAsync($"--Listen=0.0.0.0:{{port}} --AllowFrom={LanSandbox.Hub}/32");
        await sandbox.SystemctlAsync("start", HubSandbox.HubUnit);

        var answers = await HubAxios.CallAsync(sandbox, LanSandbox.Hub, At(LanSandbox.Agent, manager, ""),
            "GET /status", "POST /stop cmd_1733000000000_x7k2p", "GET /status", "POST /start cmd_1733000000001_q9w3e", "GET /status");

        await Assert.That(answers.Select(a => a.Status)).IsEquivalentTo([200, 200, 200, 200, 200]).Because(JsonSerializer.Serialize(answers.Select(a => a.Data)));
        await Assert.That(answers[0].Sent.GetProperty("user-agent").GetString()).IsEqualTo($"axios/{HubAxios.Version}");
        await Assert.That(answers[0].Sent.TryGetProperty("authorization", out _)).IsFalse();
        await Assert.That(answers[0].Data.GetProperty("managerVersion").GetString()).IsNotNull().And.IsNotEmpty();
        await Assert.That(answers[0].Data.GetProperty("running").GetBoolean()).IsTrue();
        await Assert.That(answers[1].Data.GetRawText()).IsEqualTo("""{"success":true,"correlationId":"cmd_1733000000000_x7k2p"}""");
        await Assert.That(answers[2].Data.GetProperty("running").GetBoolean()).IsFalse();
        await Assert.That(answers[3].Data.GetRawText()).IsEqualTo("""{"success":true,"correlationId":"cmd_1733000000001_q9w3e"}""");
        await Assert.That(answers[4].Data.GetProperty("running").GetBoolean()).IsTrue();
        await SandboxJournal.EventuallyAsync(async () =>
        {
            var journal = await sandbox.JournalctlAsync(manager.UnitName, "-o", "cat");
            return journal.Contains($"POST /stop of {HubSandbox.HubUnit} from {LanSandbox.Hub}, correlationId cmd_1733000000000_x7k2p: done")
                && journal.Contains($"POST /start of {HubSandbox.HubUnit} from {LanSandbox.Hub}, correlationId cmd_1733000000001_q9w3e: done");
        }, "the jobs' journal lines with their correlation ids");
    }

    /// <summary>The packaged unit's network and system-call sandboxing, as test-unit settings.</summary>
    static string PackagedNetworkSandboxing() =>
        string.Join('\n', File.ReadAllLines(Path.Combine(Repository.Root, "packaging", "ai-hub-manager.service"))
            .Where(line => line.StartsWith("RestrictAddressFamilies=") || line.StartsWith("IPAddress") || line.StartsWith("PrivateNetwork=")
                || line.StartsWith("SocketBind") || line.StartsWith("SystemCall") || line.StartsWith("ProtectHostname=") || line.StartsWith("RestrictNamespaces=")));

    [Test]
    public async Task The_packaged_units_sandboxing_lets_the_hub_in_on_every_address()
    {
        var sandboxing = PackagedNetworkSandboxing();
        sandbox.RequireRoot();
        var manager = await sandbox.StartManagerAsync(arguments: $"--Listen=[::]:{{port}} --AllowFrom={LanSandbox.Hub},{LanSandbox.Hub6}", serviceSettings: sandboxing);

        var overIPv4 = await sandbox.CurlAsync(LanSandbox.Hub, At(LanSandbox.Agent, manager, "/status"));
        var overIPv6 = await sandbox.CurlAsync(LanSandbox.Hub6, At(LanSandbox.Agent6, manager, "/status"));
        var stranger = await sandbox.CurlAsync(LanSandbox.Stranger, At(LanSandbox.Agent, manager, "/status"));

        await Assert.That(sandboxing).Contains("RestrictAddressFamilies=");
        await Assert.That(overIPv4.Status).IsEqualTo(200);
        await Assert.That(overIPv6.Status).IsEqualTo(200);
        await Assert.That(stranger.Status).IsEqualTo(403);
    }

    [Test]
    public async Task Curl_from_the_allowed_address_needs_no_token_and_a_foreign_Host_is_misdirected()
    {
        var manager = await AgentAsync($"--Listen=0.0.0.0:{{port}} --AllowFrom={LanSandbox.Hub}");
        // Whatever the class's previous test left: this one reads a running hub.
        await sandbox.SystemctlAsync("start", HubSandbox.HubUnit);

        var status = await sandbox.CurlAsync(LanSandbox.Hub, At(LanSandbox.Agent, manager, "/status"));
        var byLoopbackName = await sandbox.CurlAsync(LanSandbox.Hub, "-H", $"Host: localhost:{manager.Port}", At(LanSandbox.Agent, manager, "/version"));
        var rebound = await sandbox.CurlAsync(LanSandbox.Hub, "-H", $"Host: evil.example:{manager.Port}", At(LanSandbox.Agent, manager, "/status"));
        var otherAddress = await sandbox.CurlAsync(LanSandbox.Hub, "-H", $"Host: {LanSandbox.Stranger}:{manager.Port}", At(LanSandbox.Agent, manager, "/status"));
        var fromPage = await sandbox.CurlAsync(LanSandbox.Hub, "-H", "Origin: http://evil.example", "-X", "POST", At(LanSandbox.Agent, manager, "/restart"));

        await Assert.That(status.Status).IsEqualTo(200);
        await Assert.That(Json(status.Body).GetProperty("running").ValueKind).IsEqualTo(JsonValueKind.True);
        await Assert.That(byLoopbackName.Status).IsEqualTo(200);
        await Assert.That(rebound.Status).IsEqualTo(421);
        await Assert.That(Json(rebound.Body).GetProperty("message").GetString()).Contains("not to Host 'evil.example'");
        await Assert.That(otherAddress.Status).IsEqualTo(421);
        await Assert.That(fromPage.Status).IsEqualTo(403);
    }

    [Test]
    public async Task A_stranger_gets_403_with_a_sentence_and_a_burst_of_refusals_costs_two_journal_lines()
    {
        var manager = await AgentAsync($"--Listen=0.0.0.0:{{port}} --AllowFrom={LanSandbox.Hub}");

        var refusals = new List<(int Status, string Body)>();
        for (var i = 0; i < 5; i++)
            refusals.Add(await sandbox.CurlAsync(LanSandbox.Stranger, "-X", "POST", At(LanSandbox.Agent, manager, "/stop")));

        await Assert.That(refusals.Select(r => r.Status)).IsEquivalentTo([403, 403, 403, 403, 403]);
        await Assert.That(Json(refusals[0].Body).GetProperty("message").GetString())
            .IsEqualTo($"Requests from {LanSandbox.Stranger} are refused: it is not in this manager's AllowFrom.");
        // One line when the burst starts, then the count after 10 s: five refusals, two lines.
        await SandboxJournal.EventuallyAsync(async () => (await sandbox.JournalctlAsync(manager.UnitName, "-o", "cat"))
            .Contains($"Refused 5 requests in the last 10 s; the last from {LanSandbox.Stranger} (403: not in AllowFrom)."), "the burst's count");
        // Each line is "HubManager.Http.RequestRefusals[0] <message>".
        var lines = SandboxJournal.Lines(await sandbox.JournalctlAsync(manager.UnitName, "-o", "cat"))
            .Where(l => l.Contains("Refused")).Select(l => l[(l.IndexOf("] ", StringComparison.Ordinal) + 2)..]).ToArray();
        await Assert.That(lines).IsEquivalentTo(new[]
        {
            $"Refused a request from {LanSandbox.Stranger} (403: not in AllowFrom); further refusals are counted every 10 s.",
            $"Refused 5 requests in the last 10 s; the last from {LanSandbox.Stranger} (403: not in AllowFrom).",
        }).Because(string.Join('\n', lines));
    }

    [Test]
    public async Task With_a_token_configured_a_stranger_needs_it_and_the_allowed_address_does_not()
    {
        var manager = await AgentAsync($"--Listen=0.0.0.0:{{port}} --AllowFrom={LanSandbox.Hub} --ApiToken={Token}");

        var none = await sandbox.CurlAsync(LanSandbox.Stranger, "-D", "-", At(LanSandbox.Agent, manager, "/status"));
        var wrong = await sandbox.CurlAsync(LanSandbox.Stranger, "-H", $"Authorization: Bearer {Token}0", At(LanSandbox.Agent, manager, "/status"));
        var right = await sandbox.CurlAsync(LanSandbox.Stranger, "-H", $"Authorization: Bearer {Token}", "-H", "Host: agent-vm.lan", At(LanSandbox.Agent, manager, "/status"));
        var hub = await sandbox.CurlAsync(LanSandbox.Hub, At(LanSandbox.Agent, manager, "/status"));
        var hubWrongToken = await sandbox.CurlAsync(LanSandbox.Hub, "-H", $"Authorization: Bearer {Token}0", At(LanSandbox.Agent, manager, "/status"));
        var loopback = await sandbox.CurlAsync("127.0.0.1", $"http://127.0.0.1:{manager.Port}/status");

        await Assert.That(none.Status).IsEqualTo(401);
        await Assert.That(none.Body).Contains("WWW-Authenticate: Bearer");
        await Assert.That(wrong.Status).IsEqualTo(401);
        await Assert.That(right.Status).IsEqualTo(200);
        await Assert.That(hub.Status).IsEqualTo(200);
        await Assert.That(hubWrongToken.Status).IsEqualTo(401);
        // As today: with a token, loopback needs it too unless AllowFrom lists loopback.
        await Assert.That(loopback.Status).IsEqualTo(401);
    }

    [Test]
    public async Task Loopback_is_unchanged_when_listening_on_every_address()
    {
        var manager = await AgentAsync($"--Listen=0.0.0.0:{{port}} --AllowFrom={LanSandbox.Hub}");

        var plain = await sandbox.CurlAsync("127.0.0.1", $"http://127.0.0.1:{manager.Port}/status");
        var localhost = await sandbox.CurlAsync("127.0.0.1", $"http://localhost:{manager.Port}/version");
        var restart = await sandbox.CurlAsync("127.0.0.1", "-X", "POST", $"http://127.0.0.1:{manager.Port}/restart");
        var rebound = await sandbox.CurlAsync("127.0.0.1", "-H", "Host: evil.example", $"http://127.0.0.1:{manager.Port}/status");
        var crossSite = await sandbox.CurlAsync("127.0.0.1", "-H", "Sec-Fetch-Site: cross-site", "-X", "POST", $"http://127.0.0.1:{manager.Port}/restart");

        await Assert.That(plain.Status).IsEqualTo(200);
        await Assert.That(localhost.Status).IsEqualTo(200);
        await Assert.That(restart.Status).IsEqualTo(200);
        await Assert.That(restart.Body).IsEqualTo("""{"success":true}""");
        await Assert.That(rebound.Status).IsEqualTo(421);
        await Assert.That(crossSite.Status).IsEqualTo(403);
    }

    [Test]
    public async Task A_dual_stack_listener_takes_the_hub_over_IPv4_and_IPv6_and_refuses_a_stranger()
    {
        var manager = await AgentAsync($"--Listen=[::]:{{port}} --AllowFrom={LanSandbox.Hub},{LanSandbox.Hub6}/128");

        var overIPv4 = await HubAxios.CallAsync(sandbox, LanSandbox.Hub, At(LanSandbox.Agent, manager, ""), "GET /status");
        var overIPv6 = await HubAxios.CallAsync(sandbox, LanSandbox.Hub6, At(LanSandbox.Agent6, manager, ""), "GET /status");
        var stranger6 = await sandbox.CurlAsync(LanSandbox.Stranger6, At(LanSandbox.Agent6, manager, "/status"));
        var stranger4 = await sandbox.CurlAsync(LanSandbox.Stranger, At(LanSandbox.Agent, manager, "/status"));

        await Assert.That(overIPv4[0].Status).IsEqualTo(200);
        await Assert.That(overIPv6[0].Status).IsEqualTo(200);
        await Assert.That(stranger6.Status).IsEqualTo(403);
        await Assert.That(stranger4.Status).IsEqualTo(403);
    }

    [Test]
    [Arguments("""{"correlationId": 5}""", "correlationId must be a string of 1 to 128 printable ASCII characters")]
    [Arguments("""{"correlationId": ""}""", "correlationId must be a string of 1 to 128 printable ASCII characters")]
    [Arguments("""{"correlationId": "a\u0007b"}""", "correlationId must be a string of 1 to 128 printable ASCII characters")]
    [Arguments("""{"correlationId": "caf\u00e9"}""", "correlationId must be a string of 1 to 128 printable ASCII characters")]
    [Arguments("""["cmd_1"]""", "The body must be empty or a JSON object")]
    [Arguments("""{"correlationId": "cmd_1"} x""", "The body must be empty or a JSON object")]
    public async Task A_bad_correlation_id_gets_400_with_a_sentence_and_runs_no_job(string body, string sentence)
    {
        var manager = await AgentAsync($"--Listen=0.0.0.0:{{port}} --AllowFrom={LanSandbox.Hub}");

        var answer = await sandbox.CurlAsync(LanSandbox.Hub, "-X", "POST", "-H", "Content-Type: application/json", "--data-binary", body, At(LanSandbox.Agent, manager, "/stop"));
        var tooLong = await sandbox.CurlAsync(LanSandbox.Hub, "-X", "POST", "-H", "Content-Type: application/json",
            "--data-binary", $$"""{"correlationId": "{{new string('c', 129)}}"}""", At(LanSandbox.Agent, manager, "/stop"));

        await Assert.That(answer.Status).IsEqualTo(400);
        await Assert.That(Json(answer.Body).GetProperty("success").GetBoolean()).IsFalse();
        await Assert.That(Json(answer.Body).GetProperty("error").GetString()).StartsWith(sentence);
        await Assert.That(tooLong.Status).IsEqualTo(400);
        await Assert.That(await sandbox.JournalctlAsync(manager.UnitName, "-o", "cat")).DoesNotContain("POST /stop of");
    }

    [Test]
    public async Task Without_a_correlation_id_the_answer_is_as_before()
    {
        var manager = await AgentAsync($"--Listen=0.0.0.0:{{port}} --AllowFrom={LanSandbox.Hub}");

        var bare = await sandbox.CurlAsync(LanSandbox.Hub, "-X", "POST", At(LanSandbox.Agent, manager, "/start"));
        var emptyObject = await sandbox.CurlAsync(LanSandbox.Hub, "-X", "POST", "-H", "Content-Type: application/json", "--data-binary", """{"other": [1]}""", At(LanSandbox.Agent, manager, "/start"));

        await Assert.That(bare.Status).IsEqualTo(200);
        await Assert.That(bare.Body).IsEqualTo("""{"success":true}""");
        await Assert.That(emptyObject.Status).IsEqualTo(200);
        await Assert.That(emptyObject.Body).IsEqualTo("""{"success":true}""");
        await SandboxJournal.EventuallyAsync(async () => (await sandbox.JournalctlAsync(manager.UnitName, "-o", "cat"))
            .Contains($"POST /start of {HubSandbox.HubUnit} from {LanSandbox.Hub}: done"), "the job's journal line");
    }
}
