using System.Text.Json.Serialization;

namespace HubManager.Http;

/// <summary><c>GET /status</c>: the fields the hub and operators' scripts read, unchanged from the old manager.</summary>
public sealed record StatusResponse(
    bool Running,
    string ManagerVersion,
    string Unit,
    string? ActiveState,
    string? SubState,
    uint MainPid,
    DateTimeOffset? Since,
    uint Restarts,
    string? InstalledVersion)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }
}
