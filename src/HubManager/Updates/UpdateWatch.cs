namespace HubManager.Updates;

/// <summary>
/// The update's status as a watcher sees it at one instant (<see cref="UpdateProgress.Watch"/>): how many changes there
/// have been (<see cref="Change"/>, to wait for the next with <see cref="UpdateProgress.ChangedSince"/>), which run they
/// belong to, the current status, and the run's steps in order (its start, each phase, its end), so that a watcher
/// that woke late still tells every phase, however quickly the phases followed each other.
/// </summary>
public sealed class UpdateWatch(long change, long run, UpdateStatus current, UpdateStatus[] steps)
{
    public long Change => change;

    /// <summary>Counts the runs this process has begun (an update, a rollback, or the status recovery restored).</summary>
    public long Run => run;

    public UpdateStatus Current => current;

    /// <summary>Never changed once handed out: the next step makes a new array.</summary>
    public IReadOnlyList<UpdateStatus> Steps => steps;
}
