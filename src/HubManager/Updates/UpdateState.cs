using System.Text.Json.Serialization;

namespace HubManager.Updates;

/// <summary>The update states <c>GET /update</c> reports, as camelCase words (<c>rolledBack</c>).</summary>
[JsonConverter(typeof(WordEnumConverter<UpdateState>))]
public enum UpdateState
{
    Idle,
    Running,
    Succeeded,
    Failed,
    /// <summary>The new release was unhealthy and the old one is back, or a rollback to a backup succeeded.</summary>
    RolledBack,
}
