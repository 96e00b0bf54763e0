using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace HubManager.Tests.Updates;

/// <summary>
/// A stand-in for File Browser (filebrowser/filebrowser) as the updater sees it, on 127.0.0.1:<see cref="Port"/>,
/// written on a bare socket so that faults can be exact (a body cut at byte N, a TCP reset):
/// <list type="bullet">
/// <item><c>POST /api/login</c> with <c>{"username","password","recaptcha"}</c>: 200 <c>text/plain</c> whose body is
/// the raw JWT (HS256, with <c>exp</c>), or 403 for bad credentials;</item>
/// <item><c>GET /api/raw/PATH</c> with <c>X-Auth</c>: 401 for a missing, forged, expired or revoked token; 202 (not the
/// file) when the user lacks download permission; 404; else the file with <c>Last-Modified</c> and
/// <c>Accept-Ranges</c>, honouring <c>Range: bytes=N-</c> (206 + Content-Range, 416 past the end) and <c>If-Range</c>
/// (200 with the whole file when it does not match), like Go's http.ServeContent that File Browser uses;</item>
/// <item><c>X-Renew-Token: true</c> on answers when <see cref="RenewTokens"/> is set.</item>
/// <item>injected faults: a status, a body cut off or reset, and hostile bodies (FileBrowserNas.Hostile.cs) for the
/// login or any file: stalled after the headers, dripped, or chunked without end.</item>
/// </list>
/// Files come from <see cref="Root"/> (the path after <c>/api/raw</c>). Every request is recorded.
/// </summary>
public sealed partial class FileBrowserNas : IAsyncDisposable
{
    /// <summary>What to do to the next answer(s) for a path.</summary>
    public abstract partial record Fault
    {
        public sealed record Status(int Code) : Fault;
        /// <summary>Announce the whole length, send this many body bytes, then close (a premature end).</summary>
        public sealed record Truncate(long AfterBytes) : Fault;
        /// <summary>Send this many body bytes, then reset the connection (RST).</summary>
        public sealed record Reset(long AfterBytes) : Fault;
    }

    public sealed record Request(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body);

    readonly TcpListener listener;
    readonly byte[] key = RandomNumberGenerator.GetBytes(32);
    readonly CancellationTokenSource stop = new();
    readonly Task accepting;
    readonly ConcurrentDictionary<string, ConcurrentQueue<Fault>> faults = new(StringComparer.Ordinal);
    long revokedBefore;

    /// <summary>Serves <paramref name="root"/> on <paramref name="address"/> (default 127.0.0.1), on a free port.</summary>
    public FileBrowserNas(string root, IPAddress? address = null)
    {
        Root = root;
        listener = new TcpListener(address ?? IPAddress.Loopback, 0);
        Directory.CreateDirectory(root);
        listener.Start();
        accepting = AcceptAsync();
    }

    public string Root { get; }
    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;
    public Uri Url => new($"http://{((IPEndPoint)listener.LocalEndpoint).Address}:{Port}");

    public string Username { get; set; } = "hubupdater";
    public string Password { get; set; } = "s3cret pass";
    public bool CanDownload { get; set; } = true;
    public bool RenewTokens { get; set; }
    /// <summary>When false every token is refused with 401, fresh or not (a server whose secret keeps changing).</summary>
    public bool AcceptTokens { get; set; } = true;
    /// <summary>Whether Range requests are honoured (else ignored: always 200, like a server without range support).</summary>
    public bool SupportsRanges { get; set; } = true;
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(2);
    /// <summary>Slows every body to about this many bytes a second (0: full speed).</summary>
    public int BytesPerSecond { get; set; }

    public ConcurrentQueue<Request> Requests { get; } = new();
    public int Logins => Requests.Count(r => r.Path == "/api/login");

    /// <summary>Queues faults for the next requests of <paramref name="path"/> (e.g. "/api/raw/2.0.11/hub-2.0.11.tar.gz").</summary>
    public void Inject(string path, params Fault[] next)
    {
        var queue = faults.GetOrAdd(path, _ => new ConcurrentQueue<Fault>());
        foreach (var fault in next)
            queue.Enqueue(fault);
    }

    /// <summary>Makes every token issued so far invalid (as a changed password or server secret would).</summary>
    public void RevokeTokens() => Interlocked.Exchange(ref revokedBefore, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1);

    /// <summary>Puts a file under the NAS root (path relative to the root, like File Browser's scope).</summary>
    public string Put(string relativePath, byte[] content)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(stop.Token);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    async Task ServeAsync(Socket socket)
    {
        using var _ = socket;
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            var request = await ReadRequestAsync(stream);
            if (request is null)
                return;
            Requests.Enqueue(request);
            await AnswerAsync(socket, stream, request);
        }
        catch (Exception failure) when (failure is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    async Task AnswerAsync(Socket socket, NetworkStream stream, Request request)
    {
        if (request.Method == "POST" && request.Path == "/api/login")
        {
            if (!TryLogin(request.Body))
                await WriteAsync(stream, 403, "Forbidden", [("Content-Type", "text/plain")], "403 Forbidden\n"u8.ToArray());
            else if (TakeHostile(request.Path) is { } hostile)
                await ServeHostileAsync(stream, hostile, 200, "OK", [("Content-Type", "text/plain")], Encoding.ASCII.GetBytes(IssueToken()));
            else
                await WriteAsync(stream, 200, "OK", [("Content-Type", "text/plain")], Encoding.ASCII.GetBytes(IssueToken()));
            return;
        }
        if (request.Method != "GET" || !request.Path.StartsWith("/api/raw/", StringComparison.Ordinal))
        {
            await WriteAsync(stream, 404, "Not Found", [("Content-Type", "text/plain")], "404 page not found\n"u8.ToArray());
            return;
        }
        if (!request.Headers.TryGetValue("x-auth", out var token) || !ValidToken(token) || !AcceptTokens)
        {
            await WriteAsync(stream, 401, "Unauthorized", [("Content-Type", "text/plain")], "401 Unauthorized\n"u8.ToArray());
            return;
        }
        List<(string, string)> common = RenewTokens ? [("X-Renew-Token", "true")] : [];
        if (faults.TryGetValue(request.Path, out var queue) && queue.TryPeek(out var peeked) && peeked is Fault.Status && queue.TryDequeue(out var statusFault))
        {
            var code = ((Fault.Status)statusFault).Code;
            await WriteAsync(stream, code, "Injected", [.. common, ("Content-Type", "text/plain")], Encoding.ASCII.GetBytes($"{code}\n"));
            return;
        }
        if (!CanDownload)
        {
            // What File Browser's raw handler does when the user lacks the download permission.
            await WriteAsync(stream, 202, "Accepted", common, []);
            return;
        }
        var relative = Uri.UnescapeDataString(request.Path["/api/raw/".Length..]);
        var file = Path.GetFullPath(Path.Combine(Root, relative));
        if (!file.StartsWith(Path.GetFullPath(Root) + "/", StringComparison.Ordinal) || !File.Exists(file))
        {
            await WriteAsync(stream, 404, "Not Found", [.. common, ("Content-Type", "text/plain")], "404 Not Found\n"u8.ToArray());
            return;
        }
        var info = new FileInfo(file);
        var lastModified = new DateTimeOffset(info.LastWriteTimeUtc).ToString("R");
        long from = 0;
        var status = 200;
        if (SupportsRanges && request.Headers.TryGetValue("range", out var range) && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-')
            && long.TryParse(range["bytes=".Length..^1], out var start)
            && (!request.Headers.TryGetValue("if-range", out var ifRange) || ifRange == lastModified))
        {
            if (start >= info.Length)
            {
                await WriteAsync(stream, 416, "Requested Range Not Satisfiable", [.. common, ("Content-Range", $"bytes */{info.Length}")], []);
                return;
            }
            from = start;
            status = 206;
        }
        List<(string, string)> headers = [.. common, ("Content-Type", "application/gzip"), ("Last-Modified", lastModified)];
        if (SupportsRanges)
            headers.Add(("Accept-Ranges", "bytes"));
        if (status == 206)
            headers.Add(("Content-Range", $"bytes {from}-{info.Length - 1}/{info.Length}"));
        if (TakeHostile(request.Path) is { } hostileBody)
        {
            await ServeHostileAsync(stream, hostileBody, status, status == 206 ? "Partial Content" : "OK", headers, File.ReadAllBytes(file)[(int)from..]);
            return;
        }
        Fault? bodyFault = queue is not null && queue.TryPeek(out var next) && next is Fault.Truncate or Fault.Reset && queue.TryDequeue(out var taken) ? taken : null;
        await WriteHeadAsync(stream, status, status == 206 ? "Partial Content" : "OK", headers, info.Length - from);
        await using var content = File.OpenRead(file);
        content.Position = from;
        var limit = bodyFault switch
        {
            Fault.Truncate t => t.AfterBytes,
            Fault.Reset r => r.AfterBytes,
            _ => long.MaxValue,
        };
        var buffer = new byte[BytesPerSecond is > 0 and < 65536 ? Math.Max(1024, BytesPerSecond / 10) : 65536];
        long sent = 0;
        int read;
        while (sent < limit && (read = await content.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit - sent)))) > 0)
        {
            await stream.WriteAsync(buffer.AsMemory(0, read));
            sent += read;
            if (BytesPerSecond > 0)
                await Task.Delay(TimeSpan.FromSeconds((double)read / BytesPerSecond));
        }
        await stream.FlushAsync();
        if (bodyFault is Fault.Reset)
            socket.LingerState = new LingerOption(true, 0); // close() now sends RST instead of FIN
    }

    bool TryLogin(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            return root.GetProperty("username").GetString() == Username && root.GetProperty("password").GetString() == Password
                && root.TryGetProperty("recaptcha", out _);
        }
        catch (Exception invalid) when (invalid is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }

    string IssueToken()
    {
        var now = DateTimeOffset.UtcNow;
        var header = Base64Url("""{"alg":"HS256","typ":"JWT"}"""u8.ToArray());
        var claims = "{\"user\":{\"id\":1,\"username\":\"" + Username + "\",\"perm\":{\"download\":" + (CanDownload ? "true" : "false") + "}},"
            + "\"iss\":\"File Browser\",\"exp\":" + (now + TokenLifetime).ToUnixTimeSeconds() + ",\"iat\":" + now.ToUnixTimeSeconds()
            + ",\"iatms\":" + now.ToUnixTimeMilliseconds() + "}";
        var payload = Base64Url(Encoding.UTF8.GetBytes(claims));
        var signature = Base64Url(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes($"{header}.{payload}")));
        return $"{header}.{payload}.{signature}";
    }

    bool ValidToken(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[2] != Base64Url(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"))))
            return false;
        var padded = parts[1].Replace('-', '+').Replace('_', '/');
        padded = padded.PadRight(padded.Length + (4 - padded.Length % 4) % 4, '=');
        using var json = JsonDocument.Parse(Convert.FromBase64String(padded));
        var exp = json.RootElement.GetProperty("exp").GetInt64();
        var issuedMs = json.RootElement.GetProperty("iatms").GetInt64();
        return DateTimeOffset.UtcNow.ToUnixTimeSeconds() < exp && issuedMs >= Interlocked.Read(ref revokedBefore);
    }

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    static async Task<Request?> ReadRequestAsync(NetworkStream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one) == 0)
                return null;
            head.Add(one[0]);
            if (head.Count > 65536)
                return null;
        }
        var lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n");
        var requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var colon = line.IndexOf(':');
            headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }
        var body = "";
        if (headers.TryGetValue("content-length", out var length) && int.TryParse(length, out var count) && count > 0)
        {
            var buffer = new byte[count];
            await stream.ReadExactlyAsync(buffer);
            body = Encoding.UTF8.GetString(buffer);
        }
        return new Request(requestLine[0], requestLine[1].Split('?')[0], headers, body);
    }

    static async Task WriteAsync(NetworkStream stream, int status, string reason, List<(string, string)> headers, byte[] body)
    {
        await WriteHeadAsync(stream, status, reason, headers, body.Length);
        await stream.WriteAsync(body);
        await stream.FlushAsync();
    }

    static async Task WriteHeadAsync(NetworkStream stream, int status, string reason, List<(string Name, string Value)> headers, long length)
    {
        var head = new StringBuilder($"HTTP/1.1 {status} {reason}\r\n");
        foreach (var (name, value) in headers)
            head.Append($"{name}: {value}\r\n");
        head.Append($"Content-Length: {length}\r\nConnection: close\r\nDate: {DateTimeOffset.UtcNow:R}\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()));
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        try
        {
            await accepting;
        }
        catch (Exception)
        {
        }
    }
}
