namespace HubManager.Updates;

/// <summary>The NAS did not hand over the package; the message says what it answered, never a secret.</summary>
public sealed class NasException(string message) : Exception(message);
