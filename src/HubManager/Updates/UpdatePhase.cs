using System.Text.Json.Serialization;

namespace HubManager.Updates;

/// <summary>The phases of a running update, in order (<c>rollback</c> only when the new release is unhealthy).</summary>
[JsonConverter(typeof(WordEnumConverter<UpdatePhase>))]
public enum UpdatePhase
{
    Download,
    Verify,
    Install,
    Restart,
    Health,
    Rollback,
}
