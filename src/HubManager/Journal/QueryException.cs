namespace HubManager.Journal;

/// <summary>A query parameter that cannot be used; the message is a sentence for the caller.</summary>
public sealed class QueryException(string parameter, string message) : Exception(message)
{
    public string Parameter { get; } = parameter;
}
