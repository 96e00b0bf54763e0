using System.Text.RegularExpressions;
using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Fleet;

/// <summary>
/// One run of <c>ansible-playbook</c> (Debian's ansible-core) on a playbook of <c>packaging/ansible</c>, with that
/// directory's ansible.cfg, as an operator runs it: its exit code, its output, and what its PLAY RECAP and the
/// rollout's summary say per host.
/// </summary>
public sealed partial record PlaybookRun(int ExitCode, string Output)
{
    public static string Directory => Path.Combine(Repository.Root, "packaging", "ansible");

    public static async Task<PlaybookRun> RunAsync(string inventory, string playbook, params string[] arguments)
    {
        var run = await Shell.RunAsync("/usr/bin/env", [
            $"ANSIBLE_CONFIG={Path.Combine(Directory, "ansible.cfg")}", "ANSIBLE_NOCOLOR=1", "ANSIBLE_FORCE_COLOR=0",
            "ansible-playbook", "-i", inventory, Path.Combine(Directory, playbook), .. arguments], timeout: TimeSpan.FromMinutes(5));
        var result = new PlaybookRun(run.ExitCode, run.Stdout + run.Stderr);
        // The test's own output (shown with --output Detailed and in the report): what an operator would have seen.
        Console.WriteLine($"$ ansible-playbook {playbook} {string.Join(' ', arguments)}\n{result}");
        return result;
    }

    /// <summary>The PLAY RECAP counter (ok, changed, failed, …) of a host; null when the host is not in the recap (no task ran on it).</summary>
    public int? Recap(string host, string counter)
    {
        var line = RecapLine().Matches(Output).LastOrDefault(match => match.Groups["host"].Value == host);
        if (line is null)
            return null;
        var value = Regex.Match(line.Value, $@"\b{counter}=(\d+)");
        return value.Success ? int.Parse(value.Groups[1].Value) : null;
    }

    /// <summary>The rollout's summary line for a host ("fleet-1: 2.0.10 → 2.0.11, updated (healthy)"), or null.</summary>
    public string? Summary(string host)
    {
        var task = Output.LastIndexOf("Summary] ***", StringComparison.Ordinal);
        if (task < 0)
            return null;
        var end = Output.IndexOf("\n}", task, StringComparison.Ordinal);
        return SummaryLine().Matches(Output[task..(end < 0 ? Output.Length : end)]).Select(match => match.Groups["line"].Value)
            .FirstOrDefault(line => line.StartsWith(host + ": ", StringComparison.Ordinal));
    }

    /// <summary>Whether any task reported on the host (ok, changed, failed, skipped...), i.e. Ansible touched it at all.</summary>
    public bool Touched(string host) => Output.Contains($"[{host}]", StringComparison.Ordinal);

    public override string ToString() => $"ansible-playbook exited {ExitCode}:\n{Output}";

    [GeneratedRegex(@"^(?<host>\S+)\s+:\s+ok=\d+.*$", RegexOptions.Multiline)]
    private static partial Regex RecapLine();

    [GeneratedRegex(@"^\s+""(?<line>[^""]+)"",?$", RegexOptions.Multiline)]
    private static partial Regex SummaryLine();
}
