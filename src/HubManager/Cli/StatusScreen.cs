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
    public static int Run(ManagerApi api, bool json, TextWriter output)
    {
        var (status, version, update) = (api.Get("status"), api.Get("version"), api.Get("update"));
        output.Write(json
            ? "{\"status\":" + Raw(status) + ",\"version\":" + Raw(version) + ",\"update\":" + Raw(update) + "}\n"
            : Screen(status, version, update.Json(), api.BaseAddress));
        return status.Succeeded ? ExitStatus.Success : ExitStatus.Failed;
    }

    static string Raw(ApiAnswer answer) => Encoding.UTF8.GetString(answer.Body);

    // Concatenation rather than interpolation: each interpolated string is inlined code, and the binary's size is a target.
    static string Screen(ApiAnswer statusAnswer, ApiAnswer versionAnswer, JsonElement update, Uri address)
    {
        var status = statusAnswer.Json();
        var since = Time(status, "since") is { } start ? " since " + When(start) + " (" + Ago(DateTimeOffset.UtcNow - start) + " ago)" : "";
        var name = versionAnswer.Succeeded && versionAnswer.Text("name") is { } hub ? " (" + hub + ")" : "";
        return Field(status, "unit") + ": " + Field(status, "activeState") + " (" + Field(status, "subState") + ")" + since + "\n"
            + (statusAnswer.Succeeded ? "" : "  error:       " + statusAnswer.Problem + "\n")
            + "  main PID:    " + Number(status, "mainPid") + "\n"
            + "  restarts:    " + Number(status, "restarts") + "\n"
            + "  installed:   " + Field(status, "installedVersion") + name + "\n"
            + "  manager:     " + Field(status, "managerVersion") + " at " + address + "\n"
            + "  last update: " + LastUpdate(update) + "\n";
    }

    static string LastUpdate(JsonElement update)
    {
        var (state, version) = (Field(update, "state"), Field(update, "version"));
        var finished = Time(update, "finishedAt") is { } at ? " at " + When(at) : "";
        return state switch
        {
            "idle" => "none",
            "running" => version + " running (" + Field(update, "phase") + ")",
            "succeeded" => version + " succeeded" + finished + " (from " + Field(update, "previousVersion") + ")",
            _ => version + (state == "rolledBack" ? " rolled back" : " " + state) + finished + ": " + Field(update, "error"),
        };
    }

    static string When(DateTimeOffset time) => time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss zzz");

    static string Field(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "-";

    static string Number(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetRawText() : "-";

    static DateTimeOffset? Time(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            && value.TryGetDateTimeOffset(out var time) ? time : null;

    /// <summary>"42 s", "5 min", "3 h", "2 days", as systemctl's "5min ago".</summary>
    static string Ago(TimeSpan span) => span.TotalSeconds switch
    {
        < 120 => Math.Max(0, (int)span.TotalSeconds) + " s",
        < 7200 => (int)span.TotalMinutes + " min",
        < 172800 => (int)span.TotalHours + " h",
        _ => (int)span.TotalDays + " days",
    };
}
