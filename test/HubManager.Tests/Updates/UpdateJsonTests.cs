using System.Text;
using System.Text.Json;
using HubManager.Updates;

namespace HubManager.Tests.Updates;

/// <summary>
/// What <c>GET /update</c> answers and the state files hold, byte for byte: states, phases and kinds are camelCase
/// words ("rolledBack"), the hub's log lines are <c>journal</c>, and files written by an older manager still read.
/// </summary>
public class UpdateJsonTests
{
    const string Status = """{"state":"rolledBack","version":"2.0.11+build","previousVersion":"2.0.10","phase":"download","bytesDownloaded":5,"bytesTotal":null,"startedAt":"2026-01-02T03:04:05+00:00","finishedAt":null,"error":"unhealthy","journal":["hub: listening"],"backups":["2.0.10"],"quarantined":[{"version":"2.0.12","at":"2026-01-02T03:04:05.5+00:00","reason":"ai-hub.service \"crashed\""}]}""";

    const string Intent = """{"kind":"rollback","version":"2.0.10","previousVersion":"2.0.11","phase":"commit","otherTree":"/srv/hub/.hub-manager/backups/2.0.10/tree","hubWasRunning":true,"entries":[{"name":"dist","new":[1,2],"old":null}],"startedAt":"2026-01-02T03:04:05+00:00","reason":null,"journal":[]}""";

    [Test]
    public async Task The_status_is_written_as_the_API_has_always_answered_it()
    {
        var status = JsonSerializer.Deserialize(Status, UpdateJson.Api.UpdateStatus)!;

        await Assert.That(Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(status, UpdateJson.Api.UpdateStatus))).IsEqualTo(Status);
        await Assert.That(JsonSerializer.Serialize(new UpdateStatus(), UpdateJson.Api.UpdateStatus)).Contains("\"state\":\"idle\"").And.EndsWith(",\"quarantined\":[]}");
        // A status file from before the quarantine reads, with none.
        var older = JsonSerializer.Deserialize(Status[..Status.IndexOf(",\"quarantined\"", StringComparison.Ordinal)] + "}", UpdateJson.Api.UpdateStatus)!;
        await Assert.That(older.Quarantined.Releases).IsEmpty();
        await Assert.That(older.Backups).IsEquivalentTo(["2.0.10"]);
    }

    [Test]
    public async Task The_intent_journal_reads_and_writes_the_same_words()
    {
        var intent = JsonSerializer.Deserialize(Intent, UpdateJson.Api.UpdateIntent)!;

        await Assert.That(Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(intent, UpdateJson.Api.UpdateIntent))).IsEqualTo(Intent);
    }
}
