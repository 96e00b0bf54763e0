using System.Text.Json.Serialization;

namespace HubManager.Http;

/// <summary><c>POST /start|stop|restart</c>: <c>{"success": true}</c>, or false with systemd's reason.</summary>
public sealed record ControlResponse(bool Success, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);
