using System.Text.Json;
using HubManager.Updates;

namespace HubManager.Cli;

/// <summary>
/// <c>hub-manager update VERSION [--force] [--allow-downgrade] [--no-wait]</c>: <c>POST /update</c>, then (unless
/// <c>--no-wait</c>) follows <c>GET /update/events</c> to the end with a <see cref="ProgressLine"/>, and exits with the
/// outcome: 0 installed (or already there), 1 failed, 3 rolled back (with the reason and the hub's last journal lines).
/// <c>--json</c>: the answer to the POST, then each event's JSON, one per line.
/// </summary>
public static class UpdateCommand
{
    /// <summary>How the manager words "nothing to do" (<c>Updater.StartUpdate</c>); it answers 200 as for a start.</summary>
    const string AlreadyThere = "Hub is already at version ";

    public static int Run(ManagerApi api, ClientCommandLine command, TextWriter output, TextWriter errors)
    {
        var version = command.Version!;
        if (!ReleaseVersion.IsValid(version))
            throw new UsageException(ReleaseVersion.Problem(version));
        // A valid version is letters, digits, '.', '-' and '+': nothing JSON needs escaped.
        var answer = api.Post("update", $"{{\"version\":\"{version}\"{(command.Force ? ",\"force\":true" : "")}{(command.AllowDowngrade ? ",\"allowDowngrade\":true" : "")}}}");
        var message = answer.Text("message") ?? "";
        if (command.Json)
            output.WriteLine(System.Text.Encoding.UTF8.GetString(answer.Body));
        if (!answer.Succeeded)
        {
            errors.WriteLine($"hub-manager update: {answer.Problem}");
            return ExitStatus.Failed;
        }
        if (!command.Json)
            output.WriteLine(message);
        if (command.NoWait || message.StartsWith(AlreadyThere, StringComparison.Ordinal))
            return ExitStatus.Success;
        return Follow(api, command.Json, output, errors);
    }

    static int Follow(ManagerApi api, bool json, TextWriter output, TextWriter errors)
    {
        var (events, refusal) = api.OpenEvents("update/events");
        if (events is null)
        {
            errors.WriteLine($"hub-manager update: cannot follow the update: {refusal!.Problem}");
            return ExitStatus.Failed;
        }
        var line = new ProgressLine(output, terminal: !json && !Console.IsOutputRedirected);
        UpdateStatus? status = null;
        using (events)
        {
            while (events.Read() is { } next)
            {
                if (json)
                    output.WriteLine(next.Data);
                try
                {
                    status = JsonSerializer.Deserialize(next.Data, UpdateJson.Api.UpdateStatus);
                }
                catch (JsonException)
                {
                    status = null; // not an update status: the stream is not the manager's
                }
                if (status is null)
                    break;
                if (!json)
                    line.Show(status);
            }
        }
        if (status is null || status.State == UpdateState.Running)
            throw new ManagerUnreachableException($"the manager at {api.BaseAddress} ended the update's event stream before the update ended; see hub-manager status");
        if (!json)
            line.End(Outcome(api, status));
        return status.State switch
        {
            UpdateState.Succeeded => ExitStatus.Success,
            UpdateState.RolledBack => ExitStatus.RolledBack,
            _ => ExitStatus.Failed,
        };
    }

    /// <summary>The last word: what happened, and for a rollback why, with the new release's last journal lines.</summary>
    static string Outcome(ManagerApi api, UpdateStatus status)
    {
        var took = status.FinishedAt - status.StartedAt is { } span ? " in " + span.TotalSeconds.ToString("0.0") + " s" : "";
        if (status.State == UpdateState.Succeeded)
            return "Hub updated to " + status.Version + " (from " + status.PreviousVersion + ")" + took + ".";
        if (status.State != UpdateState.RolledBack)
            return "Update to " + status.Version + " failed" + took + ": " + status.Error;
        var journal = status.HubLog.Count > 0 ? string.Join('\n', status.HubLog) : api.Get("logs?lines=20").Text("logs")?.TrimEnd('\n');
        return "Update to " + status.Version + " rolled back to " + status.PreviousVersion + took + ": " + status.Error + "\nThe hub's last journal lines:\n" + journal;
    }
}
