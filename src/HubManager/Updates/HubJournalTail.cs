using System.Text;
using HubManager.Journal;

namespace HubManager.Updates;

/// <summary>
/// The hub's last journal messages since a moment, for the report of an unhealthy release ("why did it die?").
/// Best effort: a journal that cannot be read yields a line saying so, never a failed rollback. At most
/// <see cref="Lines"/> lines of at most <see cref="LineChars"/> characters each, so that the status holding them stays small.
/// </summary>
public static class HubJournalTail
{
    public const int Lines = 20, LineChars = 1024;

    public static IReadOnlyList<string> Read(string unit, DateTimeOffset since)
    {
        try
        {
            var query = new JournalQuery { Lines = Lines, SinceUsec = (ulong)(since.ToUnixTimeMilliseconds() * 1000) };
            using var reader = JournalReader.Open(JournalHandle.OpenLocal(), unit, query, CancellationToken.None);
            var lines = new List<string>();
            while (reader.TryRead(CancellationToken.None))
            {
                if (reader.Entry.HasMessage)
                {
                    var line = Encoding.UTF8.GetString(reader.Entry.Message);
                    lines.Add(line.Length > LineChars ? line[..LineChars] + "…" : line);
                }
            }
            return lines.Count > Lines ? lines[^Lines..] : lines;
        }
        catch (Exception failure) when (failure is JournalException or QueryException or DllNotFoundException or EntryPointNotFoundException)
        {
            return [$"(the journal of {unit} could not be read: {failure.Message})"];
        }
    }
}
