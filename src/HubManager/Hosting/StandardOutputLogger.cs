namespace HubManager.Hosting;

/// <summary>One category's logger: renders the message and hands the entry to its <see cref="StandardOutputLoggerProvider"/>, which writes the line.</summary>
internal sealed class StandardOutputLogger(StandardOutputLoggerProvider provider, string category) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    // Levels are filtered by the logger factory's rules (Logging:LogLevel, AddFilter) before this is asked.
    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
            return;
        var message = formatter(state, exception);
        if (string.IsNullOrEmpty(message) && exception is null)
            return;
        provider.Write(logLevel, category, eventId.Id, message, exception);
    }
}
