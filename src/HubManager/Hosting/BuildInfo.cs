using System.Reflection;

// A systemd daemon: Linux is the only platform it runs on, which the platform analyzer should know.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace HubManager.Hosting;

/// <summary>The version baked in at build time; <c>--version</c> and <c>/status</c>'s <c>managerVersion</c> report it.</summary>
public static class BuildInfo
{
    public static string Version { get; } =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
}
