namespace HubManager.Systemd;

/// <summary>systemd refused a request; <see cref="SystemdException.ErrorName"/> and the message are its own.</summary>
public sealed class SystemdRefusedException(string errorName, string message) : SystemdException(message, errorName, null);
