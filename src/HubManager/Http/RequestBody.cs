using System.Buffers;

namespace HubManager.Http;

/// <summary>Reads a request's whole body for the endpoints that take a small JSON object.</summary>
public static class RequestBody
{
    /// <summary>
    /// Reads the whole body. A Content-Length over 64 KiB never gets here (RequestGuard); a longer chunked body, or
    /// one too slow, makes Kestrel throw (ServerLimits), which the router answers with 413 or 408.
    /// </summary>
    public static async Task<byte[]> ReadAsync(HttpContext context)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        while (true)
        {
            var memory = buffer.GetMemory(4096);
            var read = await context.Request.Body.ReadAsync(memory, context.RequestAborted);
            if (read == 0)
                return buffer.WrittenSpan.ToArray();
            buffer.Advance(read);
        }
    }
}
