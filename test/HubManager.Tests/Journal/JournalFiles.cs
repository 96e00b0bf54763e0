using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using HubManager.Http;
using HubManager.Journal;
using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Journal;

/// <summary>One entry in journal export format: receive time (µs since the epoch) and fields, text or binary.</summary>
public sealed record ExportEntry(ulong Realtime, params (string Name, object Value)[] Fields)
{
    /// <summary>A stdout line of <paramref name="unit"/> as journald records it (identifier, PID, host, priority).</summary>
    public static ExportEntry Line(ulong realtime, string unit, string message, int pid = 100, string identifier = "node") =>
        new(realtime, ("_SYSTEMD_UNIT", unit), ("SYSLOG_IDENTIFIER", identifier), ("_COMM", identifier), ("_PID", pid.ToString()),
            ("_HOSTNAME", "testhost"), ("PRIORITY", "6"), ("_UID", "0"), ("MESSAGE", message));
}

/// <summary>
/// A fixed journal built with <c>systemd-journal-remote -o FILE.journal EXPORT</c> in a fresh directory, read both
/// by the manager's reader (sd_journal_open_directory) and by <c>journalctl -D</c>, to compare their output.
/// </summary>
public sealed class JournalFiles : IDisposable
{
    static readonly string[] RemoteCandidates = ["/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote"];

    JournalFiles(string directory) => Directory = directory;

    public string Directory { get; }

    public static async Task<JournalFiles> WriteAsync(IEnumerable<ExportEntry> entries)
    {
        var files = new JournalFiles(System.IO.Directory.CreateTempSubdirectory("hub-journal-").FullName);
        await files.AddFileAsync("fixed.journal", entries);
        return files;
    }

    /// <summary>Writes <paramref name="entries"/> as one more journal file in the directory; returns its path.</summary>
    public async Task<string> AddFileAsync(string name, IEnumerable<ExportEntry> entries)
    {
        var remote = RemoteCandidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("systemd-journal-remote is missing: apt-get install systemd-journal-remote (.ci/run does).");
        var export = Path.Combine(Directory, name + ".export");
        await File.WriteAllBytesAsync(export, Export(entries));
        var path = Path.Combine(Directory, name);
        (await Shell.RunAsync(remote, ["-o", path, export])).EnsureSuccess("systemd-journal-remote");
        File.Delete(export);
        return path;
    }

    /// <summary><c>journalctl -D DIR -u UNIT -n N -q --no-pager</c> (plus <paramref name="extra"/>) in time zone <paramref name="tz"/>.</summary>
    public async Task<string> JournalctlAsync(string unit, int lines, string tz = "UTC", params string[] extra)
    {
        var start = new ProcessStartInfo("journalctl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["TZ"] = tz, ["LC_ALL"] = "C.UTF-8", ["SYSTEMD_COLORS"] = "0" },
        };
        foreach (var arg in (string[])["-D", Directory, "-u", unit, "-n", lines.ToString(), "-q", "--no-pager", .. extra])
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await copy;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"journalctl exited {process.ExitCode}: {await stderr}");
        return Encoding.UTF8.GetString(stdout.ToArray());
    }

    /// <summary>The manager's <c>/logs</c> body for these files, parsed; read with a fresh handle, or one rented from <paramref name="pool"/>.</summary>
    public async Task<JsonElement> LogsAsync(string unit, string query = "", string tz = "UTC", string? lastEventId = null, JournalPool? pool = null)
    {
        var parsed = JournalQuery.Parse(QueryParameters(query), lastEventId, DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById(tz));
        using var reader = pool is null
            ? JournalReader.Open(JournalHandle.OpenDirectory(Directory), unit, parsed, CancellationToken.None)
            : JournalReader.Open(pool, unit, parsed, CancellationToken.None);
        var body = new MemoryStream();
        var pipe = PipeWriter.Create(body);
        if (parsed.Json)
            await LogsOutput.WriteEntriesAsync(pipe, reader, unit, parsed.Lines, CancellationToken.None);
        else
            await LogsOutput.WriteTextAsync(pipe, reader, new ShortFormatter(TimeZoneInfo.FindSystemTimeZoneById(tz)), unit, parsed.Lines, CancellationToken.None);
        await pipe.CompleteAsync();
        return JsonDocument.Parse(body.ToArray()).RootElement.Clone();
    }

    /// <summary>The <c>logs</c> text of <see cref="LogsAsync"/>.</summary>
    public async Task<string> TextAsync(string unit, string query = "", string tz = "UTC", JournalPool? pool = null) =>
        (await LogsAsync(unit, query, tz, pool: pool)).GetProperty("logs").GetString()!;

    /// <summary>This process's open descriptors of files in the directory; a removed file's link ends in " (deleted)".</summary>
    public string[] OpenByThisProcess() =>
        [.. System.IO.Directory.GetFiles("/proc/self/fd").Select(fd => new FileInfo(fd).LinkTarget).OfType<string>().Where(target => target.StartsWith(Directory + "/"))];

    /// <summary>A query string's parameters, each with every value it was given (as the HTTP layer hands them over).</summary>
    public static IEnumerable<KeyValuePair<string, IReadOnlyList<string?>>> QueryParameters(string query)
    {
        var values = new Dictionary<string, List<string?>>();
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (name, value) = pair.IndexOf('=') is var eq and >= 0 ? (pair[..eq], pair[(eq + 1)..]) : (pair, "");
            name = Uri.UnescapeDataString(name);
            if (!values.TryGetValue(name, out var list))
                values[name] = list = [];
            list.Add(Uri.UnescapeDataString(value));
        }
        return values.Select(p => KeyValuePair.Create(p.Key, (IReadOnlyList<string?>)p.Value));
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    /// <summary>
    /// Journal export format: <c>NAME=value</c> lines, or for values with control bytes <c>NAME</c>, a little-endian
    /// 64-bit length and the raw bytes; entries end with a blank line.
    /// </summary>
    static byte[] Export(IEnumerable<ExportEntry> entries)
    {
        var output = new MemoryStream();
        var monotonic = 1_000_000UL;
        foreach (var entry in entries)
        {
            WriteText(output, "__REALTIME_TIMESTAMP", entry.Realtime.ToString());
            WriteText(output, "__MONOTONIC_TIMESTAMP", (monotonic += 1000).ToString());
            WriteText(output, "_BOOT_ID", "0123456789abcdef0123456789abcdef");
            foreach (var (name, value) in entry.Fields)
            {
                var bytes = value as byte[] ?? Encoding.UTF8.GetBytes((string)value);
                if (bytes.Any(b => b < 32))
                {
                    output.Write(Encoding.ASCII.GetBytes(name + "\n"));
                    var length = new byte[8];
                    BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)bytes.Length);
                    output.Write(length);
                    output.Write(bytes);
                    output.WriteByte((byte)'\n');
                }
                else
                {
                    output.Write(Encoding.ASCII.GetBytes(name + "="));
                    output.Write(bytes);
                    output.WriteByte((byte)'\n');
                }
            }
            output.WriteByte((byte)'\n');
        }
        return output.ToArray();
    }

    static void WriteText(Stream output, string name, string value) => output.Write(Encoding.ASCII.GetBytes($"{name}={value}\n"));
}
