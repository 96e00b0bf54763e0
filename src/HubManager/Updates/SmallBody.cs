using System.Text;

namespace HubManager.Updates;

/// <summary>
/// Reads a small NAS answer (a login token, a checksum sidecar) whole, bounded while it is read: it is refused as
/// soon as it passes <see cref="MaxBytes"/>, whatever its framing (a chunked body has no Content-Length to refuse
/// early), and as soon as a read brings nothing for the read timeout. Memory never exceeds one buffer of
/// <see cref="MaxBytes"/>.
/// </summary>
public static class SmallBody
{
    /// <summary>The most a login answer or a checksum sidecar may hold; both are a few hundred bytes.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>The body as UTF-8 text; <paramref name="notWhat"/> ends the refusal of a body too large ("it is not a checksum file").</summary>
    public static async Task<string> ReadAsync(HttpResponseMessage response, Uri uri, TimeSpan readTimeout, string notWhat, CancellationToken cancellationToken)
    {
        var tooLarge = $"{uri.AbsolutePath} is larger than {MaxBytes / 1024} KiB; {notWhat}";
        if (response.Content.Headers.ContentLength > MaxBytes)
            throw new NasException(tooLarge);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[MaxBytes + 1];
        var length = 0;
        while (true)
        {
            using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            stall.CancelAfter(readTimeout);
            int read;
            try
            {
                read = await body.ReadAsync(buffer.AsMemory(length), stall.Token).ConfigureAwait(false);
            }
            catch (Exception stalled) when (stalled is OperationCanceledException or IOException
                && stall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new NasException($"the NAS stalled while sending {uri.AbsolutePath}: no data for {readTimeout.TotalSeconds:0} s after {length} bytes (Nas:ReadTimeoutSeconds)");
            }
            catch (Exception broken) when (broken is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                throw new NasException($"reading {uri.AbsolutePath} from the NAS failed after {length} bytes: {broken.Message}");
            }
            if (read == 0)
                return Encoding.UTF8.GetString(buffer, 0, length);
            length += read;
            if (length > MaxBytes)
                throw new NasException(tooLarge);
        }
    }
}
