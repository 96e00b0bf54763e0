using System.Text;

namespace HubManager.Cli;

/// <summary>
/// Reads a Server-Sent Events stream as its events arrive: each event's type (<c>event:</c>, null for a plain one), id and
/// data (its <c>data:</c> lines joined with LF); comments (heartbeats) are skipped. A connection that breaks off is a
/// <see cref="ManagerUnreachableException"/>; the server ending the stream is the end.
/// </summary>
public sealed class ServerSentEventReader(HttpResponseMessage response, Stream body, ManagerApi api) : IDisposable
{
    readonly StreamReader reader = new(body, Encoding.UTF8);
    readonly StringBuilder data = new();

    /// <summary>The next event, or null once the server has ended the stream.</summary>
    public (string? Type, string? Id, string Data)? Read()
    {
        string? type = null, id = null;
        var (any, dataLines) = (false, 0);
        data.Clear();
        while (true)
        {
            string? line;
            try
            {
                line = reader.ReadLine();
            }
            catch (IOException broken)
            {
                throw api.Unreachable(broken);
            }
            if (line is null)
                return null;
            if (line.Length == 0)
            {
                if (any)
                    return (type, id, data.ToString());
                continue;
            }
            if (line.StartsWith(':'))
                continue;
            any = true;
            if (line.StartsWith("data:", StringComparison.Ordinal))
                data.Append(dataLines++ > 0 ? "\n" : "").Append(Field(line, 5));
            else if (line.StartsWith("event:", StringComparison.Ordinal))
                type = Field(line, 6);
            else if (line.StartsWith("id:", StringComparison.Ordinal))
                id = Field(line, 3);
        }
    }

    /// <summary>A field's value: after the name and colon, less one leading space.</summary>
    static string Field(string line, int after) => line.Length > after && line[after] == ' ' ? line[(after + 1)..] : line[after..];

    public void Dispose()
    {
        reader.Dispose();
        response.Dispose();
    }
}
