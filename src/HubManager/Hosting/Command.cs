namespace HubManager.Hosting;

/// <summary>What the binary is asked to do: run the daemon (the default), or install or uninstall itself.</summary>
public enum Command { Run, Install, Uninstall }
