using HubManager.Platform;

namespace HubManager.Updates;

/// <summary>
/// The start-up check that updates can be safe and atomic. The staging tree and backups live in
/// <c>InstallDir/.hub-manager</c>, which must be the manager's own directory (not a symlink root would follow;
/// see <see cref="UpdateStore.EnsureReleasesDir"/>), and rename(2) between it and <c>InstallDir</c> only works
/// within one mount (not just one device: two bind mounts of the same disk refuse it too, with EXDEV), which
/// someone could break by mounting something there. So the check renames a probe file there and back.
/// </summary>
public static class InstallFilesystem
{
    /// <summary>Null when fine (or when <c>InstallDir</c> does not exist yet), else the sentence an operator needs.</summary>
    public static string? Problem(UpdateStore store, string installDir)
    {
        if (!Directory.Exists(installDir))
            return null;
        var releases = store.ReleasesDir;
        try
        {
            store.EnsureStateDir();
            store.EnsureReleasesDir();
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            return failure.Message;
        }
        var probe = Path.Combine(releases, $".rename-probe-{Environment.ProcessId}");
        var there = Path.Combine(installDir, $".hub-manager-rename-probe-{Environment.ProcessId}");
        try
        {
            File.WriteAllBytes(probe, []);
            Posix.RenameNoReplace(probe, there);
            Posix.RenameNoReplace(there, probe);
            return null;
        }
        catch (IOException failure) when (failure.HResult == Errno.EXDEV)
        {
            return $"'{releases}' is not on the same filesystem (mount) as '{installDir}', so a release cannot be renamed into place atomically; unmount whatever is mounted there";
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            return $"cannot rename a file between '{releases}' and '{installDir}': {failure.Message}";
        }
        finally
        {
            TryDelete(probe);
            TryDelete(there);
        }
    }

    static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
        }
    }
}
