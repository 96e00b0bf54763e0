namespace HubManager.Tests.Journal;

/// <summary>
/// Which entries belong to a unit: the same set as <c>journalctl -u</c> (systemd 252), checked on a fixed journal
/// that mixes the unit's own lines, systemd's lines about it, coredumps and look-alikes that must stay out.
/// </summary>
public class UnitMatchTests
{
    const string Unit = "hub.service";
    const string CoredumpId = "fc2e22bc6ee647b6b90729ab34a250b1";

    static ulong At(int second) => 1_750_000_000_000_000UL + (ulong)second * 1_000_000;

    static ExportEntry Entry(int second, string message, params (string, object)[] fields) =>
        new(At(second), [("_HOSTNAME", "testhost"), .. fields, ("MESSAGE", message)]);

    static readonly ExportEntry[] Mixed =
    [
        Entry(1, "Starting hub.service - Hub...", ("_PID", "1"), ("_UID", "0"), ("SYSLOG_IDENTIFIER", "systemd"), ("UNIT", Unit), ("_SYSTEMD_UNIT", "init.scope")),
        Entry(2, "Started hub.service - Hub.", ("_PID", "1"), ("_UID", "0"), ("SYSLOG_IDENTIFIER", "systemd"), ("UNIT", Unit), ("_SYSTEMD_UNIT", "init.scope")),
        ExportEntry.Line(At(3), Unit, "hub's own line"),
        ExportEntry.Line(At(4), "other.service", "another unit's line"),
        Entry(5, "not PID 1, so not systemd about the unit", ("_PID", "42"), ("_UID", "0"), ("SYSLOG_IDENTIFIER", "impostor"), ("UNIT", Unit)),
        Entry(6, "Process 100 (node) dumped core.", ("_PID", "300"), ("_UID", "0"), ("SYSLOG_IDENTIFIER", "systemd-coredump"), ("MESSAGE_ID", CoredumpId), ("COREDUMP_UNIT", Unit)),
        Entry(7, "a user's fake coredump notice", ("_PID", "301"), ("_UID", "1000"), ("SYSLOG_IDENTIFIER", "fake"), ("MESSAGE_ID", CoredumpId), ("COREDUMP_UNIT", Unit)),
        Entry(8, "root daemon about the unit", ("_PID", "302"), ("_UID", "0"), ("SYSLOG_IDENTIFIER", "logind"), ("OBJECT_SYSTEMD_UNIT", Unit)),
        Entry(9, "a user's claim about the unit", ("_PID", "303"), ("_UID", "1000"), ("SYSLOG_IDENTIFIER", "user"), ("OBJECT_SYSTEMD_UNIT", Unit)),
        Entry(10, "systemd about the other unit", ("_PID", "1"), ("_UID", "0"), ("SYSLOG_IDENTIFIER", "systemd"), ("UNIT", "other.service")),
        Entry(11, "a prefix is not the unit", ("_PID", "1"), ("_UID", "0"), ("SYSLOG_IDENTIFIER", "systemd"), ("UNIT", "hub.service.d")),
        ExportEntry.Line(At(12), "hub.service2", "a longer name is not the unit"),
        ExportEntry.Line(At(13), Unit, "hub's last line"),
    ];

    [Test]
    public async Task The_unit_set_is_journalctls()
    {
        using var files = await JournalFiles.WriteAsync(Mixed);

        var expected = await files.JournalctlAsync(Unit, 100);
        var actual = await files.TextAsync(Unit);

        await Assert.That(actual).IsEqualTo(expected);
        await Assert.That(actual).Contains("systemd[1]: Started hub.service - Hub.");
        await Assert.That(actual).Contains("systemd-coredump[300]: Process 100 (node) dumped core.");
        await Assert.That(actual).Contains("logind[302]: root daemon about the unit");
        foreach (var outsider in new[] { "another unit", "not PID 1", "fake coredump", "user's claim", "other unit", "prefix", "longer name" })
            await Assert.That(actual).DoesNotContain(outsider);
    }

    [Test]
    public async Task The_last_N_count_only_the_units_entries_as_journalctl_n_does()
    {
        // sd-journal selects by the field naming the unit; the look-alikes are dropped by the reader and must not
        // take a place among the last N.
        using var files = await JournalFiles.WriteAsync(Mixed);

        for (var n = 1; n <= 8; n++)
            await Assert.That(await files.TextAsync(Unit, $"lines={n}")).IsEqualTo(await files.JournalctlAsync(Unit, n));
    }

    [Test]
    public async Task Systemd_outside_pid_1_is_recognised_by_its_init_scope_cgroup()
    {
        // Newer systemd (and a manager that is not PID 1 of the journal's namespace) marks its lines with the
        // cgroup instead: journalctl 252 misses these, /logs deliberately shows them.
        using var files = await JournalFiles.WriteAsync(
        [
            Entry(1, "Started hub.service - Hub.", ("_PID", "77"), ("_UID", "0"), ("SYSLOG_IDENTIFIER", "systemd"), ("UNIT", Unit), ("_SYSTEMD_CGROUP", "/init.scope")),
            Entry(2, "elsewhere about the unit", ("_PID", "78"), ("_UID", "0"), ("SYSLOG_IDENTIFIER", "other"), ("UNIT", Unit), ("_SYSTEMD_CGROUP", "/system.slice/x.service")),
        ]);

        var actual = await files.TextAsync(Unit);

        await Assert.That(actual).IsEqualTo("Jun 15 15:06:41 testhost systemd[77]: Started hub.service - Hub.\n");
    }
}
