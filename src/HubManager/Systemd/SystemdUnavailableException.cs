namespace HubManager.Systemd;

/// <summary>systemd could not be asked: the bus is down, systemd is not on it yet, or it did not answer in time.</summary>
public sealed class SystemdUnavailableException(string message, Exception? inner = null, string? errorName = null)
    : SystemdException(message, errorName, inner);
