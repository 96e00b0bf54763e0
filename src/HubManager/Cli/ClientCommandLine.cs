namespace HubManager.Cli;

/// <summary>
/// A client command as typed: <c>hub-manager COMMAND [options]</c>. Besides each command's own options, it takes what
/// the daemon takes to find its configuration (<c>--config PATH</c>, <c>--Key=value</c>), so that it reads the
/// manager's address and token from the same place the manager does.
/// </summary>
public sealed class ClientCommandLine
{
    /// <summary>The words that make the binary a client instead of the daemon.</summary>
    public static readonly string[] Commands = ["status", "start", "stop", "restart", "version", "logs", "update", "rollback"];

    ClientCommandLine(string command) => Command = command;

    public string Command { get; }
    public string? Version { get; private set; }
    public bool Json { get; private set; }
    public bool Help { get; private set; }
    public bool Force { get; private set; }
    public bool AllowDowngrade { get; private set; }
    public bool NoWait { get; private set; }
    public bool Follow { get; private set; }
    public string? Lines { get; private set; }
    public string? Since { get; private set; }
    public string? Priority { get; private set; }
    public string? Grep { get; private set; }
    public string ConfigPath { get; private set; } = Hosting.CommandLine.DefaultConfigPath;
    public bool ConfigPathGiven { get; private set; }
    public string[] Settings { get; private set; } = [];

    public static bool IsClientCommand(string word) => Array.IndexOf(Commands, word) >= 0;

    /// <summary>Parses <paramref name="args"/> (the first is the command); throws <see cref="UsageException"/> naming the problem.</summary>
    public static ClientCommandLine Parse(string[] args)
    {
        var parsed = new ClientCommandLine(args[0]);
        var (command, settings) = (parsed.Command, new List<string>());
        for (var i = 1; i < args.Length; i++)
        {
            var arg = args[i];
            // --name=value and --name value are the same option; any other --Key=value is configuration.
            var equals = arg.StartsWith("--", StringComparison.Ordinal) ? arg.IndexOf('=') : -1;
            var (name, inline) = equals > 2 ? (arg[..equals], arg[(equals + 1)..]) : (arg, null);
            string Value() => inline ?? (i + 1 < args.Length ? args[++i] : throw new UsageException($"{name} needs a value"));
            switch (name)
            {
                case "--help" or "-h":
                    parsed.Help = true;
                    break;
                case "--json":
                    parsed.Json = true;
                    break;
                case "--config" or "-c":
                    (parsed.ConfigPath, parsed.ConfigPathGiven) = (Value(), true);
                    break;
                case "--force" when command == "update":
                    parsed.Force = true;
                    break;
                case "--allow-downgrade" when command == "update":
                    parsed.AllowDowngrade = true;
                    break;
                case "--no-wait" when command == "update":
                    parsed.NoWait = true;
                    break;
                case "-f" or "--follow" when command == "logs":
                    parsed.Follow = true;
                    break;
                case "-n" or "--lines" when command == "logs":
                    parsed.Lines = Value();
                    break;
                case "--since" when command == "logs":
                    parsed.Since = Value();
                    break;
                case "-p" or "--priority" when command == "logs":
                    parsed.Priority = Value();
                    break;
                case "-g" or "--grep" when command == "logs":
                    parsed.Grep = Value();
                    break;
                case var _ when inline is not null:
                    settings.Add(arg);
                    break;
                case var _ when command == "update" && parsed.Version is null && !arg.StartsWith('-'):
                    parsed.Version = arg;
                    break;
                default:
                    throw new UsageException($"'{arg}' is not an option of {command}");
            }
        }
        if (command == "update" && parsed.Version is null && !parsed.Help)
            throw new UsageException("update needs the version to install, e.g. hub-manager update 2.0.11");
        parsed.Settings = [.. settings];
        return parsed;
    }
}
