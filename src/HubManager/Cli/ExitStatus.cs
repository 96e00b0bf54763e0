namespace HubManager.Cli;

/// <summary>What a client command's exit status tells a script (listed in <c>--help</c> and the README).</summary>
public static class ExitStatus
{
    /// <summary>Done, including an update to the version already installed.</summary>
    public const int Success = 0;

    /// <summary>The manager answered that it failed, or refused.</summary>
    public const int Failed = 1;

    /// <summary>The command line (or the configuration it names) is wrong; nothing was sent.</summary>
    public const int Usage = 2;

    /// <summary>The update was installed but judged unhealthy, and the previous release is back.</summary>
    public const int RolledBack = 3;

    /// <summary>The manager cannot be reached at its address (or the connection was lost).</summary>
    public const int Unreachable = 4;
}
