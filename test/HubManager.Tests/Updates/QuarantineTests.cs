using HubManager.Updates;

namespace HubManager.Tests.Updates;

/// <summary>The quarantine list's rules, and its file in <c>StateDir</c> as the hand-written converter writes and reads it (no root needed).</summary>
public class QuarantineTests
{
    static readonly DateTimeOffset Noon = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    static QuarantinedRelease Entry(string version, int minute = 0, string reason = "crash-loops") => new(version, Noon.AddMinutes(minute), reason);

    static (string, DateTimeOffset, string) Fields(QuarantinedRelease? release) => release is null ? default : (release.Version, release.At, release.Reason);

    static IEnumerable<(string, DateTimeOffset, string)> Fields(Quarantine quarantine) => quarantine.Releases.Select(r => Fields(r));

    [Test]
    public async Task A_version_appears_once_with_its_latest_rollback()
    {
        var list = Quarantine.Empty.With(Entry("2.0.12")).With(Entry("2.0.13", 1)).With(Entry("2.0.12", 2, "health URL"));

        await Assert.That(list.Releases.Select(r => r.Version)).IsEquivalentTo(["2.0.13", "2.0.12"], TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(Fields(list.Find("2.0.12"))).IsEqualTo(Fields(Entry("2.0.12", 2, "health URL")));
        await Assert.That(list.Find("2.0.11")).IsNull();
        await Assert.That(list.Without("2.0.12").Releases.Select(r => r.Version)).IsEquivalentTo(["2.0.13"]);
        await Assert.That(Quarantine.Empty.Releases).IsEmpty();
    }

    [Test]
    public async Task The_list_keeps_the_32_latest_and_reasons_are_bounded()
    {
        var list = Quarantine.Empty;
        for (var i = 0; i < 40; i++)
            list = list.With(Entry($"2.0.{i}", i, new string('x', 5000)));

        await Assert.That(list.Releases.Count).IsEqualTo(Quarantine.MaxReleases);
        await Assert.That(list.Releases[0].Version).IsEqualTo("2.0.8");
        await Assert.That(list.Releases[^1].Version).IsEqualTo("2.0.39");
        await Assert.That(list.Releases.Max(r => r.Reason.Length)).IsLessThanOrEqualTo(Quarantine.MaxReasonLength + 1);
    }

    [Test]
    public async Task The_refusal_says_when_and_why_and_how_to_override()
    {
        var sentence = Entry("2.0.12", 0, "ai-hub.service restarted 3 times").Refusal();

        await Assert.That(sentence).IsEqualTo("2.0.12 is quarantined: the health gate rolled it back at 2026-12-02T12:00:00Z (ai-hub.service restarted 3 times); send \"force\": true to install it anyway");
    }

    [Test]
    public async Task The_file_survives_a_new_store_and_drops_what_could_not_have_been_written()
    {
        using var root = new TempDir();
        var store = new UpdateStore(Path.Combine(root.Path, "state"), Path.Combine(root.Path, "install"));
        store.EnsureStateDir();
        await Assert.That(store.ReadQuarantine().Releases).IsEmpty();

        store.WriteQuarantine(new Quarantine([Entry("2.0.12"), Entry("20261202-045344", 1)]));
        var again = new UpdateStore(Path.Combine(root.Path, "state"), Path.Combine(root.Path, "install"));
        await Assert.That(Fields(again.ReadQuarantine())).IsEquivalentTo([Fields(Entry("2.0.12")), Fields(Entry("20261202-045344", 1))], TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(File.ReadAllText(store.QuarantineFile)).IsEqualTo(
            """[{"version":"2.0.12","at":"2026-12-02T12:00:00+00:00","reason":"crash-loops"},{"version":"20261202-045344","at":"2026-12-02T12:01:00+00:00","reason":"crash-loops"}]""");
        await Assert.That(File.Exists(store.QuarantineFile + ".tmp")).IsFalse();

        File.WriteAllText(store.QuarantineFile, """[{"version":"../etc","at":"2026-12-02T12:00:00Z","reason":"x"},{"version":"2.0.13","at":"2026-12-02T12:00:00Z","reason":"y","note":[1]}]""");
        await Assert.That(Fields(store.ReadQuarantine())).IsEquivalentTo([("2.0.13", Noon, "y")]);

        foreach (var unreadable in new[] { "not json", "{}", """[{"version":"2.0.12","at":"2026-12-02T12:00:00Z"}]""", """[{"version":2,"at":"2026-12-02T12:00:00Z","reason":"x"}]""",
                     """[{"version":"2.0.12","at":"noon","reason":"x"}]""", """[1]""", """[] []""" })
        {
            File.WriteAllText(store.QuarantineFile, unreadable);
            await Assert.That(store.ReadQuarantine().Releases).IsEmpty().Because(unreadable);
        }
    }
}
