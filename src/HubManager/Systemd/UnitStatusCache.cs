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
    const string UnitInterface = "org.freedesktop.systemd1.Unit";
    const string ServiceInterface = "org.freedesktop.systemd1.Service";

    /// <summary>
    /// The properties a reading needs, fetched one by one: <c>GetAll</c> of the Service interface makes systemd
    /// serialize some 250 properties (exec command lines, limits, credentials...) for the 3 we use.
    /// </summary>
    static readonly (string Interface, string Name)[] Properties =
    [
        (UnitInterface, "LoadState"), (UnitInterface, "ActiveState"), (UnitInterface, "SubState"), (ServiceInterface, "Result"),
        (ServiceInterface, "MainPID"), (ServiceInterface, "NRestarts"), (ServiceInterface, "ExecMainStartTimestamp"),
    ];

    readonly SystemdConnection systemd;
    readonly Lock gate = new();
    long generation;
    Reading? latest;

    sealed record Reading(long Generation, Task<UnitStatus> Fetch)
    {
        public bool Usable(long current) => Generation == current && !Fetch.IsFaulted && !Fetch.IsCanceled;
    }

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
        // The replies are read on the connection's single reader, one after the other, and fill disjoint
        // fields; sending every call before awaiting any makes the whole reading one round trip.
        var calls = new Task[Properties.Length];
        for (var i = 0; i < calls.Length; i++)
        {
            var (@interface, name) = Properties[i];
            calls[i] = systemd.CallAsync(
                (ref MessageWriter w) => UnitGet(ref w, @interface, name),
                (m, _) => { Apply(builder, name, m.GetBodyReader().ReadVariantValue()); return true; },
                CancellationToken.None);
        }
        for (var i = 0; i < calls.Length; i++)
        {
            try
            {
                await calls[i].ConfigureAwait(false);
            }
            catch (SystemdRefusedException) when (Properties[i].Interface == ServiceInterface && builder.LoadState == "not-found")
            {
                // A unit that does not exist lacks the Service interface; its Unit properties say enough.
            }
        }
        return builder.Build();
    }

    MessageBuffer UnitGet(ref MessageWriter writer, string @interface, string name)
    {
        writer.WriteMethodCallHeader("org.freedesktop.systemd1", systemd.UnitPath, "org.freedesktop.DBus.Properties", "Get", "ss");
        writer.WriteString(@interface);
        writer.WriteString(name);
        return writer.CreateMessage();
    }

    /// <summary>Keeps a property of the documented type; any other type is skipped rather than trusted.</summary>
    static void Apply(UnitStatus.Builder builder, string name, VariantValue value)
    {
        switch (name)
        {
            case "LoadState" when value.Type == VariantValueType.String: builder.LoadState = value.GetString(); break;
            case "ActiveState" when value.Type == VariantValueType.String: builder.ActiveState = value.GetString(); break;
            case "SubState" when value.Type == VariantValueType.String: builder.SubState = value.GetString(); break;
            case "Result" when value.Type == VariantValueType.String: builder.Result = value.GetString(); break;
            case "MainPID" when value.Type == VariantValueType.UInt32: builder.MainPid = value.GetUInt32(); break;
            case "NRestarts" when value.Type == VariantValueType.UInt32: builder.NRestarts = value.GetUInt32(); break;
            case "ExecMainStartTimestamp" when value.Type == VariantValueType.UInt64: builder.ExecMainStartTimestamp = value.GetUInt64(); break;
        }
    }
}
