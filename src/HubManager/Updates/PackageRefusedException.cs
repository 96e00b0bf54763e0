namespace HubManager.Updates;

/// <summary>A package that must not be installed; the message says which entry and why.</summary>
public sealed class PackageRefusedException(string message) : Exception(message);
