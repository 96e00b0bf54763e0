namespace HubManager.Cli;

/// <summary>The manager did not answer at its address, or the connection broke off (exit status 4); the message names the address.</summary>
public sealed class ManagerUnreachableException(string message, Exception? inner = null) : Exception(message, inner);
