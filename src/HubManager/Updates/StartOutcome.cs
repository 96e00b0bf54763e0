namespace HubManager.Updates;

/// <summary>What <c>POST /update</c> found and did (<see cref="Updater.StartUpdateAsync"/>).</summary>
public enum StartOutcome
{
    /// <summary>The update runs in the background; <c>GET /update</c> follows it.</summary>
    Started,

    /// <summary>The hub already runs that version and the request did not say <c>force</c>: nothing to do.</summary>
    AlreadyThere,

    /// <summary>An update, rollback or recovery is under way; one at a time.</summary>
    Busy,

    /// <summary>The version is older than the installed one (semver precedence) and the request did not say <c>allowDowngrade</c>.</summary>
    Downgrade,

    /// <summary>The health gate rolled this version back before (<see cref="Quarantine"/>) and the request did not say <c>force</c>.</summary>
    Quarantined,

    /// <summary>No NAS is configured (<c>Nas:Url</c>): there is nowhere to download from.</summary>
    NotConfigured,
}
