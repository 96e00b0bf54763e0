using System.Net.Sockets;
using System.Text;

namespace HubManager.Tests.Updates;

/// <summary>
/// The hostile answers of the File Browser stand-in, each for one request of the path it is injected for (the
/// login's <c>/api/login</c> or a file's <c>/api/raw/…</c>), with the real status and headers of that answer:
/// a NAS that never answers, one that stalls after the headers, one that drips the body a byte at a time, and one
/// whose chunked body never ends.
/// </summary>
public sealed partial class FileBrowserNas
{
    public abstract partial record Fault
    {
        /// <summary>Read the request and answer nothing, keeping the connection open until the client leaves.</summary>
        public sealed record Silent : Fault;

        /// <summary>Send the headers (announcing the whole body), then nothing, keeping the connection open until the client leaves.</summary>
        public sealed record Stall : Fault;

        /// <summary>Send the headers, then the body one byte every <paramref name="Every"/>.</summary>
        public sealed record Drip(TimeSpan Every) : Fault;

        /// <summary>Answer with <c>Transfer-Encoding: chunked</c> and chunks of text without end, as fast as the client takes them.</summary>
        public sealed record Endless : Fault;
    }

    long hostileBytes;

    /// <summary>Body bytes sent by hostile answers so far (how much of an endless body the client took).</summary>
    public long HostileBytesSent => Interlocked.Read(ref hostileBytes);

    Fault? TakeHostile(string path) =>
        faults.TryGetValue(path, out var queue) && queue.TryPeek(out var next) && next is Fault.Silent or Fault.Stall or Fault.Drip or Fault.Endless
            && queue.TryDequeue(out var taken) ? taken : null;

    async Task ServeHostileAsync(NetworkStream stream, Fault fault, int status, string reason, List<(string Name, string Value)> headers, byte[] body)
    {
        switch (fault)
        {
            case Fault.Silent:
                await WaitForClientToLeaveAsync(stream);
                return;
            case Fault.Stall:
                await WriteHeadAsync(stream, status, reason, headers, body.Length);
                await stream.FlushAsync();
                await WaitForClientToLeaveAsync(stream);
                return;
            case Fault.Drip drip:
                await WriteHeadAsync(stream, status, reason, headers, body.Length);
                for (var i = 0; i < body.Length; i++)
                {
                    await stream.WriteAsync(body.AsMemory(i, 1), stop.Token);
                    await stream.FlushAsync(stop.Token);
                    Interlocked.Increment(ref hostileBytes);
                    await Task.Delay(drip.Every, stop.Token);
                }
                return;
            case Fault.Endless:
                var head = new StringBuilder($"HTTP/1.1 {status} {reason}\r\n");
                foreach (var (name, value) in headers)
                    head.Append($"{name}: {value}\r\n");
                head.Append("Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), stop.Token);
                // A sha256sum-looking line over and over: 64 KiB per chunk, until the client hangs up.
                var line = Encoding.ASCII.GetBytes(new string('a', 64) + "  hub.tar.gz\n");
                var data = Enumerable.Range(0, 65536 / line.Length).SelectMany(_ => line).ToArray();
                var chunk = Encoding.ASCII.GetBytes($"{data.Length:x}\r\n").Concat(data).Concat("\r\n"u8.ToArray()).ToArray();
                while (true)
                {
                    await stream.WriteAsync(chunk, stop.Token);
                    Interlocked.Add(ref hostileBytes, data.Length);
                }
        }
    }

    /// <summary>Holds the connection open, sending nothing, until the client closes it (or this NAS stops).</summary>
    async Task WaitForClientToLeaveAsync(NetworkStream stream)
    {
        var ignored = new byte[256];
        while (await stream.ReadAsync(ignored, stop.Token) > 0)
        {
        }
    }
}
