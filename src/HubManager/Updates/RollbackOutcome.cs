namespace HubManager.Updates;

/// <summary>How <c>POST /rollback</c> ended (<see cref="Updater.RollbackAsync"/>).</summary>
public enum RollbackOutcome
{
    /// <summary>The newest backup is live again (and healthy, if the hub was running).</summary>
    RolledBack,

    /// <summary>An update, rollback or recovery is under way; one at a time.</summary>
    Busy,

    /// <summary>No backup is kept: there is nothing to roll back to.</summary>
    NoBackup,

    /// <summary>The backup was unhealthy or the swap failed; the release that was live before is live again.</summary>
    Failed,
}
