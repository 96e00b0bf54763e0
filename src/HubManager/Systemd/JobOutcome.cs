namespace HubManager.Systemd;

/// <summary>How a job ended: <c>done</c>, or systemd's job result and the unit's <c>Result</c>.</summary>
public readonly record struct JobOutcome(bool Succeeded, string? Error);
