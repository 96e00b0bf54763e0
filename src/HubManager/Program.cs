using HubManager.Cli;
using HubManager.Hosting;
using HubManager.Http;
using HubManager.Platform;
using HubManager.Journal;
using HubManager.Signatures;
using HubManager.Systemd;
using HubManager.Updates;

CommandLine commandLine;
HubManagerOptions options;
UpdateStore store;
ConfigurationManager configuration;
// A client command (status, update...) talks to the running manager and never builds the host.
if (args.Length > 0 && ClientCommandLine.IsClientCommand(args[0]))
    return ClientProgram.Run(args);
try
{
    commandLine = CommandLine.Parse(args);
    if (commandLine.Help || commandLine.Version)
    {
        Console.Out.WriteLine(commandLine.Help ? CommandLine.Usage : BuildInfo.Version);
        return 0;
    }
    if (commandLine.Command != Command.Run)
        return await RunInstallerAsync(commandLine);
    configuration = ConfigurationSources.Load(commandLine.ConfigPath, commandLine.ConfigPathGiven, commandLine.ConfigurationArgs);
    options = HubManagerOptions.Load(configuration);
    store = new UpdateStore(options.StateDir, options.InstallDir);
    if (options.Nas.Url is not null && InstallFilesystem.Problem(store, options.InstallDir) is { } notAtomic)
        throw new ConfigurationException("InstallDir", notAtomic);
}
catch (Exception invalid) when (invalid is ConfigurationException or InvalidDataException or FormatException)
{
    // One line an operator can act on; systemd's unit has RestartPreventExitStatus=78 so this does not loop.
    Console.Error.WriteLine($"hub-manager: invalid configuration: {invalid.Message}");
    return 78; // EX_CONFIG
}

// Before anything opens descriptors: every connection and every followed journal file takes one.
var openFiles = OpenFileLimit.Raise();
// The generic host with Kestrel, not WebApplication: WebApplication wires routing, authentication, authorization and a
// developer exception page into every pipeline it builds (reachable code, so compiled in, -480 KB of binary), and the
// manager has its own exact-path table (ApiRouter) and none of the rest.
var host = new HostBuilder()
    .ConfigureAppConfiguration(app => app.AddConfiguration(configuration))
    .ConfigureLogging(logging =>
    {
        // Per-request lines would drown the hub's own story in the journal; keep ASP.NET Core to warnings.
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        logging.AddConfiguration(configuration.GetSection("Logging"));
        logging.AddProvider(StandardOutputLoggerProvider.Create());
    })
    .ConfigureServices(services =>
    {
        services.AddSystemd();
        services.AddSingleton(options);
        services.AddSingleton(services => new ConnectionLimit(openFiles, services.GetRequiredService<ILogger<ConnectionLimit>>(), TimeProvider.System));
        services.AddSingleton(services => new SystemdManager(new SystemdConnection(options.Unit, services.GetRequiredService<ILogger<SystemdConnection>>())));
        services.AddSingleton<UnitStatusCache>();
        services.AddSingleton(services => new UnitController(
            services.GetRequiredService<SystemdManager>(), services.GetRequiredService<UnitStatusCache>(), options.Unit));
        services.AddSingleton<HubEndpoints>();
        services.AddSingleton(_ => new JournalPool(JournalHandle.OpenLocal));
        services.AddSingleton<LogsEndpoint>();
        services.AddSingleton<RequestRefusals>();
        services.AddSingleton<RequestGuard>();
        services.AddSingleton<ApiRouter>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(options.Update);
        services.AddSingleton(services => new NasClient(options.Nas, services.GetRequiredService<ILogger<NasClient>>()));
        services.AddSingleton(store);
        services.AddSingleton<UpdateProgress>();
        services.AddSingleton<HubOwnership>();
        services.AddSingleton<IHubUnit, HealthGate>();
        services.AddSingleton<UpdateTransaction>();
        services.AddSingleton(services => new ReleaseTrust(options.Update.AllowedSigners, services.GetRequiredService<ILogger<ReleaseTrust>>()));
        // Built here rather than registered: the staging step belongs to the updater alone (and a registration costs idle memory).
        services.AddSingleton(services => new Updater(options,
            new ReleaseStaging(options, services.GetRequiredService<NasClient>(), services.GetRequiredService<UpdateStore>(),
                services.GetRequiredService<UpdateProgress>(), services.GetRequiredService<ReleaseTrust>(), TimeProvider.System,
                services.GetRequiredService<ILogger<ReleaseStaging>>()),
            services.GetRequiredService<UpdateStore>(), services.GetRequiredService<UpdateTransaction>(), services.GetRequiredService<UpdateProgress>(),
            services.GetRequiredService<IHostApplicationLifetime>(), services.GetRequiredService<ILogger<Updater>>()));
        services.AddSingleton<UpdateEndpoints>();
        services.AddSingleton<MetricsEndpoint>();
        services.AddHostedService<UpdateRecovery>();
        services.AddHostedService<SystemdWatchdog>();
    })
    // Registered after the services above, so UpdateRecovery has run before Kestrel takes the first request. No
    // ASPNETCORE_* environment variables: the manager's configuration is its own (ConfigurationSources).
    .ConfigureWebHost(web => web
            .UseKestrelCore()
            .ConfigureKestrel(kestrel => ServerLimits.Apply(kestrel, options.Listen, kestrel.ApplicationServices.GetRequiredService<ConnectionLimit>()))
            .Configure(app => app.Run(app.ApplicationServices.GetRequiredService<ApiRouter>().DispatchAsync)),
        web => web.SuppressEnvironmentConfiguration = true)
    .Build();
var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
var router = host.Services.GetRequiredService<ApiRouter>();
host.Services.GetRequiredService<HubEndpoints>().MapTo(router);
host.Services.GetRequiredService<LogsEndpoint>().MapTo(router);
host.Services.GetRequiredService<UpdateEndpoints>().MapTo(router);
new UpdateEventsEndpoint(host.Services.GetRequiredService<UpdateProgress>(), host.Services.GetRequiredService<Updater>(), lifetime).MapTo(router);
host.Services.GetRequiredService<MetricsEndpoint>().MapTo(router);
if (options.Nas.Url is not null)
    host.Services.GetRequiredService<ReleaseTrust>().ReportAtStartUp();
// Start-up (configuration, dependency injection, Kestrel) leaves ~2 MiB of garbage in the GC's regions, which a
// daemon that then idles would keep committed for good. One aggressive collection once it is ready returns them
// to the system (-2.1 MiB idle RSS in make bench); it runs on the thread pool, after READY=1 has gone out.
lifetime.ApplicationStarted.Register(static () => ThreadPool.QueueUserWorkItem(static _ =>
    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true)));

try
{
    await host.RunAsync();
    return 0;
}
catch (IOException bindFailure)
{
    // Typically the port is taken; say so in one line instead of a stack trace.
    Console.Error.WriteLine($"hub-manager: cannot listen on {options.Listen}: {bindFailure.Message}");
    return 1;
}

static async Task<int> RunInstallerAsync(CommandLine commandLine)
{
    if (Environment.UserName != "root")
    {
        Console.Error.WriteLine($"hub-manager {commandLine.Command.ToString().ToLowerInvariant()}: run it as root (it writes /usr/bin and /etc and talks to systemd).");
        return 77; // EX_NOPERM
    }
    var installer = new SelfInstaller(Console.Out);
    try
    {
        if (commandLine.Command == Command.Install)
            await installer.InstallAsync(commandLine.ConfigPath, commandLine.ConfigurationArgs);
        else
            await installer.UninstallAsync(commandLine.ConfigPath, commandLine.Purge);
        return 0;
    }
    catch (Exception failure) when (failure is ConfigurationException or SystemdUnavailableException or SystemdRefusedException or InvalidOperationException or IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"hub-manager {commandLine.Command.ToString().ToLowerInvariant()}: {failure.Message}");
        return failure is ConfigurationException ? 78 : 1;
    }
}
