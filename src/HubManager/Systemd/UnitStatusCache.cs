using Tmds.DBus.Protocol;

namespace HubManager.Systemd;

/// <summary>
/// The managed unit's last known <see cref="UnitStatus"/>, kept in memory so that a busy
/// <c>/status</c> does not queue behind systemd (which answers one D-Bus call at a time).
/// It is never served stale: every <c>PropertiesChanged</c> signal for the unit, every (re)connect
/// and every finished job bumps a generation, and a reading is only reused while its generation is
/// current. Concurrent readers of the same generation share one fetch.
/// </summary>
public sealed class UnitStatusCache
{
    const string UnitInterface = "org.freedesktop.systemd1.Unit";
    const string ServiceInterface = "org.freedesktop.systemd1.Service";

    readonly SystemdConnection systemd;
    readonly Lock gate = new();
    long generation;
    long fetchGeneration = -1;
    Task<UnitStatus>? fetch;

    public UnitStatusCache(SystemdConnection systemd)
    {
        this.systemd = systemd;
        systemd.UnitChanged += Invalidate;
    }

    /// <summary>Marks what is cached as possibly out of date; the next reader asks systemd.</summary>
    public void Invalidate() => Interlocked.Increment(ref generation);

    /// <summary>The unit's status as of no earlier than this call.</summary>
    public Task<UnitStatus> GetAsync()
    {
        lock (gate)
        {
            var current = Volatile.Read(ref generation);
            if (fetch is not null && fetchGeneration == current && !fetch.IsFaulted && !fetch.IsCanceled)
                return fetch;
            fetchGeneration = current;
            return fetch = FetchAsync();
        }
    }

    async Task<UnitStatus> FetchAsync()
    {
        var builder = new UnitStatus.Builder();
        // Both replies are read on the connection's single reader, one after the other, and fill
        // disjoint fields; sending both before awaiting either saves a round trip.
        var unit = systemd.CallAsync((ref MessageWriter w) => systemd.UnitGetAll(ref w, UnitInterface), (m, _) => { builder.ReadGetAllReply(m); return true; }, CancellationToken.None);
        var service = systemd.CallAsync((ref MessageWriter w) => systemd.UnitGetAll(ref w, ServiceInterface), (m, _) => { builder.ReadGetAllReply(m); return true; }, CancellationToken.None);
        await unit.ConfigureAwait(false);
        try
        {
            await service.ConfigureAwait(false);
        }
        catch (SystemdRefusedException) when (builder.LoadState == "not-found")
        {
            // A unit that does not exist may lack the Service interface; its Unit properties say enough.
        }
        return builder.Build();
    }
}
