namespace HubManager.Hosting;

/// <summary>
/// Secrets handed over by systemd's <c>LoadCredential=</c>: files in <c>$CREDENTIALS_DIRECTORY</c>,
/// readable only by this service, never in the environment or on the command line.
/// </summary>
public static class SystemdCredentials
{
    /// <summary>A credential larger than this is not a password or a token.</summary>
    const int MaxBytes = 64 * 1024;

    /// <summary>The credential's text without its trailing newline; null when systemd passed none or it is empty.</summary>
    public static string? Read(string name)
    {
        var directory = Environment.GetEnvironmentVariable("CREDENTIALS_DIRECTORY");
        if (string.IsNullOrEmpty(directory))
            return null;
        var path = Path.Combine(directory, name);
        var info = new FileInfo(path);
        if (!info.Exists)
            return null;
        if (info.Length > MaxBytes)
            throw new ConfigurationException($"credential {name}", $"is larger than {MaxBytes / 1024} KiB");
        var text = File.ReadAllText(path).TrimEnd('\r', '\n');
        return text.Length == 0 ? null : text;
    }
}
