namespace HubManager.Systemd;

/// <summary>systemd knows no unit by that name (<c>org.freedesktop.systemd1.NoSuchUnit</c>).</summary>
public sealed class UnitNotFoundException(string unit) : SystemdException($"Unit {unit} not found.", SystemdBus.NoSuchUnitError, null)
{
    public string Unit { get; } = unit;
}
