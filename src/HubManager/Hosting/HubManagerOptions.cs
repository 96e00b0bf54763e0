using System.Net;
using HubManager.Systemd;
using Microsoft.Extensions.Configuration;

namespace HubManager.Hosting;

/// <summary>
/// The manager's configuration, validated once at start-up. Every key is read by hand (no reflection
/// binder) so that a bad value is reported with the exact key an operator has to fix.
/// </summary>
public sealed record HubManagerOptions
{
    public required IPEndPoint Listen { get; init; }
    public required string Unit { get; init; }
    public required string InstallDir { get; init; }
    public required string StateDir { get; init; }
    public required NasOptions Nas { get; init; }
    public required UpdateOptions Update { get; init; }

    /// <summary>
    /// When set, every request needs <c>Authorization: Bearer &lt;token&gt;</c>. Required to listen
    /// beyond loopback, where anyone on the network could otherwise restart or replace the hub.
    /// </summary>
    public string? ApiToken { get; init; }

    /// <summary>
    /// Peers that need no token (the hub's backend calling an agent's manager): addresses and networks. A request
    /// from one of them still needs a Host that names this machine, so DNS rebinding is refused as on loopback.
    /// </summary>
    public AddressRange[] AllowFrom { get; init; } = [];

    /// <summary>At most this many <c>AllowFrom</c> entries: each request's peer is compared with every one.</summary>
    public const int MaxAllowFrom = 64;

    // The token must never reach a log line through the record's generated ToString.
    public override string ToString() => $"HubManagerOptions {{ Listen = {Listen}, Unit = {Unit}, InstallDir = {InstallDir}, StateDir = {StateDir}, Nas = {Nas}, Update = {Update}, ApiToken = {(ApiToken is null ? "none" : "set")}, AllowFrom = {AllowFrom.Length} entries }}";

    /// <summary>Reads and validates every key; throws <see cref="ConfigurationException"/> on the first bad one.</summary>
    public static HubManagerOptions Load(IConfiguration config)
    {
        var options = Read(config);
        if (!IPAddress.IsLoopback(options.Listen.Address) && options.ApiToken is null && options.AllowFrom.Length == 0)
            throw new ConfigurationException("Listen", $"{options.Listen} is not a loopback address; set AllowFrom or ApiToken (or the api-token credential) to listen beyond loopback");
        return options;
    }

    static HubManagerOptions Read(IConfiguration config)
    {
        // The defaults live with each concern (NasOptions, NasLimits, UpdateOptions); only the keys and bounds are here.
        var nas = new NasOptions();
        var update = new UpdateOptions();
        return new()
        {
            Listen = ParseListen(config["Listen"] ?? "127.0.0.1:3081"),
            ApiToken = ParseToken(config["ApiToken"] ?? SystemdCredentials.Read("api-token")),
            AllowFrom = ParseAllowFrom(config),
            Unit = ParseUnit(config["Unit"] ?? "ai-hub.service"),
            InstallDir = ParseAbsolutePath(config, "InstallDir", "/opt/backend-ai/hub"),
            StateDir = ParseAbsolutePath(config, "StateDir", "/var/lib/hub-manager"),
            Nas = new NasOptions
            {
                Url = ParseOptionalUrl(config, "Nas:Url"),
                PackagePath = config["Nas:PackagePath"] ?? nas.PackagePath,
                Auth = ParseChoice(config, "Nas:Auth", nas.Auth, "filebrowser", "basic", "none"),
                Username = config["Nas:Username"],
                Password = config["Nas:Password"],
                PasswordFile = ParseOptionalAbsolutePath(config, "Nas:PasswordFile"),
                Limits = new NasLimits
                {
                    ReadTimeout = ParseSeconds(config, "Nas:ReadTimeoutSeconds", nas.Limits.ReadTimeout, min: 1, max: 3600),
                    ExchangeTimeout = ParseSeconds(config, "Nas:ExchangeTimeoutSeconds", nas.Limits.ExchangeTimeout, min: 1, max: 3600),
                    MinBytesPerSecond = ParseLong(config, "Nas:MinBytesPerSecond", nas.Limits.MinBytesPerSecond, min: 0, max: 1L << 30),
                    RateWindow = ParseSeconds(config, "Nas:RateWindowSeconds", nas.Limits.RateWindow, min: 1, max: 3600),
                },
            },
            Update = new UpdateOptions
            {
                HealthGraceSeconds = ParseInt(config, "Update:HealthGraceSeconds", update.HealthGraceSeconds, min: 0, max: 3600),
                HealthUrl = ParseOptionalUrl(config, "Update:HealthUrl"),
                KeepBackups = ParseInt(config, "Update:KeepBackups", update.KeepBackups, min: 1, max: 100),
                RequireChecksum = ParseBool(config, "Update:RequireChecksum", update.RequireChecksum),
                AllowedSigners = ParseAbsolutePath(config, "Update:AllowedSigners", update.AllowedSigners),
                MaxEntries = ParseInt(config, "Update:MaxEntries", update.MaxEntries, min: 1, max: 100_000_000),
                MaxExtractedBytes = ParseLong(config, "Update:MaxExtractedBytes", update.MaxExtractedBytes, min: 1, max: 1L << 50),
            },
        };
    }

    static IPEndPoint ParseListen(string value)
    {
        // IPEndPoint.TryParse accepts a bare address with port 0; a daemon must name its port.
        if (!IPEndPoint.TryParse(value, out var endpoint) || endpoint.Port == 0 || !value.Contains(':'))
            throw new ConfigurationException("Listen", $"'{value}' is not an address:port such as 127.0.0.1:3081 or [::1]:3081");
        return endpoint;
    }

    static string? ParseToken(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return null;
        if (value.Length < 16 || value.Any(char.IsWhiteSpace))
            throw new ConfigurationException("ApiToken", "must be at least 16 characters with no white space (try: openssl rand -hex 32)");
        return value;
    }

    /// <summary>
    /// A JSON array (keys <c>AllowFrom:0</c>, <c>AllowFrom:1</c>, …) or a comma-separated string, as the environment
    /// and the command line give it (<c>--AllowFrom=192.168.1.30,fd00::/8</c>). The string, when set, replaces the
    /// list, so <c>--AllowFrom=</c> empties a list from the file.
    /// </summary>
    static AddressRange[] ParseAllowFrom(IConfiguration config)
    {
        var keys = new List<string>();
        var values = new List<string>();
        if (config["AllowFrom"] is { } text)
        {
            foreach (var entry in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                keys.Add("AllowFrom");
                values.Add(entry);
            }
        }
        else
        {
            foreach (var child in config.GetSection("AllowFrom").GetChildren())
            {
                keys.Add(child.Path);
                values.Add(child.Value ?? "(not a string)");
            }
        }
        if (values.Count > MaxAllowFrom)
            throw new ConfigurationException("AllowFrom", $"has {values.Count} entries; at most {MaxAllowFrom} (use networks such as 192.168.1.0/24)");
        var ranges = new AddressRange[values.Count];
        for (var i = 0; i < ranges.Length; i++)
            ranges[i] = AddressRange.Parse(values[i], out var problem) ?? throw new ConfigurationException(keys[i], problem);
        return ranges;
    }

    static string ParseUnit(string value)
    {
        if (!UnitName.IsValidService(value))
            throw new ConfigurationException("Unit", $"'{value}' is not a systemd service unit name such as ai-hub.service");
        return value;
    }

    static string ParseAbsolutePath(IConfiguration config, string key, string fallback)
    {
        var value = config[key] ?? fallback;
        if (!Path.IsPathFullyQualified(value) || value.Contains('\0'))
            throw new ConfigurationException(key, $"'{value}' is not an absolute path");
        return Path.TrimEndingDirectorySeparator(value) is { Length: > 0 } trimmed ? trimmed : "/";
    }

    static string? ParseOptionalAbsolutePath(IConfiguration config, string key)
    {
        var value = config[key];
        if (string.IsNullOrEmpty(value))
            return null;
        if (!Path.IsPathFullyQualified(value) || value.Contains('\0'))
            throw new ConfigurationException(key, $"'{value}' is not an absolute path");
        return value;
    }

    static bool ParseBool(IConfiguration config, string key, bool fallback) => config[key] switch
    {
        null => fallback,
        var value when value.Equals("true", StringComparison.OrdinalIgnoreCase) => true,
        var value when value.Equals("false", StringComparison.OrdinalIgnoreCase) => false,
        var value => throw new ConfigurationException(key, $"'{value}' is not true or false"),
    };

    static long ParseLong(IConfiguration config, string key, long fallback, long min, long max)
    {
        var value = config[key];
        if (value is null)
            return fallback;
        if (!long.TryParse(value, System.Globalization.NumberStyles.None, null, out var number) || number < min || number > max)
            throw new ConfigurationException(key, $"'{value}' is not a whole number from {min} to {max}");
        return number;
    }

    static Uri? ParseOptionalUrl(IConfiguration config, string key)
    {
        var value = config[key];
        if (string.IsNullOrEmpty(value))
            return null;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw new ConfigurationException(key, $"'{value}' is not an absolute http:// or https:// URL");
        return uri;
    }

    static int ParseInt(IConfiguration config, string key, int fallback, int min, int max) =>
        (int)ParseLong(config, key, fallback, min, max);

    static TimeSpan ParseSeconds(IConfiguration config, string key, TimeSpan fallback, int min, int max) =>
        TimeSpan.FromSeconds(ParseInt(config, key, (int)fallback.TotalSeconds, min, max));

    static string ParseChoice(IConfiguration config, string key, string fallback, params string[] choices)
    {
        var value = config[key] ?? fallback;
        if (Array.IndexOf(choices, value) < 0)
            throw new ConfigurationException(key, $"'{value}' is not one of: {string.Join(", ", choices)}");
        return value;
    }
}
