namespace HubManager.Systemd;

/// <summary>The jobs an operator can ask systemd to run on the unit.</summary>
public enum UnitJob { Start, Stop, Restart }
