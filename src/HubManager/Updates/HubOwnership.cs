namespace HubManager.Updates;

/// <summary>
/// Who may start, stop or restart the hub: the operator (<c>POST /start|stop|restart</c>) or an update, rollback or
/// recovery that is swapping releases, restarting the hub and judging it. While a transaction holds the hub,
/// operator jobs are refused (the API answers 409): its health gate would take an operator's stop for a crash and
/// roll a healthy release back, and its rollback would start a hub the operator had just stopped. A transaction
/// takes the hub only once the operator jobs already under way have ended, so it reads the hub's state (running or
/// not) as the operator left it. Jobs through <c>systemctl</c> bypass this; the README says so.
/// </summary>
public sealed class HubOwnership
{
    readonly Lock gate = new();
    int operatorJobs;
    string? heldBy;
    TaskCompletionSource? jobsEnded;

    /// <summary>
    /// Begins an operator job: null when it may run (then call <see cref="EndOperatorJob"/> when it is done),
    /// else what holds the hub, e.g. "the update to 2.0.11".
    /// </summary>
    public string? TryBeginOperatorJob()
    {
        lock (gate)
        {
            if (heldBy is not null)
                return heldBy;
            operatorJobs++;
            return null;
        }
    }

    public void EndOperatorJob()
    {
        TaskCompletionSource? waiting = null;
        lock (gate)
        {
            if (--operatorJobs == 0)
                (waiting, jobsEnded) = (jobsEnded, null);
        }
        waiting?.TrySetResult();
    }

    /// <summary>
    /// Takes the hub for <paramref name="holder"/>: from now on operator jobs are refused, and this returns once
    /// those under way have ended. Dispose the result to give the hub back. One holder at a time (the
    /// <see cref="Updater"/> runs one transaction at a time).
    /// </summary>
    public async Task<IDisposable> TakeAsync(string holder, CancellationToken cancellationToken)
    {
        Task? ended = null;
        lock (gate)
        {
            if (heldBy is not null)
                throw new InvalidOperationException($"the hub is already held by {heldBy}");
            heldBy = holder;
            if (operatorJobs > 0)
                ended = (jobsEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
        var held = new Held(this);
        if (ended is not null)
        {
            try
            {
                await ended.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                held.Dispose();
                throw;
            }
        }
        return held;
    }

    sealed class Held(HubOwnership ownership) : IDisposable
    {
        int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
                lock (ownership.gate)
                    ownership.heldBy = null;
        }
    }
}
