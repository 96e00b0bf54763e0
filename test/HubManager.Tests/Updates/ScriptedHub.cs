using HubManager.Updates;

namespace HubManager.Tests.Updates;

/// <summary>
/// The hub's unit, scripted: running or stopped as the scenario starts, and a restart runs whatever release is
/// live then (read from <c>package.json</c>), which is healthy unless it is the scenario's unhealthy version.
/// </summary>
public sealed class ScriptedHub(string installDir, bool running, string? unhealthy) : IHubUnit
{
    public bool Running { get; private set; } = running;
    public int Restarts { get; set; }
    public string? RunsVersion { get; private set; } = running ? InstalledRelease.TryRead(installDir)?.Version : null;

    public string Name => "ai-hub.service";

    public Task<bool> IsRunningAsync() => Task.FromResult(Running);

    public Task<string?> RestartAsync(CancellationToken cancellationToken)
    {
        Restart();
        return Task.FromResult<string?>(null);
    }

    public Task<HealthVerdict> RestartAndCheckAsync(Action<UpdatePhase> phase, CancellationToken cancellationToken)
    {
        phase(UpdatePhase.Restart);
        Restart();
        phase(UpdatePhase.Health);
        return Task.FromResult(RunsVersion == unhealthy ? HealthVerdict.Fail($"{RunsVersion} crash-loops") : HealthVerdict.Ok);
    }

    public IReadOnlyList<string> LogSince(DateTimeOffset since) => [$"{RunsVersion}: listening"];

    void Restart()
    {
        Restarts++;
        Running = true;
        RunsVersion = InstalledRelease.TryRead(installDir)?.Version;
    }
}
