namespace HubManager.Systemd;

/// <summary>systemd could not be asked: the bus is down, or it did not answer in time.</summary>
public sealed class SystemdUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>systemd knows no unit by that name (<c>org.freedesktop.systemd1.NoSuchUnit</c>, or load state <c>not-found</c>).</summary>
public sealed class UnitNotFoundException(string unit) : Exception($"Unit {unit} not found.")
{
    public string Unit { get; } = unit;
}

/// <summary>systemd refused a request, with its D-Bus error name and sentence.</summary>
public sealed class SystemdRefusedException(string errorName, string message) : Exception(message)
{
    public string ErrorName { get; } = errorName;
}
