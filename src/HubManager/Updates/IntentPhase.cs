using System.Text.Json.Serialization;

namespace HubManager.Updates;

/// <summary>Where a transaction stands, as its intent journal records it (what recovery does from there: <see cref="UpdateTransaction"/>).</summary>
[JsonConverter(typeof(WordEnumConverter<IntentPhase>))]
public enum IntentPhase
{
    /// <summary>Swapping the new side in.</summary>
    Install,

    /// <summary>Swapped: restart the hub and judge it.</summary>
    Restart,

    /// <summary>Judged unhealthy: swapping the old side back.</summary>
    Rollback,

    /// <summary>Healthy: keep it.</summary>
    Commit,
}
