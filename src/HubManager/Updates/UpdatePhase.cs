using System.Text.Json.Serialization;

namespace HubManager.Updates;

/// <summary>
/// The phases of a running update, in order (<c>rollback</c> only when the new release is unhealthy); <see cref="None"/>
/// when no update runs, written as JSON <c>null</c>.
/// </summary>
[JsonConverter(typeof(WordEnumConverter<UpdatePhase>))]
public enum UpdatePhase
{
    None,
    Download,
    Verify,
    Install,
    Restart,
    Health,
    Rollback,
}
