using Tmds.DBus.Protocol;

namespace HubManager.Systemd;

/// <summary>
/// systemd's manager (<c>org.freedesktop.systemd1.Manager</c>) as typed methods, in systemd's own words: one
/// method per D-Bus method, its arguments as <c>systemctl</c> and <c>org.freedesktop.systemd1(5)</c> name them.
/// Each call goes over the one <see cref="SystemdConnection"/> it owns and is bounded by
/// <see cref="SystemdConnection.CallTimeout"/>; a refusal comes out as a <see cref="SystemdException"/>.
/// A job method answers when systemd has queued the job, with the job's object path: to wait for the job
/// to end, open <see cref="WatchJobs"/> before asking.
/// </summary>
public sealed class SystemdManager(SystemdConnection connection) : IDisposable
{
    /// <inheritdoc cref="SystemdConnection.UnitPath"/>
    public string UnitPath => connection.UnitPath;

    /// <inheritdoc cref="SystemdConnection.UnitChanged"/>
    public event Action? UnitChanged
    {
        add => connection.UnitChanged += value;
        remove => connection.UnitChanged -= value;
    }

    /// <inheritdoc cref="SystemdConnection.WatchJobs"/>
    public JobWatch WatchJobs() => connection.WatchJobs();

    /// <summary><c>StartUnit(name, mode)</c>: queues a start job; <paramref name="mode"/> is e.g. <c>replace</c>.</summary>
    public Task<string> StartUnitAsync(string name, string mode, CancellationToken cancellationToken) =>
        CallAsync("StartUnit", name, mode, ReadJobPath, cancellationToken);

    /// <summary><c>StopUnit(name, mode)</c>: queues a stop job.</summary>
    public Task<string> StopUnitAsync(string name, string mode, CancellationToken cancellationToken) =>
        CallAsync("StopUnit", name, mode, ReadJobPath, cancellationToken);

    /// <summary><c>RestartUnit(name, mode)</c>: queues a restart job, which starts the unit if it is not running.</summary>
    public Task<string> RestartUnitAsync(string name, string mode, CancellationToken cancellationToken) =>
        CallAsync("RestartUnit", name, mode, ReadJobPath, cancellationToken);

    /// <summary><c>ResetFailedUnit(name)</c>: clears the unit's failed state and its start-rate counter.</summary>
    public Task ResetFailedUnitAsync(string name, CancellationToken cancellationToken) =>
        CallAsync("ResetFailedUnit", name, null, IgnoreReply, cancellationToken);

    /// <summary><c>Reload()</c>: re-reads every unit file, as <c>systemctl daemon-reload</c>.</summary>
    public Task ReloadAsync(CancellationToken cancellationToken) =>
        CallAsync("Reload", null, null, IgnoreReply, cancellationToken);

    /// <summary>
    /// <c>EnableUnitFiles(files, runtime, force)</c>: links the units' <c>[Install]</c> targets, in <c>/run</c> when
    /// <paramref name="runtime"/>, replacing stale links when <paramref name="force"/>.
    /// </summary>
    public Task EnableUnitFilesAsync(string[] files, bool runtime, bool force, CancellationToken cancellationToken) =>
        connection.CallAsync((ref MessageWriter w) =>
        {
            Header(ref w, "EnableUnitFiles", "asbb");
            w.WriteArray(files);
            w.WriteBool(runtime);
            w.WriteBool(force);
            return w.CreateMessage();
        }, IgnoreReply, cancellationToken);

    /// <summary><c>DisableUnitFiles(files, runtime)</c>: removes the links <see cref="EnableUnitFilesAsync"/> made.</summary>
    public Task DisableUnitFilesAsync(string[] files, bool runtime, CancellationToken cancellationToken) =>
        connection.CallAsync((ref MessageWriter w) =>
        {
            Header(ref w, "DisableUnitFiles", "asb");
            w.WriteArray(files);
            w.WriteBool(runtime);
            return w.CreateMessage();
        }, IgnoreReply, cancellationToken);

    /// <summary>
    /// <c>org.freedesktop.DBus.Properties.Get(interface, property)</c> on a unit object (<see cref="UnitName.ObjectPath"/>),
    /// e.g. <see cref="SystemdBus.UnitInterface"/> and <c>ActiveState</c>. The value is as systemd sent it: check its type.
    /// </summary>
    public Task<VariantValue> GetUnitPropertyAsync(string unitPath, string @interface, string property, CancellationToken cancellationToken) =>
        connection.CallAsync((ref MessageWriter w) =>
        {
            w.WriteMethodCallHeader(SystemdBus.Destination, unitPath, SystemdBus.PropertiesInterface, "Get", "ss");
            w.WriteString(@interface);
            w.WriteString(property);
            return w.CreateMessage();
        }, static (m, _) => m.GetBodyReader().ReadVariantValue(), cancellationToken);

    /// <summary>Writes <c>Subscribe()</c>, after which systemd emits unit and job signals to this connection.</summary>
    internal static MessageBuffer Subscribe(ref MessageWriter writer)
    {
        Header(ref writer, "Subscribe", null);
        return writer.CreateMessage();
    }

    /// <summary>A manager method taking no argument, one string, or two.</summary>
    Task<T> CallAsync<T>(string member, string? arg1, string? arg2, MessageValueReader<T> readReply, CancellationToken cancellationToken) =>
        connection.CallAsync((ref MessageWriter w) =>
        {
            Header(ref w, member, arg2 is not null ? "ss" : arg1 is not null ? "s" : null);
            if (arg1 is not null)
                w.WriteString(arg1);
            if (arg2 is not null)
                w.WriteString(arg2);
            return w.CreateMessage();
        }, readReply, cancellationToken);

    static void Header(ref MessageWriter writer, string member, string? signature) =>
        writer.WriteMethodCallHeader(SystemdBus.Destination, SystemdBus.ManagerPath, SystemdBus.ManagerInterface, member, signature);

    static string ReadJobPath(Message reply, object? state) => reply.GetBodyReader().ReadObjectPathAsString();

    static bool IgnoreReply(Message reply, object? state) => true;

    public void Dispose() => connection.Dispose();
}
