using HubManager.Cli;
using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Cli;

/// <summary>The client command line: each command's options, configuration settings beside them, usage errors, and <c>--help</c>.</summary>
public class ClientCommandLineTests
{
    [Test]
    public async Task Options_values_and_configuration_settings_are_told_apart()
    {
        var logs = ClientCommandLine.Parse(["logs", "-n", "5", "--since=-5min", "--Listen=127.0.0.1:4000", "-f", "--priority", "err", "--grep=tick", "--json"]);
        var update = ClientCommandLine.Parse(["update", "2.0.11", "--force", "--allow-downgrade", "--no-wait", "--config", "/etc/x.json"]);

        await Assert.That((logs.Lines, logs.Since, logs.Priority, logs.Grep, logs.Follow, logs.Json)).IsEqualTo(("5", "-5min", "err", "tick", true, true));
        await Assert.That(logs.Settings).IsEquivalentTo(["--Listen=127.0.0.1:4000"]);
        await Assert.That((update.Version, update.Force, update.AllowDowngrade, update.NoWait, update.ConfigPath, update.ConfigPathGiven))
            .IsEqualTo(("2.0.11", true, true, true, "/etc/x.json", true));
    }

    [Test]
    [Arguments(new[] { "status", "--force" }, "'--force' is not an option of status")]
    [Arguments(new[] { "update" }, "update needs the version to install")]
    [Arguments(new[] { "update", "2.0.11", "2.0.12" }, "'2.0.12' is not an option of update")]
    [Arguments(new[] { "logs", "-n" }, "-n needs a value")]
    [Arguments(new[] { "restart", "now" }, "'now' is not an option of restart")]
    public async Task A_command_line_that_cannot_be_run_says_why(string[] args, string expected)
    {
        await Assert.That(() => ClientCommandLine.Parse(args)).Throws<UsageException>().WithMessageContaining(expected);
    }

    [Test]
    public async Task Help_lists_the_commands_and_the_exit_statuses()
    {
        var help = await Shell.RunAsync(Repository.ManagerBinary, ["--help"]);
        var commandHelp = await Shell.RunAsync(Repository.ManagerBinary, ["update", "--help"]);

        await Assert.That(help.ExitCode).IsEqualTo(0);
        foreach (var command in ClientCommandLine.Commands)
            await Assert.That(help.Stdout).Matches($@"\n  ([a-z]+, )*{command}[ ,]");
        await Assert.That(help.Stdout).Contains("Exit status: 0 success (also \"already at that version\"), 1 failed, 2 usage,\n             3 rolled back (the new release was unhealthy), 4 the manager cannot be reached.");
        await Assert.That(commandHelp.ExitCode).IsEqualTo(0);
        await Assert.That(commandHelp.Stdout).IsEqualTo(help.Stdout);
    }
}
