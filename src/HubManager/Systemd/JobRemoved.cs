namespace HubManager.Systemd;

/// <summary>
/// systemd's <c>JobRemoved(u id, o job, s unit, s result)</c> signal: a job finished with
/// <c>done</c>, <c>canceled</c>, <c>timeout</c>, <c>failed</c>, <c>dependency</c> or <c>skipped</c>.
/// A class rather than a struct: the channel, queue and async machinery it travels through then share the code
/// compiled for reference types instead of getting ~30 KB of their own (the binary's size is a target).
/// </summary>
public sealed record JobRemoved(string Job, string Unit, string Result)
{
    public bool Succeeded => Result == "done";
}
