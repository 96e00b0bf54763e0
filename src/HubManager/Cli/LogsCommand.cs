using System.Text;

namespace HubManager.Cli;

/// <summary>
/// <c>hub-manager logs [-n N] [-f] [--since …] [--priority …] [--grep …]</c>: the hub's journal lines exactly as
/// <c>GET /logs</c> gives them. <c>-f</c> follows the event stream until interrupted, resuming after the last line
/// should the manager end it because this client fell behind. <c>--json</c>: the API's JSON (following: one entry per line).
/// </summary>
public static class LogsCommand
{
    public static int Run(ManagerApi api, ClientCommandLine command, TextWriter output, TextWriter errors)
    {
        var query = new StringBuilder("logs?");
        Add(query, "lines", command.Lines);
        Add(query, "since", command.Since);
        Add(query, "priority", command.Priority);
        Add(query, "grep", command.Grep);
        if (!command.Follow)
        {
            var answer = api.Get(query.ToString());
            if (!answer.Succeeded)
                return Refused(answer, errors);
            output.Write(command.Json ? Encoding.UTF8.GetString(answer.Body) + "\n" : answer.Text("logs"));
            return ExitStatus.Success;
        }
        Add(query, "follow", "true");
        if (command.Json)
            Add(query, "format", "json");
        string? lastId = null;
        while (true)
        {
            var (events, refusal) = api.OpenEvents(query.ToString(), lastId);
            if (events is null)
                return Refused(refusal!, errors);
            var fellBehind = false;
            using (events)
            {
                while (!fellBehind && events.Read() is { } next)
                {
                    fellBehind = next.Type == "fell-behind"; // then reconnect after the last line shown
                    if (!fellBehind)
                        output.WriteLine(next.Data);
                    lastId = fellBehind ? lastId : next.Id ?? lastId;
                }
            }
            if (!fellBehind)
                throw new ManagerUnreachableException($"the manager at {api.BaseAddress} ended the log stream (is it stopping?)");
        }
    }

    /// <summary>A 400 means an option's value (a time, a priority) was refused: the caller's to change.</summary>
    static int Refused(ApiAnswer answer, TextWriter errors)
    {
        errors.WriteLine($"hub-manager logs: {answer.Problem}");
        return answer.Status == 400 ? ExitStatus.Usage : ExitStatus.Failed;
    }

    static void Add(StringBuilder query, string name, string? value)
    {
        if (value is not null)
            query.Append(query[^1] == '?' ? "" : "&").Append(name).Append('=').Append(Uri.EscapeDataString(value));
    }
}
