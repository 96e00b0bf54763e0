using HubManager.Journal;
using static HubManager.Tests.Journal.SandboxJournal;

namespace HubManager.Tests.Journal;

/// <summary>
/// Journal handles kept open between reads: a reused handle reads exactly what a fresh one (and journalctl) would,
/// after files are added or removed and after another query's matches; idle handles are bounded and closed.
/// </summary>
public class JournalPoolTests
{
    const string Unit = "hub.service";
    const ulong Start = 1_750_000_000_000_000;

    /// <summary>Lines <paramref name="from"/>.. of the unit, a second apart, at priority <paramref name="priority"/>.</summary>
    static IEnumerable<ExportEntry> Lines(int from, int count, int priority = 6) =>
        Enumerable.Range(from, count).Select(i => new ExportEntry(Start + (ulong)i * 1_000_000,
            ("_SYSTEMD_UNIT", Unit), ("SYSLOG_IDENTIFIER", "node"), ("_PID", "100"), ("_HOSTNAME", "testhost"),
            ("PRIORITY", priority.ToString()), ("MESSAGE", $"line {i}")));

    [Test]
    public async Task A_reused_handle_reads_a_file_added_after_it_was_returned()
    {
        using var files = await JournalFiles.WriteAsync(Lines(0, 3));
        using var pool = new JournalPool(() => JournalHandle.OpenDirectory(files.Directory));

        var before = await files.TextAsync(Unit, "lines=100", pool: pool);
        var journalctlBefore = await files.JournalctlAsync(Unit, 100);
        await files.AddFileAsync("rotated.journal", Lines(3, 2));
        var after = await files.TextAsync(Unit, "lines=100", pool: pool);

        await Assert.That(before).IsEqualTo(journalctlBefore);
        await Assert.That(after).IsEqualTo(await files.JournalctlAsync(Unit, 100));
        await Assert.That(after).Contains("line 4");
    }

    [Test]
    public async Task A_removed_file_is_neither_read_nor_kept_open()
    {
        using var files = await JournalFiles.WriteAsync(Lines(0, 3));
        var vacuumed = await files.AddFileAsync("old.journal", Lines(10, 2));
        using var pool = new JournalPool(() => JournalHandle.OpenDirectory(files.Directory));

        var before = await files.TextAsync(Unit, "lines=100", pool: pool);
        File.Delete(vacuumed);
        var after = await files.TextAsync(Unit, "lines=100", pool: pool);

        await Assert.That(before).Contains("line 11");
        await Assert.That(after).IsEqualTo(await files.JournalctlAsync(Unit, 100));
        await Assert.That(after).DoesNotContain("line 11");
        await Assert.That(files.OpenByThisProcess().Where(target => target.EndsWith(" (deleted)"))).IsEmpty();
    }

    [Test]
    public async Task One_reads_priority_matches_do_not_narrow_the_next_read()
    {
        using var files = await JournalFiles.WriteAsync([.. Lines(0, 3), .. Lines(3, 2, priority: 3)]);
        using var pool = new JournalPool(() => JournalHandle.OpenDirectory(files.Directory));

        var errors = await files.TextAsync(Unit, "lines=100&priority=err", pool: pool);
        var all = await files.TextAsync(Unit, "lines=100", pool: pool);

        await Assert.That(errors).IsEqualTo(await files.JournalctlAsync(Unit, 100, "UTC", "-p", "err"));
        await Assert.That(all).IsEqualTo(await files.JournalctlAsync(Unit, 100));
        await Assert.That(all.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length).IsEqualTo(5);
    }

    [Test]
    public async Task At_most_Capacity_handles_stay_open_and_idle_ones_close()
    {
        using var files = await JournalFiles.WriteAsync(Lines(0, 3));
        using var pool = new JournalPool(() => JournalHandle.OpenDirectory(files.Directory), idleTimeout: TimeSpan.FromMilliseconds(300));

        var rented = Enumerable.Range(0, JournalPool.Capacity + 2).Select(_ => pool.Rent()).ToList();
        var whileRented = files.OpenByThisProcess().Length;
        foreach (var journal in rented)
            pool.Return(journal);
        var kept = files.OpenByThisProcess().Length;
        await EventuallyAsync(() => Task.FromResult(files.OpenByThisProcess().Length == 0), "idle handles closed");

        await Assert.That(whileRented).IsEqualTo(JournalPool.Capacity + 2);
        await Assert.That(kept).IsEqualTo(JournalPool.Capacity);
    }
}
