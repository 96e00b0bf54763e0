using System.Text;
using Microsoft.Extensions.Hosting.Systemd;

namespace HubManager.Hosting;

/// <summary>
/// The manager's log lines, written straight to standard output (where systemd connects journald). Under systemd
/// each entry is one line in the systemd console formatter's format, <c>&lt;6&gt;Category[eventId] message exception</c>:
/// journald takes the sd-daemon(3) <c>&lt;N&gt;</c> prefix as the priority, and newlines in messages and exceptions
/// become spaces so that an entry stays one journal record. Outside systemd the line reads
/// <c>info: Category[eventId] message</c>. (Named for where it writes, in both modes; reading the journal is
/// <c>HubManager.Journal</c>'s business.)
/// It replaces Microsoft.Extensions.Logging.Console, whose options, three formatters and queue thread cost
/// about 3 ms of start-up and 1.7 MiB of resident memory (measured by <c>make bench</c>) for a daemon that
/// writes a handful of lines; here a line is one <c>write(2)</c>, under a lock so that lines never interleave.
/// </summary>
public sealed class StandardOutputLoggerProvider(Stream output, bool priorityPrefix) : ILoggerProvider
{
    readonly Lock gate = new();

    /// <summary>Writes to this process's standard output, with the <c>&lt;N&gt;</c> priority prefix when systemd runs us.</summary>
    public static StandardOutputLoggerProvider Create() => new(Console.OpenStandardOutput(), SystemdHelpers.IsSystemdService());

    public ILogger CreateLogger(string categoryName) => new StandardOutputLogger(this, categoryName);

    public void Dispose()
    {
    }

    /// <summary>Formats one entry as one line; <paramref name="message"/> and <paramref name="exception"/> may each be absent.</summary>
    public static string Format(bool priorityPrefix, LogLevel level, string category, int eventId, string? message, Exception? exception)
    {
        var line = new StringBuilder(category.Length + (message?.Length ?? 0) + 16);
        line.Append(priorityPrefix ? Priority(level) : Label(level) + ": ").Append(category).Append('[').Append(eventId).Append(']');
        if (!string.IsNullOrEmpty(message))
            line.Append(' ').Append(message.Replace(Environment.NewLine, " ", StringComparison.Ordinal));
        if (exception is not null)
            line.Append(' ').Append(exception.ToString().Replace(Environment.NewLine, " ", StringComparison.Ordinal));
        return line.Append('\n').ToString();
    }

    internal void Write(LogLevel level, string category, int eventId, string? message, Exception? exception)
    {
        var bytes = Encoding.UTF8.GetBytes(Format(priorityPrefix, level, category, eventId, message, exception));
        lock (gate)
        {
            try
            {
                output.Write(bytes);
            }
            catch (IOException)
            {
                // Nobody reads standard output any more (journald restarted, pipe closed): nothing to tell.
            }
        }
    }

    // RFC 5424 severities, as the systemd console formatter maps them.
    static string Priority(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "<7>",
        LogLevel.Information => "<6>",
        LogLevel.Warning => "<4>",
        LogLevel.Error => "<3>",
        _ => "<2>",
    };

    static string Label(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };
}
