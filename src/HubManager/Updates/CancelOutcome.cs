namespace HubManager.Updates;

/// <summary>What <c>DELETE /update</c> found and did.</summary>
public enum CancelOutcome
{
    /// <summary>No update or rollback is running.</summary>
    NothingRunning,

    /// <summary>A rollback, a recovery, or an update that has begun installing: stopping it could leave a half state.</summary>
    NotCancellable,

    /// <summary>The update stopped; nothing was installed and the staging tree is gone.</summary>
    Cancelled,

    /// <summary>The update was told to stop but has not finished stopping yet.</summary>
    Cancelling,
}
