using System.Text.Json.Serialization;

namespace HubManager.Http;

/// <summary>
/// <c>POST /start|stop|restart</c>: <c>{"success": true}</c>, or false with systemd's reason; <c>correlationId</c>
/// only when the request gave one (<see cref="ControlRequest"/>).
/// </summary>
public sealed record ControlResponse(bool Success,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CorrelationId = null);
