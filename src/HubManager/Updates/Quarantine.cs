using System.Globalization;

namespace HubManager.Updates;

/// <summary>
/// The rules of the quarantine list: a version appears at most once (the latest rollback's time and reason), the list
/// holds the <see cref="MaxReleases"/> latest, oldest first, and a reason is kept to <see cref="MaxReasonLength"/>
/// characters, so that <c>quarantine.json</c> and <c>GET /update</c> stay small however many releases fail.
/// The file itself is <see cref="UpdateStore"/>'s.
/// </summary>
public static class Quarantine
{
    public const int MaxReleases = 32;
    public const int MaxReasonLength = 1024;

    /// <summary>The list with <paramref name="release"/> added (or moved to the end with its new time and reason).</summary>
    public static IReadOnlyList<QuarantinedRelease> With(IReadOnlyList<QuarantinedRelease> list, QuarantinedRelease release)
    {
        var reason = release.Reason.Length > MaxReasonLength ? release.Reason[..MaxReasonLength] + "…" : release.Reason;
        return [.. Without(list, release.Version).TakeLast(MaxReleases - 1), release with { Reason = reason }];
    }

    /// <summary>The list without <paramref name="version"/>.</summary>
    public static IReadOnlyList<QuarantinedRelease> Without(IReadOnlyList<QuarantinedRelease> list, string version) =>
        [.. list.Where(r => r.Version != version)];

    /// <summary>The quarantine entry for <paramref name="version"/>, or null.</summary>
    public static QuarantinedRelease? Find(IReadOnlyList<QuarantinedRelease> list, string version) =>
        list.FirstOrDefault(r => r.Version == version);

    /// <summary>The 409 sentence: which version, when and why it was rolled back, and how to install it anyway.</summary>
    public static string Refusal(QuarantinedRelease release) =>
        $"{release.Version} is quarantined: the health gate rolled it back at {release.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)} ({release.Reason}); send \"force\": true to install it anyway";
}
