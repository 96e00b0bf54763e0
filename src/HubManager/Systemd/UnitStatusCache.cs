using Tmds.DBus.Protocol;

namespace HubManager.Systemd;

/// <summary>
/// The managed unit's last known <see cref="UnitStatus"/>, kept in memory so that a busy
/// <c>/status</c> does not queue behind systemd (which answers one D-Bus call at a time).
/// It is never served stale: every <c>PropertiesChanged</c> signal for the unit, every (re)connect
/// and every finished job bumps a generation, and a reading is only reused while its generation is
/// current. Concurrent readers of the same generation share one fetch; a reader of a current reading
/// takes no lock (64 connections on two cores contended on it).
/// </summary>
public sealed class UnitStatusCache
{
    /// <summary>
    /// The properties a reading needs, fetched one by one: <c>GetAll</c> of the Service interface makes systemd
    /// serialize some 250 properties (exec command lines, limits, credentials...) for the 3 we use.
    /// </summary>
    static readonly (string Interface, string Name)[] Properties =
    [
        (SystemdBus.UnitInterface, "LoadState"), (SystemdBus.UnitInterface, "ActiveState"), (SystemdBus.UnitInterface, "SubState"),
        (SystemdBus.ServiceInterface, "Result"), (SystemdBus.ServiceInterface, "MainPID"), (SystemdBus.ServiceInterface, "NRestarts"),
        (SystemdBus.ServiceInterface, "ExecMainStartTimestamp"),
    ];

    readonly SystemdManager systemd;
    readonly Lock gate = new();
    long generation;
    Reading? latest;

    sealed record Reading(long Generation, Task<UnitStatus> Fetch)
    {
        public bool Usable(long current) => Generation == current && !Fetch.IsFaulted && !Fetch.IsCanceled;
    }

    public UnitStatusCache(SystemdManager systemd)
    {
        this.systemd = systemd;
        systemd.UnitChanged += Invalidate;
    }

    /// <summary>Marks what is cached as possibly out of date; the next reader asks systemd.</summary>
    public void Invalidate() => Interlocked.Increment(ref generation);

    /// <summary>The unit's status as of no earlier than this call.</summary>
    public Task<UnitStatus> GetAsync()
    {
        // The generation is read before the reading: an invalidation in between makes the reading look old.
        var current = Volatile.Read(ref generation);
        if (Volatile.Read(ref latest) is { } reading && reading.Usable(current))
            return reading.Fetch;
        lock (gate)
        {
            current = Volatile.Read(ref generation);
            if (latest is { } shared && shared.Usable(current))
                return shared.Fetch;
            var fetch = new Reading(current, FetchAsync());
            Volatile.Write(ref latest, fetch);
            return fetch.Fetch;
        }
    }

    async Task<UnitStatus> FetchAsync()
    {
        var builder = new UnitStatus.Builder();
        // Sending every call before awaiting any makes the whole reading one round trip; the values are
        // applied in list order, so LoadState is known before a Service property's refusal is judged.
        var calls = new Task<VariantValue>[Properties.Length];
        for (var i = 0; i < calls.Length; i++)
            calls[i] = systemd.GetUnitPropertyAsync(systemd.UnitPath, Properties[i].Interface, Properties[i].Name, CancellationToken.None);
        for (var i = 0; i < calls.Length; i++)
        {
            try
            {
                builder.Apply(Properties[i].Name, await calls[i].ConfigureAwait(false));
            }
            catch (SystemdRefusedException) when (Properties[i].Interface == SystemdBus.ServiceInterface && builder.LoadState == "not-found")
            {
                // A unit that does not exist lacks the Service interface; its Unit properties say enough.
            }
        }
        return builder.Build();
    }
}
