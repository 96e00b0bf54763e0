using System.Text;
using System.Text.Json;

namespace HubManager.Cli;

/// <summary>
/// <c>hub-manager status</c>: one screen from <c>GET /status</c>, <c>/version</c> and <c>/update</c> — the hub's state as
/// systemd words it (<c>active (running)</c>), since when, its PID and restarts, the installed release, the manager's
/// version and the last update's outcome. <c>--json</c>: the three answers as <c>{"status", "version", "update"}</c>.
/// </summary>
public static class StatusScreen
{
    public static async Task<int> RunAsync(ManagerApi api, bool json, TextWriter output)
    {
        var (statusCall, versionCall, updateCall) = (api.GetAsync("status"), api.GetAsync("version"), api.GetAsync("update"));
        var (status, version, update) = (await statusCall, await versionCall, await updateCall);
        if (json)
            output.WriteLine($"{{\"status\":{Raw(status)},\"version\":{Raw(version)},\"update\":{Raw(update)}}}");
        else
            output.Write(Screen(status, version, update, api.BaseAddress));
        return status.Succeeded ? ExitStatus.Success : ExitStatus.Failed;
    }

    static string Raw(ApiAnswer answer) => Encoding.UTF8.GetString(answer.Body);

    static string Screen(ApiAnswer statusAnswer, ApiAnswer versionAnswer, ApiAnswer updateAnswer, Uri address)
    {
        var (status, update) = (statusAnswer.Json(), updateAnswer.Json());
        var screen = new StringBuilder();
        screen.Append($"{Text(status, "unit")}: {Text(status, "activeState")} ({Text(status, "subState")})");
        if (Time(status, "since") is { } since)
            screen.Append($" since {since.ToLocalTime():yyyy-MM-dd HH:mm:ss zzz} ({Ago(DateTimeOffset.UtcNow - since)} ago)");
        screen.Append('\n');
        if (!statusAnswer.Succeeded)
            screen.Append($"  error:       {statusAnswer.Problem}\n");
        screen.Append($"  main PID:    {Number(status, "mainPid")}\n");
        screen.Append($"  restarts:    {Number(status, "restarts")}\n");
        screen.Append($"  installed:   {Text(status, "installedVersion")}");
        screen.Append(versionAnswer.Succeeded && versionAnswer.Text("name") is { } name ? $" ({name})\n" : "\n");
        screen.Append($"  manager:     {Text(status, "managerVersion")} at {address}\n");
        screen.Append($"  last update: {LastUpdate(update)}\n");
        return screen.ToString();
    }

    static string LastUpdate(JsonElement update)
    {
        var (state, version, from) = (Text(update, "state"), Text(update, "version"), Text(update, "previousVersion"));
        var finished = Time(update, "finishedAt") is { } at ? $" at {at.ToLocalTime():yyyy-MM-dd HH:mm:ss zzz}" : "";
        return state switch
        {
            "idle" => "none",
            "running" => $"{version} running ({Text(update, "phase")})",
            "succeeded" => $"{version} succeeded{finished} (from {from})",
            "rolledBack" => $"{version} rolled back{finished}: {Text(update, "error")}",
            _ => $"{version} {state}{finished}: {Text(update, "error")}",
        };
    }

    static string Text(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "-";

    static string Number(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetRawText() : "-";

    static DateTimeOffset? Time(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            && value.TryGetDateTimeOffset(out var time) ? time : null;

    /// <summary>"42 s", "5 min", "3 h", "2 days", as systemctl's "5min ago".</summary>
    static string Ago(TimeSpan span) => span.TotalSeconds switch
    {
        < 120 => $"{Math.Max(0, (int)span.TotalSeconds)} s",
        < 7200 => $"{(int)span.TotalMinutes} min",
        < 172800 => $"{(int)span.TotalHours} h",
        _ => $"{(int)span.TotalDays} days",
    };
}
