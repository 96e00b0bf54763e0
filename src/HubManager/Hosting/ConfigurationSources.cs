namespace HubManager.Hosting;

/// <summary>
/// Where the configuration comes from, in the order later wins: the JSON file (optional unless named with
/// <c>--config</c>), <c>HUBMANAGER_*</c> environment variables, then <c>--Key=value</c>. The daemon and the client
/// commands read it alike, so that a client finds the manager where the manager listens.
/// </summary>
public static class ConfigurationSources
{
    public static ConfigurationManager Load(string configPath, bool configPathGiven, string[] settings)
    {
        if (configPathGiven && !File.Exists(configPath))
            throw new ConfigurationException("--config", $"'{configPath}' does not exist");
        var configuration = new ConfigurationManager();
        configuration
            .AddJsonFile(configPath, optional: !configPathGiven, reloadOnChange: false)
            .AddEnvironmentVariables("HUBMANAGER_")
            .AddCommandLine(settings);
        return configuration;
    }
}
