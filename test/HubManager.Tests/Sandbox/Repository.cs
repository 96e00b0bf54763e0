namespace HubManager.Tests.Sandbox;

/// <summary>Where the repository, the shipped binary and the sandbox harness are.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>The AOT binary as shipped by <c>make publish</c> (override with HUBMANAGER_BINARY).</summary>
    public static string ManagerBinary =>
        Environment.GetEnvironmentVariable("HUBMANAGER_BINARY") is { Length: > 0 } path ? Path.GetFullPath(path) : Path.Combine(Root, "artifacts", "hub-manager");

    public static string SandboxScript => Path.Combine(Root, "test", "sandbox", "hub-sandbox");

    public static string DemoHub => Path.Combine(Root, "test", "sandbox", "demo-hub");

    public static bool IsRoot => Environment.UserName == "root" || geteuid() == 0;

    [System.Runtime.InteropServices.DllImport("libc")]
    static extern uint geteuid();

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HubManager.slnx")))
                return dir.FullName;
        }
        throw new InvalidOperationException("Cannot find the repository root (HubManager.slnx) above " + AppContext.BaseDirectory);
    }
}
