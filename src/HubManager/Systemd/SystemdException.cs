namespace HubManager.Systemd;

/// <summary>
/// A request to systemd did not succeed. <see cref="ErrorName"/> keeps the D-Bus error name when systemd or the
/// bus answered with one, so that a caller can tell e.g. polkit's refusal from a masked unit.
/// </summary>
public abstract class SystemdException(string message, string? errorName, Exception? inner) : Exception(message, inner)
{
    /// <summary>The D-Bus error name of the reply (see <see cref="SystemdBus"/>), or null when there was no reply.</summary>
    public string? ErrorName { get; } = errorName;
}
