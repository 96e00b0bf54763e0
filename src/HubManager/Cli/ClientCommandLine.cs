namespace HubManager.Cli;

/// <summary>
/// A client command as typed: <c>hub-manager COMMAND [options]</c>. Besides each command's own options, it takes what
/// the daemon takes to find its configuration (<c>--config PATH</c>, <c>--Key=value</c>), so that it reads the
/// manager's address and token from the same place the manager does.
/// </summary>
public sealed record ClientCommandLine(string Command, string? Version, bool Json, bool Help)
{
    /// <summary>The words that make the binary a client instead of the daemon.</summary>
    public static readonly string[] Commands = ["status", "start", "stop", "restart", "version", "logs", "update", "rollback"];

    public bool Force { get; init; }
    public bool AllowDowngrade { get; init; }
    public bool NoWait { get; init; }
    public bool Follow { get; init; }
    public string? Lines { get; init; }
    public string? Since { get; init; }
    public string? Priority { get; init; }
    public string? Grep { get; init; }
    public string ConfigPath { get; init; } = Hosting.CommandLine.DefaultConfigPath;
    public bool ConfigPathGiven { get; init; }
    public string[] Settings { get; init; } = [];

    public static bool IsClientCommand(string word) => Array.IndexOf(Commands, word) >= 0;

    /// <summary>Parses <paramref name="args"/> (the first is the command); throws <see cref="UsageException"/> naming the problem.</summary>
    public static ClientCommandLine Parse(string[] args)
    {
        var command = args[0];
        var parsed = new ClientCommandLine(command, null, false, false);
        var settings = new List<string>();
        for (var i = 1; i < args.Length; i++)
        {
            var arg = args[i];
            var (name, inline) = arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=') is > 2 and var at ? (arg[..at], arg[(at + 1)..]) : (arg, null);
            string Value() => inline ?? (i + 1 < args.Length ? args[++i] : throw new UsageException($"{name} needs a value"));
            parsed = (name, command) switch
            {
                ("--help" or "-h", _) => parsed with { Help = true },
                ("--json", _) => parsed with { Json = true },
                ("--config" or "-c", _) => parsed with { ConfigPath = Value(), ConfigPathGiven = true },
                ("--force", "update") => parsed with { Force = true },
                ("--allow-downgrade", "update") => parsed with { AllowDowngrade = true },
                ("--no-wait", "update") => parsed with { NoWait = true },
                ("-f" or "--follow", "logs") => parsed with { Follow = true },
                ("-n" or "--lines", "logs") => parsed with { Lines = Value() },
                ("--since", "logs") => parsed with { Since = Value() },
                ("--priority" or "-p", "logs") => parsed with { Priority = Value() },
                ("--grep" or "-g", "logs") => parsed with { Grep = Value() },
                _ when inline is not null => Setting(parsed, settings, arg),
                _ when command == "update" && parsed.Version is null && !arg.StartsWith('-') => parsed with { Version = arg },
                _ => throw new UsageException($"'{arg}' is not an option of {command}"),
            };
        }
        if (command == "update" && parsed.Version is null && !parsed.Help)
            throw new UsageException("update needs the version to install, e.g. hub-manager update 2.0.11");
        return parsed with { Settings = [.. settings] };
    }

    static ClientCommandLine Setting(ClientCommandLine parsed, List<string> settings, string arg)
    {
        settings.Add(arg);
        return parsed;
    }
}
