using Tmds.DBus.Protocol;

namespace HubManager.Systemd;

/// <summary>
/// Writes one D-Bus message. <see cref="MessageWriter"/> is a ref struct that owns a pooled buffer:
/// it must be passed by reference, never copied, or the buffer goes back to the pool while in use.
/// </summary>
internal delegate MessageBuffer WriteMessage(ref MessageWriter writer);
