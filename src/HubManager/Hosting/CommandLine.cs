namespace HubManager.Hosting;

/// <summary>
/// What the command line asks for before any host is built: a command, <c>--help</c>, <c>--version</c>,
/// and which configuration file to read (<c>--config PATH</c>). Everything else is configuration.
/// </summary>
public sealed record CommandLine(Command Command, bool Help, bool Version, bool Purge, string ConfigPath, bool ConfigPathGiven, string[] ConfigurationArgs)
{
    public const string DefaultConfigPath = "/etc/hub-manager/hub-manager.json";

    public static CommandLine Parse(string[] args)
    {
        bool help = false, version = false, purge = false, configGiven = false;
        var configPath = DefaultConfigPath;
        var rest = new List<string>(args.Length);
        var command = args.Length > 0 ? args[0] switch { "install" => Command.Install, "uninstall" => Command.Uninstall, _ => Command.Run } : Command.Run;
        for (var i = command == Command.Run ? 0 : 1; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg is "--purge" && command == Command.Uninstall)
                purge = true;
            else if (arg is "--help" or "-h")
                help = true;
            else if (arg is "--version")
                version = true;
            else if (arg is "--config" or "-c")
            {
                if (i + 1 >= args.Length)
                    throw new ConfigurationException("--config", "needs a file path");
                configPath = args[++i];
                configGiven = true;
            }
            else if (arg.StartsWith("--config=", StringComparison.Ordinal))
            {
                configPath = arg["--config=".Length..];
                configGiven = true;
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains('='))
                rest.Add(arg);
            else
                throw new ConfigurationException(arg, "is not an option; settings are given as --Key=value (see --help)");
        }
        return new CommandLine(command, help, version, purge, configPath, configGiven, [.. rest]);
    }

    public const string Usage = """
        Usage: hub-manager [--config PATH] [--Key=value ...]
               hub-manager COMMAND [OPTIONS] [--json] [--config PATH] [--Key=value ...]
               hub-manager install [--config PATH] [--Key=value ...]
               hub-manager uninstall [--purge]

        Runs the Backend AI hub's manager: a local HTTP API on 127.0.0.1:3081 that starts,
        stops, restarts, reports and updates the hub's systemd unit.

        Commands (they talk to the running manager at its Listen address, with its ApiToken
        or the token in /etc/hub-manager/api-token when readable):
          status                  the hub's state, since when, PID, restarts, versions, last update
          start, stop, restart    the hub's unit; one line when systemd has finished the job
          version                 the installed hub release
          logs [-n N] [-f] [--since TIME] [--priority LEVEL] [--grep TEXT]
                                  the hub's journal as GET /logs gives it; -f follows until Ctrl-C
          update VERSION [--force] [--allow-downgrade] [--no-wait]
                                  install a release from the NAS and follow it to the end
          rollback                back to the newest backup, with the same health gate
          --json                  print the API's JSON instead (with any command)
        Exit status: 0 success (also "already at that version"), 1 failed, 2 usage,
                     3 rolled back (the new release was unhealthy), 4 the manager cannot be reached.

        install     copy this binary to /usr/bin/hub-manager, write ai-hub-manager.service, the
                    config file (merging the --Key=value given) and the bash completion, then
                    enable and (re)start it
        uninstall   stop, disable and remove the unit, the binary and the bash completion
                    (--purge: config and state too)

        Options:
          --config PATH   JSON configuration file (default /etc/hub-manager/hub-manager.json;
                          optional unless given here)
          --Key=value     any configuration key, e.g. --Listen=127.0.0.1:3081 --Nas:Url=http://nas:8080
          --version       print the version and exit
          --help          print this help and exit

        Configuration is read from the file, then HUBMANAGER_* environment variables
        (HUBMANAGER_Nas__Url for Nas:Url), then the command line; later wins.
        Keys: Listen, ApiToken, AllowFrom, Unit, InstallDir, StateDir, Nas:Url, Nas:PackagePath,
              Nas:Auth, Nas:Username, Nas:Password, Nas:PasswordFile, Nas:ReadTimeoutSeconds,
              Nas:ExchangeTimeoutSeconds, Nas:MinBytesPerSecond, Nas:RateWindowSeconds,
              Update:HealthGraceSeconds,
              Update:HealthUrl, Update:KeepBackups, Update:RequireChecksum, Update:MaxEntries,
              Update:MaxExtractedBytes, Update:AllowedSigners
        The NAS password and the API token may also come from the systemd credentials
        nas-password and api-token (LoadCredential=nas-password:/path).
        """;
}
