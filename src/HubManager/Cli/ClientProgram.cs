using System.Text;
using HubManager.Hosting;
using HubManager.Platform;

namespace HubManager.Cli;

/// <summary>
/// <c>hub-manager status | start | stop | restart | version | logs | update VERSION | rollback</c>: the client commands.
/// Each reads the manager's address and token from the configuration the manager reads, calls its HTTP API over
/// loopback and says the result in a line or a screen (<c>--json</c>: the API's JSON), with an <see cref="ExitStatus"/>.
/// No host, no Kestrel: a client starts in milliseconds.
/// </summary>
public static class ClientProgram
{
    /// <summary>Where the CLI finds the API token when neither the configuration nor a systemd credential gives it.</summary>
    public const string TokenPath = "/etc/hub-manager/api-token";

    public static int Run(string[] args)
    {
        // Plain writers on descriptors 1 and 2: the Console's streams would first send a terminal terminfo's keypad mode.
        using var output = Writer(1);
        using var errors = Writer(2);
        try
        {
            var command = ClientCommandLine.Parse(args);
            if (command.Help)
            {
                output.WriteLine(CommandLine.Usage);
                return ExitStatus.Success;
            }
            var options = LoadOptions(command);
            using var api = new ManagerApi(options);
            return command.Command switch
            {
                "status" => StatusScreen.Run(api, command.Json, output),
                "logs" => LogsCommand.Run(api, command, output, errors),
                "update" => UpdateCommand.Run(api, command, output, errors),
                "version" => Say(command, output, errors, api.Get("version"), static a => a.Text("name") is { } name ? $"{name} {a.Text("version")}" : a.Text("version")!),
                "rollback" => Say(command, output, errors, api.Post("rollback"), static a => a.Text("message")!),
                _ => Say(command, output, errors, api.Post(command.Command), a => $"{options.Unit} {command.Command switch { "stop" => "stopped", "start" => "started", _ => "restarted" }}."),
            };
        }
        catch (UsageException usage)
        {
            errors.WriteLine($"hub-manager: {usage.Message}\nTry 'hub-manager --help'.");
            return ExitStatus.Usage;
        }
        catch (Exception invalid) when (invalid is ConfigurationException or InvalidDataException or FormatException)
        {
            errors.WriteLine($"hub-manager: invalid configuration: {invalid.Message}");
            return ExitStatus.Usage;
        }
        catch (ManagerUnreachableException unreachable)
        {
            errors.WriteLine($"hub-manager: {unreachable.Message}");
            return ExitStatus.Unreachable;
        }
    }

    static StreamWriter Writer(int descriptor) => new(new DescriptorStream(descriptor)) { AutoFlush = true };

    /// <summary>The manager's configuration, with the token from <see cref="TokenPath"/> if the configuration has none and the file is readable.</summary>
    static HubManagerOptions LoadOptions(ClientCommandLine command)
    {
        var configuration = ConfigurationSources.Load(command.ConfigPath, command.ConfigPathGiven, command.Settings);
        if (string.IsNullOrEmpty(configuration["ApiToken"]) && SystemdCredentials.Read("api-token") is null && ReadToken() is { } token)
            configuration["ApiToken"] = token;
        return HubManagerOptions.Load(configuration);
    }

    static string? ReadToken()
    {
        try
        {
            var file = new FileInfo(TokenPath);
            return file.Exists && file.Length <= 64 * 1024 && File.ReadAllText(TokenPath).Trim() is { Length: > 0 } token ? token : null;
        }
        catch (UnauthorizedAccessException)
        {
            return null; // not root: the configuration (or the environment) must give it
        }
    }

    /// <summary>A one-line command: the sentence on success, the manager's reason on failure, or the API's JSON.</summary>
    static int Say(ClientCommandLine command, TextWriter output, TextWriter errors, ApiAnswer answer, Func<ApiAnswer, string> sentence)
    {
        if (command.Json)
            output.WriteLine(Encoding.UTF8.GetString(answer.Body));
        else if (answer.Succeeded)
            output.WriteLine(sentence(answer));
        else
            errors.WriteLine($"hub-manager {command.Command}: {answer.Problem}");
        return answer.Succeeded ? ExitStatus.Success : ExitStatus.Failed;
    }
}
