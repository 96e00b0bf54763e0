using System.Net;
using System.Text;

namespace HubManager.Tests.Journal;

/// <summary>One Server-Sent Event as a client sees it: its type (null for a plain message), the id, the data lines joined with LF, or a comment.</summary>
public sealed record ServerSentEvent(string? Id, string Data, string? Comment, DateTime ReceivedUtc, string? Type = null);

/// <summary>A minimal SSE client over HttpClient (read as the bytes arrive, no buffering), for follow tests.</summary>
public sealed class EventStream : IAsyncDisposable
{
    static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = Timeout.InfiniteTimeSpan };

    readonly HttpResponseMessage response;
    readonly StreamReader? reader;

    EventStream(HttpResponseMessage response, StreamReader? reader) => (this.response, this.reader) = (response, reader);

    public HttpStatusCode Status => response.StatusCode;
    public HttpResponseMessage Response => response;

    public static async Task<EventStream> OpenAsync(Uri uri, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (lastEventId is not null)
            request.Headers.Add("Last-Event-ID", lastEventId);
        var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reader = response.IsSuccessStatusCode ? new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8) : null;
        return new EventStream(response, reader);
    }

    /// <summary>The next event or comment; null when the server ended the stream.</summary>
    public async Task<ServerSentEvent?> ReadAsync(TimeSpan timeout)
    {
        if (reader is null)
            throw new InvalidOperationException($"Not an event stream: {(int)Status} {await response.Content.ReadAsStringAsync()}");
        using var deadline = new CancellationTokenSource(timeout);
        string? id = null, comment = null, type = null;
        var data = new List<string>();
        while (await reader.ReadLineAsync(deadline.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (id is not null || data.Count > 0 || comment is not null)
                    return new ServerSentEvent(id, string.Join('\n', data), comment, DateTime.UtcNow, type);
                continue;
            }
            if (line.StartsWith(':'))
                comment = line[1..].Trim();
            else if (line.StartsWith("event: "))
                type = line[7..];
            else if (line.StartsWith("id: "))
                id = line[4..];
            else if (line.StartsWith("data: "))
                data.Add(line[6..]);
            else
                throw new InvalidDataException($"Not an SSE line: {line}");
        }
        return null;
    }

    /// <summary>The next real event (comments skipped).</summary>
    public async Task<ServerSentEvent> ReadEventAsync(TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = until - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"No event within {timeout}.");
            var next = await ReadAsync(left) ?? throw new EndOfStreamException("The server ended the event stream.");
            if (next.Comment is null)
                return next;
        }
    }

    public ValueTask DisposeAsync()
    {
        reader?.Dispose();
        response.Dispose();
        return ValueTask.CompletedTask;
    }
}
