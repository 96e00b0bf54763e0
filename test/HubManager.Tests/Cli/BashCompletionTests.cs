using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Cli;

/// <summary>The shipped bash completion (<c>packaging/bash-completion/hub-manager</c>), sourced in a real bash and asked as bash asks it.</summary>
public class BashCompletionTests
{
    /// <summary>What the completion offers for the words typed so far (the last one being completed).</summary>
    static async Task<string> CompleteAsync(params string[] words)
    {
        var script = $$"""
            source '{{Path.Combine(Repository.Root, "packaging", "bash-completion", "hub-manager")}}'
            COMP_WORDS=({{string.Join(' ', words.Select(w => $"'{w}'"))}}); COMP_CWORD={{words.Length - 1}}
            _hub_manager; echo "${COMPREPLY[*]}"
            """;
        var result = await Shell.RunAsync("bash", ["--norc", "-c", script]);
        result.EnsureSuccess("bash completion");
        return result.Stdout.Trim();
    }

    [Test]
    [Arguments(new[] { "hub-manager", "" }, "status start stop restart version logs update rollback install uninstall --help --version --config")]
    [Arguments(new[] { "hub-manager", "u" }, "update uninstall")]
    [Arguments(new[] { "hub-manager", "re" }, "restart")]
    [Arguments(new[] { "hub-manager", "update", "2.0.11", "--" }, "--force --allow-downgrade --no-wait --json --config --help")]
    [Arguments(new[] { "hub-manager", "logs", "-" }, "-n -f --since --priority --grep --json --config --help")]
    [Arguments(new[] { "hub-manager", "logs", "--priority", "w" }, "warning")]
    [Arguments(new[] { "hub-manager", "logs", "-n", "" }, "")]
    [Arguments(new[] { "hub-manager", "status", "--j" }, "--json")]
    [Arguments(new[] { "hub-manager", "uninstall", "--" }, "--purge --help")]
    public async Task Completes_commands_and_their_options(string[] words, string expected)
    {
        await Assert.That(await CompleteAsync(words)).IsEqualTo(expected);
    }
}
