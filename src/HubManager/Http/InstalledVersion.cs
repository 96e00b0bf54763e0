using HubManager.Platform;
using HubManager.Updates;

namespace HubManager.Http;

/// <summary>
/// <c>installedVersion</c> for <c>GET /status</c>: <c>package.json</c> is read and parsed again only when its
/// <c>statx(2)</c> stamp (device, inode, size, change and modification times) differs from the last reading's.
/// Reading it on every request (open, flock, read, close, parse) was three quarters of the handler's time
/// under load (perf, 64 connections). An update swaps in a new file (new inode) and an edit changes ctime,
/// so either shows on the next request. The kernel stamps ctime from a coarse clock, though: an edit in the
/// same clock tick as a reading could leave the stamp unchanged. So, as git does for "racily clean" files,
/// a reading is reused only when the file's ctime was more than a second older than the reading.
/// </summary>
public sealed class InstalledVersion(string installDir)
{
    static readonly TimeSpan RacyWindow = TimeSpan.FromSeconds(1);

    readonly string manifest = Path.Combine(installDir, "package.json");
    Reading? last;

    sealed record Reading(FileStamp Stamp, string? Version, bool Settled);

    /// <summary>The version in <c>InstallDir/package.json</c>, or null when it is missing or unreadable.</summary>
    public string? Get()
    {
        // Stamp first, then read: a change in between makes the next stamp differ, so it is read again.
        if (!FileStamp.TryGet(manifest, out var stamp))
            return InstalledRelease.TryRead(installDir)?.Version;
        var reading = Volatile.Read(ref last);
        if (reading is { Settled: true } && reading.Stamp == stamp)
            return reading.Version;
        var version = InstalledRelease.TryRead(installDir)?.Version;
        var settled = DateTimeOffset.UtcNow - stamp.ChangeTime > RacyWindow;
        Volatile.Write(ref last, new Reading(stamp, version, settled));
        return version;
    }
}
