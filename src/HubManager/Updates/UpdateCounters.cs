namespace HubManager.Updates;

/// <summary>
/// What <c>/metrics</c> counts about updates and rollbacks: how many ended in each final state and how many release
/// bytes were downloaded since the manager started (counters start at zero, Prometheus handles the reset), and when
/// the last one ended and how long it took. That last one survives a manager restart: <see cref="UpdateProgress"/>
/// seeds it from the persisted status. Written by whichever thread ends or downloads an update, read by any scrape,
/// without a lock.
/// </summary>
public sealed class UpdateCounters
{
    long succeeded, failed, rolledBack, downloadedBytes;
    LastUpdate? last;

    /// <summary>When the last update or rollback ended (in this process or, persisted, before it) and how long it ran.</summary>
    public sealed class LastUpdate(DateTimeOffset finishedAt, TimeSpan duration)
    {
        public DateTimeOffset FinishedAt { get; } = finishedAt;
        public TimeSpan Duration { get; } = duration;
    }

    public long Succeeded => Volatile.Read(ref succeeded);
    public long Failed => Volatile.Read(ref failed);
    public long RolledBack => Volatile.Read(ref rolledBack);
    public long DownloadedBytes => Volatile.Read(ref downloadedBytes);

    /// <summary>Null until an update or rollback has ended.</summary>
    public LastUpdate? Last => Volatile.Read(ref last);

    /// <summary>An update or rollback ended in <paramref name="state"/>; only the three final states count.</summary>
    public void Finished(UpdateState state, DateTimeOffset? startedAt, DateTimeOffset finishedAt)
    {
        switch (state)
        {
            case UpdateState.Succeeded: Interlocked.Increment(ref succeeded); break;
            case UpdateState.Failed: Interlocked.Increment(ref failed); break;
            case UpdateState.RolledBack: Interlocked.Increment(ref rolledBack); break;
            default: return;
        }
        Remember(startedAt, finishedAt);
    }

    /// <summary>Sets the last update from a status persisted by an earlier manager process, without counting it.</summary>
    public void Remember(DateTimeOffset? startedAt, DateTimeOffset finishedAt) =>
        Volatile.Write(ref last, new LastUpdate(finishedAt, startedAt is { } start && start <= finishedAt ? finishedAt - start : TimeSpan.Zero));

    /// <summary>More bytes of a release arrived from the NAS.</summary>
    public void Downloaded(long bytes) => Interlocked.Add(ref downloadedBytes, bytes);
}
