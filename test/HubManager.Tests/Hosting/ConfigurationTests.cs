using HubManager.Hosting;
using HubManager.Tests.Sandbox;
using Microsoft.Extensions.Configuration;

namespace HubManager.Tests.Hosting;

public class ConfigurationTests
{
    [Test]
    public async Task Defaults_are_the_documented_ones()
    {
        var options = HubManagerOptions.Load(new ConfigurationBuilder().Build());

        await Assert.That(options.Listen.ToString()).IsEqualTo("127.0.0.1:3081");
        await Assert.That(options.Unit).IsEqualTo("ai-hub.service");
        await Assert.That(options.InstallDir).IsEqualTo("/opt/backend-ai/hub");
        await Assert.That(options.StateDir).IsEqualTo("/var/lib/hub-manager");
        await Assert.That(options.Nas.Auth).IsEqualTo("filebrowser");
        await Assert.That(options.Nas.PackagePath).IsEqualTo("/api/raw/{version}/hub-{version}.tar.gz");
        await Assert.That(options.Update.HealthGraceSeconds).IsEqualTo(10);
        await Assert.That(options.Update.KeepBackups).IsEqualTo(3);
    }

    [Test]
    public async Task The_nas_password_never_appears_in_ToString()
    {
        var options = HubManagerOptions.Load(new ConfigurationBuilder().AddInMemoryCollection([new("Nas:Password", "hunter2")]).Build());

        await Assert.That(options.ToString()).DoesNotContain("hunter2");
    }

    /// <summary>The shipped binary refuses bad configuration at start-up with exit 78 and one line naming the key.</summary>
    [Test]
    [Arguments("Listen", "--Listen=localhost")]
    [Arguments("Listen", "--Listen=127.0.0.1")]
    [Arguments("Unit", "--Unit=ai-hub.socket")]
    [Arguments("Unit", "--Unit=../../etc/passwd.service")]
    [Arguments("InstallDir", "--InstallDir=opt/hub")]
    [Arguments("StateDir", "--StateDir=")]
    [Arguments("Nas:Url", "--Nas:Url=ftp://nas")]
    [Arguments("Nas:Auth", "--Nas:Auth=kerberos")]
    [Arguments("Update:KeepBackups", "--Update:KeepBackups=0")]
    [Arguments("Update:HealthGraceSeconds", "--Update:HealthGraceSeconds=-1")]
    [Arguments("--config", "--config")]
    [Arguments("--config", "--config=/nonexistent/hub-manager.json")]
    [Arguments("stray", "stray")]
    public async Task Bad_configuration_exits_78_with_one_line_naming_the_key(string key, string argument)
    {
        var result = await Shell.RunAsync(Repository.ManagerBinary, [argument]);

        await Assert.That(result.ExitCode).IsEqualTo(78);
        await Assert.That(result.Stderr.TrimEnd().Split('\n')).HasSingleItem();
        await Assert.That(result.Stderr).StartsWith($"hub-manager: invalid configuration: {key}");
    }

    [Test]
    public async Task A_config_file_that_is_not_json_is_refused_and_environment_variables_are_read()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "{ \"Listen\": ");
            var broken = await Shell.RunAsync(Repository.ManagerBinary, ["--config", file]);
            await File.WriteAllTextAsync(file, """{ "Listen": "127.0.0.1:1" }""");
            var environment = await Shell.RunAsync("/usr/bin/env", ["HUBMANAGER_Update__KeepBackups=zero", Repository.ManagerBinary, "--config", file]);

            await Assert.That(broken.ExitCode).IsEqualTo(78);
            await Assert.That(broken.Stderr).Contains(file);
            await Assert.That(environment.ExitCode).IsEqualTo(78);
            await Assert.That(environment.Stderr).Contains("Update:KeepBackups: 'zero'");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public async Task Help_and_version_answer_without_starting()
    {
        var help = await Shell.RunAsync(Repository.ManagerBinary, ["--help"]);
        var version = await Shell.RunAsync(Repository.ManagerBinary, ["--version"]);

        await Assert.That(help.ExitCode).IsEqualTo(0);
        await Assert.That(help.Stdout).Contains("Usage: hub-manager");
        await Assert.That(version.ExitCode).IsEqualTo(0);
        await Assert.That(version.Stdout.Trim()).Matches(@"^\d+\.\d+\.\d+(\+[0-9a-f]+)?$");
    }
}
