namespace HubManager.Updates;

/// <summary>The phases of a running update, in order (<c>rollback</c> only when the new release is unhealthy).</summary>
public static class UpdatePhase
{
    public const string Download = "download", Verify = "verify", Install = "install", Restart = "restart", Health = "health", Rollback = "rollback";
}
