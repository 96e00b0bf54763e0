namespace HubManager.Platform;

/// <summary>
/// The process's open-file limit (<c>RLIMIT_NOFILE</c>), raised as far as it may go. Every connection is a
/// descriptor, and so is every journal file a log follower opens; systemd starts services with a soft limit of
/// 1024, which a thousand idle connections exhaust (accept(2) then fails with EMFILE in a loop). The packaged
/// unit sets <c>LimitNOFILE=</c>, since its <c>SystemCallFilter=~@resources</c> refuses setrlimit; anywhere else
/// the soft limit is raised to the hard one here, as the .NET runtime does for JIT-compiled programs and Native
/// AOT does not. Nothing in the manager uses select(2), the one reason to keep a soft limit low.
/// </summary>
public static class OpenFileLimit
{
    const int RlimitNofile = 7;

    /// <summary>What systemd gives a service that does not ask; assumed when the limit cannot even be read.</summary>
    const long SystemdDefault = 1024;

    /// <summary>Raises the soft limit to the hard one when allowed (EPERM under a seccomp filter is fine) and returns the soft limit now in force.</summary>
    public static long Raise()
    {
        if (Libc.getrlimit(RlimitNofile, out var limit) != 0)
            return SystemdDefault;
        if (limit.Current < limit.Maximum && Libc.setrlimit(RlimitNofile, new Libc.ResourceLimit { Current = limit.Maximum, Maximum = limit.Maximum }) == 0)
            limit.Current = limit.Maximum;
        // RLIM_INFINITY is ulong.MaxValue.
        return (long)Math.Min(limit.Current, long.MaxValue);
    }

    /// <summary>The soft limit in force now (<c>process_max_fds</c>).</summary>
    public static long Current() =>
        Libc.getrlimit(RlimitNofile, out var limit) == 0 ? (long)Math.Min(limit.Current, long.MaxValue) : SystemdDefault;
}
