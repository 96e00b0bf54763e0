namespace HubManager.Updates;

/// <summary>
/// The operator's handle on one running update. It can be cancelled while it downloads and verifies (the live
/// install is untouched then) and never once it has begun installing, so that a cancel cannot leave the install
/// half-swapped: <see cref="TryCancel"/> and <see cref="TryBeginInstall"/> decide, under one lock, which came first.
/// </summary>
public sealed class CancellableUpdate(string version)
{
    // A plain source (no timer, no linked tokens) holds nothing to release, so it is never disposed: a cancel
    // arriving as the update ends must not meet a disposed source.
    readonly CancellationTokenSource cancel = new();
    readonly Lock gate = new();
    bool cancelRequested, installing;

    public string Version => version;

    /// <summary>Cancelled when the operator cancels the update.</summary>
    public CancellationToken Token => cancel.Token;

    /// <summary>True once the operator has cancelled it (whatever the exception the cancel caused says).</summary>
    public bool CancelRequested
    {
        get
        {
            lock (gate)
                return cancelRequested;
        }
    }

    /// <summary>Cancels the update unless it has begun installing; false then.</summary>
    public bool TryCancel()
    {
        lock (gate)
        {
            if (installing)
                return false;
            cancelRequested = true;
        }
        cancel.Cancel();
        return true;
    }

    /// <summary>Marks the start of the install, after which it can no longer be cancelled; false when a cancel came first.</summary>
    public bool TryBeginInstall()
    {
        lock (gate)
        {
            if (cancelRequested)
                return false;
            installing = true;
            return true;
        }
    }
}
