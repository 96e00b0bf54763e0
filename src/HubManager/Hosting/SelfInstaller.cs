using System.Text.Json;
using System.Text.Json.Nodes;
using HubManager.Systemd;
using Microsoft.Extensions.Logging.Abstractions;

namespace HubManager.Hosting;

/// <summary>
/// <c>hub-manager install</c> and <c>uninstall</c>: the dropped-in binary puts itself in place as
/// <c>/usr/bin/hub-manager</c> with the packaged unit and a configuration file, then asks systemd over
/// D-Bus (never by spawning systemctl) to reload, enable and (re)start it, and waits for READY=1.
/// Both are idempotent: running either twice leaves the same machine.
/// </summary>
public sealed class SelfInstaller(TextWriter output)
{
    public const string ServiceName = "ai-hub-manager.service";
    const string BinaryPath = "/usr/bin/hub-manager";
    const string UnitPath = "/etc/systemd/system/" + ServiceName;
    const string ConfigDir = "/etc/hub-manager";
    const string PasswordPath = ConfigDir + "/nas-password";
    const string CompletionPath = "/usr/share/bash-completion/completions/hub-manager";

    /// <summary>The unit as packaged (<c>packaging/ai-hub-manager.service</c>, embedded at build time).</summary>
    public static string UnitTemplate() => Embedded(ServiceName);

    /// <summary>The bash completion as packaged (<c>packaging/bash-completion/hub-manager</c>).</summary>
    public static string BashCompletion() => Embedded("bash-completion");

    static string Embedded(string name)
    {
        using var stream = typeof(SelfInstaller).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded in this build");
        return new StreamReader(stream).ReadToEnd();
    }

    /// <summary>Installs or updates everything, merging <paramref name="settings"/> (--Key=value) into the config file.</summary>
    public async Task InstallAsync(string configPath, string[] settings)
    {
        var config = MergeConfig(configPath, settings);
        // Refuse before touching anything if the result would not start.
        HubManagerOptions.Load(new ConfigurationBuilder().AddJsonStream(new MemoryStream(config)).Build());

        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell where this binary is");
        if (!string.Equals(Path.GetFullPath(self), BinaryPath, StringComparison.Ordinal))
            ReplaceFile(BinaryPath, File.ReadAllBytes(self), mode: UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        Directory.CreateDirectory(ConfigDir);
        ReplaceFile(configPath, config, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        if (!File.Exists(PasswordPath))
            ReplaceFile(PasswordPath, [], UnixFileMode.UserRead | UnixFileMode.UserWrite); // LoadCredential= needs the file
        ReplaceFile(UnitPath, System.Text.Encoding.UTF8.GetBytes(UnitTemplate()), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Directory.CreateDirectory(Path.GetDirectoryName(CompletionPath)!);
        ReplaceFile(CompletionPath, System.Text.Encoding.UTF8.GetBytes(BashCompletion()), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        using var systemd = Connect();
        await systemd.ReloadAsync(CancellationToken.None);
        // Not runtime: the link persists across boots; forced: a stale link is replaced.
        await systemd.EnableUnitFilesAsync([ServiceName], runtime: false, force: true, CancellationToken.None);
        // A restart, not a start: an earlier version that is already running must be replaced.
        var outcome = await new UnitController(systemd, new UnitStatusCache(systemd), ServiceName).RunAsync(UnitJob.Restart, CancellationToken.None);
        if (!outcome.Succeeded)
            throw new InvalidOperationException($"{ServiceName} did not start ({outcome.Error}); see: journalctl -u {ServiceName}");
        output.WriteLine($"{ServiceName} is installed, enabled and running. Try: curl -s http://127.0.0.1:3081/status");
    }

    /// <summary>Stops, disables and removes the unit and the binary; configuration and state stay unless <paramref name="purge"/>.</summary>
    public async Task UninstallAsync(string configPath, bool purge)
    {
        using var systemd = Connect();
        try
        {
            await new UnitController(systemd, new UnitStatusCache(systemd), ServiceName).RunAsync(UnitJob.Stop, CancellationToken.None);
            await systemd.DisableUnitFilesAsync([ServiceName], runtime: false, CancellationToken.None);
        }
        catch (UnitNotFoundException)
        {
            // Already uninstalled: nothing to stop or disable.
        }
        File.Delete(UnitPath);
        await systemd.ReloadAsync(CancellationToken.None);
        File.Delete(BinaryPath);
        File.Delete(CompletionPath);
        if (purge)
        {
            File.Delete(configPath);
            File.Delete(PasswordPath);
            if (Directory.Exists("/var/lib/hub-manager"))
                Directory.Delete("/var/lib/hub-manager", recursive: true);
        }
        output.WriteLine($"{ServiceName} is stopped, disabled and removed{(purge ? ", with its configuration and state" : "; configuration and state are kept (--purge removes them)")}.");
    }

    static SystemdManager Connect() => new(new SystemdConnection(ServiceName, NullLogger<SystemdConnection>.Instance));

    /// <summary>The existing config file (if any) with each --Section:Key=value set, as indented JSON.</summary>
    static byte[] MergeConfig(string path, string[] settings)
    {
        var root = File.Exists(path) ? JsonNode.Parse(File.ReadAllBytes(path)) as JsonObject
            ?? throw new ConfigurationException("--config", $"'{path}' is not a JSON object") : new JsonObject();
        foreach (var setting in settings)
        {
            var (key, value) = (setting[2..setting.IndexOf('=')], setting[(setting.IndexOf('=') + 1)..]);
            var parts = key.Split(':');
            var node = root;
            foreach (var part in parts[..^1])
                node = node[part] as JsonObject ?? (JsonObject)(node[part] = new JsonObject());
            node[parts[^1]] = value;
        }
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            root.WriteTo(writer);
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>Writes a sibling file and renames it over <paramref name="path"/>: readers see the old or the new file, never half of one.</summary>
    static void ReplaceFile(string path, byte[] content, UnixFileMode mode)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        using (var file = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = mode }))
        {
            file.Write(content);
            file.Flush(flushToDisk: true);
        }
        File.SetUnixFileMode(temporary, mode);
        File.Move(temporary, path, overwrite: true);
    }
}
