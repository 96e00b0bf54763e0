using System.Text;

namespace HubManager.Journal;

/// <summary>
/// The journal matches that select one unit's lines the way <c>journalctl -u UNIT</c> does in systemd 252
/// (<c>add_matches_for_unit</c> in src/shared/logs-show.c), so that systemd's own "Started …"/"Stopped …"
/// lines and coredump notices appear next to the service's output.
/// </summary>
public static class UnitMatch
{
    /// <summary>
    /// The OR-ed terms; the fields inside one term are AND-ed. One term beyond systemd 252's four: newer systemd
    /// recognises PID 1's messages by <c>_SYSTEMD_CGROUP=/init.scope</c> instead of <c>_PID=1</c> (in a container
    /// the manager need not be PID 1 of the journal's namespace), so both are kept.
    /// </summary>
    public static IReadOnlyList<string[]> Terms(string unit) =>
    [
        // The service's own output.
        [$"_SYSTEMD_UNIT={unit}"],
        // Coredumps of the service, as systemd-coredump (root) records them.
        ["MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1", "_UID=0", $"COREDUMP_UNIT={unit}"],
        // The service manager about the unit: "Starting…", "Started…", "Main process exited…".
        ["_PID=1", $"UNIT={unit}"],
        ["_SYSTEMD_CGROUP=/init.scope", $"UNIT={unit}"],
        // Privileged daemons writing about the unit on its behalf.
        ["_UID=0", $"OBJECT_SYSTEMD_UNIT={unit}"],
    ];

    /// <summary>Adds the unit's terms to <paramref name="journal"/>, closed with a conjunction so later matches narrow them.</summary>
    public static void AddTo(JournalHandle journal, string unit)
    {
        var terms = Terms(unit);
        for (var i = 0; i < terms.Count; i++)
        {
            if (i > 0)
                SdJournal.Check(SdJournal.AddDisjunction(journal), "sd_journal_add_disjunction");
            foreach (var match in terms[i])
                AddMatch(journal, match);
        }
        SdJournal.Check(SdJournal.AddConjunction(journal), "sd_journal_add_conjunction");
    }

    /// <summary>
    /// Restricts to priorities <paramref name="from"/>..<paramref name="to"/> (0 = emerg … 7 = debug) as
    /// <c>journalctl -p</c> does: one <c>PRIORITY=</c> match per level, so entries without PRIORITY are excluded.
    /// </summary>
    public static void AddPriorities(JournalHandle journal, int from, int to)
    {
        for (var level = from; level <= to; level++)
            AddMatch(journal, $"PRIORITY={level}");
        SdJournal.Check(SdJournal.AddConjunction(journal), "sd_journal_add_conjunction");
    }

    static void AddMatch(JournalHandle journal, string match)
    {
        var bytes = Encoding.UTF8.GetBytes(match);
        SdJournal.Check(SdJournal.AddMatch(journal, bytes, (nuint)bytes.Length), "sd_journal_add_match");
    }
}
