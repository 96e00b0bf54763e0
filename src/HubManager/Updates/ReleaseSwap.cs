using HubManager.Platform;

namespace HubManager.Updates;

/// <summary>
/// Moves a release's top-level entries between the live install directory and an "other" tree (the staged
/// release, or a backup) on the same filesystem. Each entry is swapped on its own with
/// <c>renameat2(RENAME_EXCHANGE)</c>, so a reader of <c>InstallDir/dist</c> sees the old or the new directory,
/// never neither; where the filesystem lacks it, two renames through <c>aside/</c> do the same non-atomically.
/// <para>
/// Every move is idempotent and decided by identity, not by step count: the journal records each side's
/// (device, inode) before the first rename, and <see cref="Place"/> looks where each side currently is and
/// moves only what is out of place. So whether a crash hit before, between or after any rename, running
/// <see cref="Place"/> again for either goal ends in exactly that goal. (Identities are unique while both sides
/// exist, and the manager never deletes either side during a transaction, so an inode cannot be reused under it.)
/// </para>
/// </summary>
public sealed class ReleaseSwap(string installDir, string otherTree, string aside)
{
    /// <summary>Identities of every top-level entry of <paramref name="names"/> on both sides, for the intent journal.</summary>
    public IReadOnlyList<IntentEntry> Describe(IEnumerable<string> names) =>
        names.Select(name =>
        {
            RequireSimpleName(name);
            return new IntentEntry(name, Id(Path.Combine(otherTree, name)), Id(Path.Combine(installDir, name)));
        }).ToList();

    /// <summary>
    /// Puts every entry's <c>New</c> side (or <c>Old</c> side) live and the other side in the other tree, then syncs.
    /// <paramref name="placed"/> hears each entry's name once it is in place.
    /// </summary>
    public void PlaceAll(IReadOnlyList<IntentEntry> entries, bool newLive, Action<string>? placed = null)
    {
        Directory.CreateDirectory(aside);
        foreach (var entry in entries)
        {
            Place(entry, newLive);
            placed?.Invoke(entry.Name);
        }
        Posix.FsyncDirectory(installDir);
        // Gone when a transaction deleted the unhealthy release and crashed before closing its journal: every entry
        // is then already in place (a move into it would have failed above), and there is nothing of it to sync.
        if (Posix.Exists(otherTree))
            Posix.FsyncDirectory(otherTree);
        Posix.FsyncDirectory(aside);
    }

    /// <summary>Brings one entry to the goal from whatever state a previous (possibly interrupted) attempt left.</summary>
    public void Place(IntentEntry entry, bool newLive)
    {
        RequireSimpleName(entry.Name);
        var live = Path.Combine(installDir, entry.Name);
        var other = Path.Combine(otherTree, entry.Name);
        var parked = Path.Combine(aside, entry.Name);
        var want = newLive ? entry.New : entry.Old;    // what must end up live (null: nothing)
        var away = newLive ? entry.Old : entry.New;    // what must end up in the other tree (null: nothing)

        // The common case, and the only atomic one: both sides exist and are exactly crossed.
        if (want is not null && away is not null && Is(live, away) && Is(other, want) && !Posix.Exists(parked)
            && Posix.TryExchange(live, other))
            return;

        // 1. Whatever is live and is not the goal leaves: to the other tree if that is free, else aside.
        if (Posix.Identity(live) is { } current && !Same(current, want))
        {
            if (!Same(current, away))
                throw new IOException($"{live} is neither the old nor the new release's entry (changed by hand?); leaving it alone");
            Posix.RenameNoReplace(live, Posix.Exists(other) ? parked : other);
        }
        // 2. The goal comes in from wherever it is.
        if (want is not null && !Is(live, want))
        {
            var from = Is(other, want) ? other : Is(parked, want) ? parked
                : throw new IOException($"the entry {entry.Name} to put live is neither in {otherTree} nor in {aside}");
            Posix.RenameNoReplace(from, live);
        }
        // 3. The side that left ends up in the other tree.
        if (away is not null && !Is(other, away) && Is(parked, away))
            Posix.RenameNoReplace(parked, other);
    }

    static ulong[]? Id(string path) => Posix.Identity(path) is { } id ? [id.Device, id.Inode] : null;

    static bool Same((ulong Device, ulong Inode) id, ulong[]? expected) =>
        expected is [var device, var inode] && id.Device == device && id.Inode == inode;

    static bool Is(string path, ulong[]? expected) => Posix.Identity(path) is { } id && Same(id, expected);

    /// <summary>Entry names come from the staging tree or a backup manifest on disk; never let one be a path.</summary>
    static void RequireSimpleName(string name)
    {
        if (name.Length == 0 || name is "." or ".." || name.Contains('/') || name.Contains('\0'))
            throw new InvalidDataException($"'{name}' is not a top-level entry name");
    }
}
