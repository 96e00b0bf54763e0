using System.Text.Json.Serialization;

namespace HubManager.Updates;

/// <summary>
/// The releases the health gate rolled back (<c>GET /update</c>'s <c>quarantined</c>, <c>StateDir/quarantine.json</c>),
/// oldest first, and its rules: a version appears at most once (the latest rollback's time and reason), the list holds
/// the <see cref="MaxReleases"/> latest, and a reason is kept to <see cref="MaxReasonLength"/> characters, so that the
/// file and <c>GET /update</c> stay small however many releases fail. Immutable: a change makes a new list, which
/// <see cref="UpdateStore.WriteQuarantine"/> saves. A type of its own, written by <see cref="QuarantineListConverter"/>,
/// so that System.Text.Json's source generator never sees <see cref="QuarantinedRelease"/> (its generated converters
/// would cost about 25 KB of native code, and the binary's size is a target).
/// </summary>
[JsonConverter(typeof(QuarantineListConverter))]
public sealed class Quarantine(QuarantinedRelease[] releases)
{
    public const int MaxReleases = 32;
    public const int MaxReasonLength = 1024;

    readonly QuarantinedRelease[] releases = releases;

    public static Quarantine Empty { get; } = new([]);

    public IReadOnlyList<QuarantinedRelease> Releases => releases;

    /// <summary>This list with <paramref name="release"/> added (or moved to the end with its new time and reason).</summary>
    public Quarantine With(QuarantinedRelease release)
    {
        var kept = Without(release.Version).releases;
        var skip = Math.Max(0, kept.Length - (MaxReleases - 1));
        var list = new QuarantinedRelease[kept.Length - skip + 1];
        Array.Copy(kept, skip, list, 0, kept.Length - skip);
        list[^1] = release.Reason.Length > MaxReasonLength
            ? new QuarantinedRelease(release.Version, release.At, release.Reason[..MaxReasonLength] + "…")
            : release;
        return new(list);
    }

    /// <summary>This list without <paramref name="version"/>.</summary>
    public Quarantine Without(string version)
    {
        var at = IndexOf(version);
        if (at < 0)
            return this;
        var list = new QuarantinedRelease[releases.Length - 1];
        Array.Copy(releases, list, at);
        Array.Copy(releases, at + 1, list, at, list.Length - at);
        return new(list);
    }

    /// <summary>The entry for <paramref name="version"/>, or null.</summary>
    public QuarantinedRelease? Find(string version) => IndexOf(version) is var at and >= 0 ? releases[at] : null;

    int IndexOf(string version)
    {
        for (var i = 0; i < releases.Length; i++)
            if (releases[i].Version == version)
                return i;
        return -1;
    }
}
