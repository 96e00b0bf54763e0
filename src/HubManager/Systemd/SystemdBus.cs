namespace HubManager.Systemd;

/// <summary>
/// The names systemd and the bus answer to, spelled once: systemd's well-known bus name, its manager object
/// and interfaces, and the D-Bus error names the manager tells apart. Every message the manager sends to
/// systemd is addressed with these.
/// </summary>
public static class SystemdBus
{
    /// <summary>systemd's well-known name on the system bus.</summary>
    public const string Destination = "org.freedesktop.systemd1";

    /// <summary>The manager object: starts, stops and lists units.</summary>
    public const string ManagerPath = "/org/freedesktop/systemd1";

    public const string ManagerInterface = "org.freedesktop.systemd1.Manager";

    /// <summary>Every unit's object lives under this path; see <see cref="UnitName.ObjectPath"/>.</summary>
    public const string UnitPathPrefix = "/org/freedesktop/systemd1/unit/";

    /// <summary>The properties every unit has (<c>LoadState</c>, <c>ActiveState</c>, <c>SubState</c>...).</summary>
    public const string UnitInterface = "org.freedesktop.systemd1.Unit";

    /// <summary>The properties only a service unit has (<c>MainPID</c>, <c>NRestarts</c>, <c>Result</c>...).</summary>
    public const string ServiceInterface = "org.freedesktop.systemd1.Service";

    public const string PropertiesInterface = "org.freedesktop.DBus.Properties";

    /// <summary>systemd knows no unit by that name.</summary>
    public const string NoSuchUnitError = "org.freedesktop.systemd1.NoSuchUnit";

    /// <summary>The bus has no owner for <see cref="Destination"/> (yet): systemd is re-claiming its name.</summary>
    public const string ServiceUnknownError = "org.freedesktop.DBus.Error.ServiceUnknown";

    /// <inheritdoc cref="ServiceUnknownError"/>
    public const string NameHasNoOwnerError = "org.freedesktop.DBus.Error.NameHasNoOwner";

    /// <summary>polkit (or the bus policy) said no.</summary>
    public const string AccessDeniedError = "org.freedesktop.DBus.Error.AccessDenied";

    /// <summary>polkit would say yes only after asking someone interactively, which a daemon cannot.</summary>
    public const string InteractiveAuthorizationRequiredError = "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired";
}
