namespace HubManager.Hosting;

/// <summary>A configuration value that cannot be used; the message names the key.</summary>
public sealed class ConfigurationException(string key, string problem) : Exception($"{key}: {problem}")
{
    public string Key { get; } = key;
}
