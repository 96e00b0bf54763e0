namespace HubManager.Systemd;

/// <summary>
/// systemd's <c>JobRemoved(u id, o job, s unit, s result)</c> signal: a job finished with
/// <c>done</c>, <c>canceled</c>, <c>timeout</c>, <c>failed</c>, <c>dependency</c> or <c>skipped</c>.
/// </summary>
public readonly record struct JobRemoved(string Job, string Unit, string Result)
{
    public bool Succeeded => Result == "done";
}
