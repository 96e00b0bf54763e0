using HubManager.Updates;

namespace HubManager.Tests.Updates;

/// <summary>The quarantine list's rules, and its file in <c>StateDir</c> (no root needed).</summary>
public class QuarantineTests
{
    static readonly DateTimeOffset Noon = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    static QuarantinedRelease Entry(string version, int minute = 0, string reason = "crash-loops") => new(version, Noon.AddMinutes(minute), reason);

    [Test]
    public async Task A_version_appears_once_with_its_latest_rollback()
    {
        var list = Quarantine.With(Quarantine.With(Quarantine.With([], Entry("2.0.12")), Entry("2.0.13", 1)), Entry("2.0.12", 2, "health URL"));

        await Assert.That(list.Select(r => r.Version)).IsEquivalentTo(["2.0.13", "2.0.12"], TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(Quarantine.Find(list, "2.0.12")).IsEqualTo(Entry("2.0.12", 2, "health URL"));
        await Assert.That(Quarantine.Find(list, "2.0.11")).IsNull();
        await Assert.That(Quarantine.Without(list, "2.0.12").Select(r => r.Version)).IsEquivalentTo(["2.0.13"]);
    }

    [Test]
    public async Task The_list_keeps_the_32_latest_and_reasons_are_bounded()
    {
        IReadOnlyList<QuarantinedRelease> list = [];
        for (var i = 0; i < 40; i++)
            list = Quarantine.With(list, Entry($"2.0.{i}", i, new string('x', 5000)));

        await Assert.That(list.Count).IsEqualTo(Quarantine.MaxReleases);
        await Assert.That(list[0].Version).IsEqualTo("2.0.8");
        await Assert.That(list[^1].Version).IsEqualTo("2.0.39");
        await Assert.That(list.Max(r => r.Reason.Length)).IsLessThanOrEqualTo(Quarantine.MaxReasonLength + 1);
    }

    [Test]
    public async Task The_refusal_says_when_and_why_and_how_to_override()
    {
        var sentence = Quarantine.Refusal(Entry("2.0.12", 0, "ai-hub.service restarted 3 times"));

        await Assert.That(sentence).IsEqualTo("2.0.12 is quarantined: the health gate rolled it back at 2026-12-02T12:00:00Z (ai-hub.service restarted 3 times); send \"force\": true to install it anyway");
    }

    [Test]
    public async Task The_file_survives_a_new_store_and_drops_what_could_not_have_been_written()
    {
        using var root = new TempDir();
        var store = new UpdateStore(Path.Combine(root.Path, "state"), Path.Combine(root.Path, "install"));
        store.EnsureStateDir();
        await Assert.That(store.ReadQuarantine()).IsEmpty();

        store.WriteQuarantine([Entry("2.0.12"), Entry("20261202-045344", 1)]);
        var again = new UpdateStore(Path.Combine(root.Path, "state"), Path.Combine(root.Path, "install"));
        await Assert.That(again.ReadQuarantine()).IsEquivalentTo([Entry("2.0.12"), Entry("20261202-045344", 1)], TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(File.Exists(store.QuarantineFile + ".tmp")).IsFalse();

        File.WriteAllText(store.QuarantineFile, """[{"version":"../etc","at":"2026-12-02T12:00:00Z","reason":"x"},{"version":"2.0.12","at":"2026-12-02T12:00:00Z"},{"version":"2.0.13","at":"2026-12-02T12:00:00Z","reason":"y"}]""");
        await Assert.That(store.ReadQuarantine().Select(r => r.Version)).IsEquivalentTo(["2.0.13"]);

        File.WriteAllText(store.QuarantineFile, "not json");
        await Assert.That(store.ReadQuarantine()).IsEmpty();
    }
}
