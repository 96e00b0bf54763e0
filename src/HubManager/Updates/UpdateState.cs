namespace HubManager.Updates;

/// <summary>The update states <c>GET /update</c> reports.</summary>
public static class UpdateState
{
    public const string Idle = "idle", Running = "running", Succeeded = "succeeded", Failed = "failed", RolledBack = "rolledBack";
}
