namespace HubManager.Hosting;

/// <summary>
/// Where release packages come from (used by the updater). The initial values are the defaults of the
/// <c>Nas:</c> keys (<see cref="HubManagerOptions.Load"/>).
/// </summary>
public sealed record NasOptions
{
    public Uri? Url { get; init; }

    /// <summary>The package's path on the NAS; <c>{version}</c> is replaced by the version asked for.</summary>
    public string PackagePath { get; init; } = "/api/raw/{version}/hub-{version}.tar.gz";

    /// <summary>How to log in: <c>filebrowser</c>, <c>basic</c> or <c>none</c>.</summary>
    public string Auth { get; init; } = "filebrowser";

    public string? Username { get; init; }
    public string? Password { get; init; }

    /// <summary>A file holding the password (its first line), read at each login so that it can be rotated.</summary>
    public string? PasswordFile { get; init; }

    /// <summary>How long the NAS may take over each exchange.</summary>
    public NasLimits Limits { get; init; } = new();

    // The password must never reach a log line, even through a record's generated ToString.
    public override string ToString() => $"NasOptions {{ Url = {Url}, PackagePath = {PackagePath}, Auth = {Auth}, Username = {Username}, PasswordFile = {PasswordFile}, Limits = {Limits} }}";
}
