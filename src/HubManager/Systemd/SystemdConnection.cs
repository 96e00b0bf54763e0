using Microsoft.Extensions.Logging;
using Tmds.DBus.Protocol;

namespace HubManager.Systemd;

/// <summary>
/// The manager's one connection to systemd on the system bus. It connects on first use, calls
/// <c>Subscribe</c> so systemd emits unit and job signals, and routes the signals we care about:
/// <c>JobRemoved</c> to the open <see cref="JobWatch"/>es and <c>PropertiesChanged</c> of the managed
/// unit to <see cref="UnitChanged"/>. When the bus goes away (dbus restarted) the next call connects
/// afresh; every call and connect is bounded by <see cref="CallTimeout"/>, so nothing hangs forever.
/// D-Bus errors come out as <see cref="SystemdException"/>s. The methods themselves are <see cref="SystemdManager"/>'s.
/// </summary>
public sealed class SystemdConnection(string unit, ILogger<SystemdConnection> logger) : IDisposable
{
    /// <summary>The longest any single D-Bus round trip (or connecting) may take; D-Bus's own default.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(25);

    readonly SemaphoreSlim connectGate = new(1, 1);
    readonly Lock watchesLock = new();
    readonly List<JobWatch> watches = [];
    DBusConnection? current;

    /// <summary>The managed unit's object path, e.g. <c>/org/freedesktop/systemd1/unit/ai_2dhub_2eservice</c>.</summary>
    public string UnitPath { get; } = UnitName.ObjectPath(unit);

    /// <summary>
    /// Raised when what we know of the unit may be out of date: a <c>PropertiesChanged</c> signal for it,
    /// or the connection was (re)established or lost (signals may have been missed).
    /// </summary>
    public event Action? UnitChanged;

    /// <summary>Starts capturing <c>JobRemoved</c> signals; open it <em>before</em> asking for the job.</summary>
    public JobWatch WatchJobs()
    {
        var watch = new JobWatch(w => { lock (watchesLock) watches.Remove(w); });
        lock (watchesLock) watches.Add(watch);
        return watch;
    }

    /// <summary>
    /// Calls a method and reads its reply, connecting first if needed; bounded by <see cref="CallTimeout"/>.
    /// A call that meets a connection already closed (the bus restarted and we have not noticed yet)
    /// is sent once more on a fresh connection.
    /// </summary>
    internal async Task<T> CallAsync<T>(WriteMessage writeCall, MessageValueReader<T> readReply, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var message = Write(connection, writeCall);
                return await connection.CallMethodAsync(message, readReply).WaitAsync(CallTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (DBusErrorReplyException error) when (error.ErrorName == SystemdBus.NoSuchUnitError)
            {
                throw new UnitNotFoundException(unit);
            }
            catch (DBusErrorReplyException error) when (error.ErrorName is SystemdBus.ServiceUnknownError or SystemdBus.NameHasNoOwnerError)
            {
                // The bus is up but systemd has not (re)claimed its name yet, as right after dbus restarts.
                throw new SystemdUnavailableException($"systemd is not on the bus yet: {error.ErrorMessage}", error, error.ErrorName);
            }
            catch (DBusErrorReplyException error)
            {
                throw new SystemdRefusedException(error.ErrorName, error.ErrorMessage);
            }
            catch (TimeoutException timeout)
            {
                throw new SystemdUnavailableException($"systemd did not answer within {CallTimeout.TotalSeconds:0} s.", timeout);
            }
            catch (Exception closed) when (closed is DBusConnectionClosedException or DBusConnectionException or ObjectDisposedException)
            {
                Interlocked.CompareExchange(ref current, null, connection);
                if (attempt < 2)
                    continue;
                throw new SystemdUnavailableException($"Lost the D-Bus connection to systemd: {closed.Message}", closed);
            }
        }
    }

    static MessageBuffer Write(DBusConnection connection, WriteMessage write)
    {
        var writer = connection.GetMessageWriter();
        try
        {
            return write(ref writer);
        }
        finally
        {
            writer.Dispose();
        }
    }

    async Task<DBusConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref current) is { } connected)
            return connected;
        await connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (current is not null)
                return current;
            var connection = new DBusConnection(DBusAddress.System ?? "unix:path=/run/dbus/system_bus_socket");
            try
            {
                await SetUpAsync(connection).WaitAsync(CallTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception failure)
            {
                connection.Dispose();
                if (failure is OperationCanceledException && cancellationToken.IsCancellationRequested)
                    throw;
                throw new SystemdUnavailableException($"Cannot reach systemd over D-Bus: {failure.Message}", failure);
            }
            Volatile.Write(ref current, connection);
            _ = ForgetWhenDisconnectedAsync(connection);
            logger.LogInformation("Connected to systemd over D-Bus as {UniqueName}", connection.UniqueName);
            UnitChanged?.Invoke();
            return connection;
        }
        finally
        {
            connectGate.Release();
        }
    }

    async Task SetUpAsync(DBusConnection connection)
    {
        await connection.ConnectAsync().ConfigureAwait(false);
        // Match rules first, Subscribe last: no signal can slip between subscribing and listening.
        await connection.AddMatchAsync(
            new MatchRule { Type = MessageType.Signal, Sender = SystemdBus.Destination, Path = SystemdBus.ManagerPath, Interface = SystemdBus.ManagerInterface, Member = "JobRemoved" },
            static (message, _) =>
            {
                var reader = message.GetBodyReader();
                reader.ReadUInt32();
                return new JobRemoved(reader.ReadObjectPathAsString(), reader.ReadString(), reader.ReadString());
            },
            (Notification<JobRemoved> signal) => { if (signal.HasValue) PostJobRemoved(signal.Value); },
            emitOnCapturedContext: false, ObserverFlags.None, null).ConfigureAwait(false);
        await connection.AddMatchAsync(
            new MatchRule { Type = MessageType.Signal, Sender = SystemdBus.Destination, Path = UnitPath, Interface = SystemdBus.PropertiesInterface, Member = "PropertiesChanged" },
            static (_, _) => true,
            (Notification<bool> signal) => { if (signal.HasValue) UnitChanged?.Invoke(); },
            emitOnCapturedContext: false, ObserverFlags.None, null).ConfigureAwait(false);
        // Not through CallAsync: this connection is not published yet, and a call there would connect again.
        await connection.CallMethodAsync(Write(connection, SystemdManager.Subscribe)).ConfigureAwait(false);
    }

    void PostJobRemoved(JobRemoved signal)
    {
        lock (watchesLock)
        {
            foreach (var watch in watches)
                watch.Post(signal);
        }
    }

    async Task ForgetWhenDisconnectedAsync(DBusConnection connection)
    {
        var reason = await connection.DisconnectedAsync().ConfigureAwait(false);
        Interlocked.CompareExchange(ref current, null, connection);
        connection.Dispose();
        logger.LogWarning("Lost the D-Bus connection to systemd ({Reason}); reconnecting on next use", reason?.Message ?? "closed");
        var lost = new SystemdUnavailableException("Lost the D-Bus connection to systemd while waiting for the job to finish.", reason);
        lock (watchesLock)
        {
            foreach (var watch in watches)
                watch.Fail(lost);
        }
        UnitChanged?.Invoke();
    }

    public void Dispose() => Interlocked.Exchange(ref current, null)?.Dispose();
}
