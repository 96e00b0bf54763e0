using System.Text;

namespace HubManager.Journal;

/// <summary>
/// Selects one unit's lines the way <c>journalctl -u UNIT</c> does in systemd 252 (<c>add_matches_for_unit</c> in
/// src/shared/logs-show.c), so that systemd's own "Started …"/"Stopped …" lines and coredump notices appear next to
/// the service's output. The work is split: sd-journal is asked only for the field of each term that names the unit
/// (<see cref="AddTo"/>), and the reader checks the rest of the term on the fields it reads anyway
/// (<see cref="Observe"/>, <see cref="Selects"/>). An AND inside sd-journal's matches costs a search per field per
/// step; this halves the time to walk back over the last entries. Built once per unit (<see cref="For"/>).
/// </summary>
public sealed class UnitMatch
{
    static readonly byte[][] PriorityMatches = [.. Enumerable.Range(0, 8).Select(level => Encoding.ASCII.GetBytes($"PRIORITY={level}"))];
    static UnitMatch? latest;

    /// <summary>Every distinct <c>FIELD=value</c> of the terms; an entry's fields are compared with these.</summary>
    readonly byte[][] items;
    /// <summary>Per term, the bits of <see cref="items"/> that an entry must all have.</summary>
    readonly int[] termMasks;
    /// <summary>The field of each term that names the unit (its last), without repeats: what sd-journal selects.</summary>
    readonly byte[][] unitFields;

    UnitMatch(string unit)
    {
        Unit = unit;
        var terms = Terms(unit);
        var distinct = terms.SelectMany(term => term).Distinct().ToList();
        items = [.. distinct.Select(Encoding.UTF8.GetBytes)];
        termMasks = [.. terms.Select(term => term.Aggregate(0, (mask, item) => mask | 1 << distinct.IndexOf(item)))];
        unitFields = [.. terms.Select(term => term[^1]).Distinct().Select(Encoding.UTF8.GetBytes)];
    }

    public string Unit { get; }

    /// <summary>The matches of <paramref name="unit"/> (the manager reads one unit, so the last one built is kept).</summary>
    public static UnitMatch For(string unit) => latest is { } known && known.Unit == unit ? known : latest = new UnitMatch(unit);

    /// <summary>
    /// The OR-ed terms; the fields inside one term are AND-ed, and the last field of each names the unit. One term
    /// beyond systemd 252's four: newer systemd recognises PID 1's messages by <c>_SYSTEMD_CGROUP=/init.scope</c>
    /// instead of <c>_PID=1</c> (in a container the manager need not be PID 1 of the journal's namespace), so both are kept.
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

    /// <summary>
    /// Asks sd-journal for the entries with any field that names the unit (a superset of the unit's entries),
    /// closed with a conjunction so later matches narrow them.
    /// </summary>
    public void AddTo(nint journal)
    {
        for (var i = 0; i < unitFields.Length; i++)
        {
            if (i > 0)
                SdJournal.Check(SdJournal.AddDisjunction(journal), "sd_journal_add_disjunction");
            AddMatch(journal, unitFields[i]);
        }
        SdJournal.Check(SdJournal.AddConjunction(journal), "sd_journal_add_conjunction");
    }

    /// <summary>The bit to remember if <paramref name="data"/> (one <c>FIELD=value</c> of an entry) is part of a term, else 0.</summary>
    public int Observe(ReadOnlySpan<byte> data)
    {
        for (var i = 0; i < items.Length; i++)
        {
            if (data.SequenceEqual(items[i]))
                return 1 << i;
        }
        return 0;
    }

    /// <summary>Whether an entry with the <see cref="Observe"/> bits <paramref name="seen"/> has every field of some term.</summary>
    public bool Selects(int seen)
    {
        foreach (var mask in termMasks)
        {
            if ((seen & mask) == mask)
                return true;
        }
        return false;
    }

    /// <summary>
    /// Restricts to priorities <paramref name="from"/>..<paramref name="to"/> (0 = emerg … 7 = debug) as
    /// <c>journalctl -p</c> does: one <c>PRIORITY=</c> match per level, so entries without PRIORITY are excluded.
    /// </summary>
    public static void AddPriorities(nint journal, int from, int to)
    {
        for (var level = from; level <= to; level++)
            AddMatch(journal, PriorityMatches[level]);
        SdJournal.Check(SdJournal.AddConjunction(journal), "sd_journal_add_conjunction");
    }

    static void AddMatch(nint journal, byte[] match) =>
        SdJournal.Check(SdJournal.AddMatch(journal, match, (nuint)match.Length), "sd_journal_add_match");
}
