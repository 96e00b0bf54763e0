namespace HubManager.Cli;

/// <summary>A client command line that cannot be run as given (exit status 2); the message says what to change.</summary>
public sealed class UsageException(string message) : Exception(message);
