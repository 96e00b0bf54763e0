using System.Security.Cryptography;

namespace HubManager.Updates;

/// <summary>
/// A second hash of the package (the signature's SHA-512), computed on another core while the download's own core
/// decompresses and extracts: bytes are copied into one of two fixed chunks, and a full chunk is hashed on the thread
/// pool while the other fills. At most one chunk is being hashed at a time, in order, so the result is the hash of
/// the bytes in the order appended. Memory is the two chunks, whatever the package's size.
/// </summary>
public sealed class BackgroundHash(HashAlgorithmName algorithm) : IDisposable
{
    const int ChunkBytes = 512 * 1024;

    readonly IncrementalHash hash = IncrementalHash.CreateHash(algorithm);
    byte[] filling = new byte[ChunkBytes], spare = new byte[ChunkBytes];
    int filled;
    Task pending = Task.CompletedTask;

    /// <summary>Takes a copy of <paramref name="data"/>; waits only when the previous chunk is still being hashed.</summary>
    public async ValueTask AppendAsync(ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            var take = Math.Min(data.Length, ChunkBytes - filled);
            data.Span[..take].CopyTo(filling.AsSpan(filled));
            filled += take;
            data = data[take..];
            if (filled == ChunkBytes)
            {
                await pending.ConfigureAwait(false);
                (filling, spare) = (spare, filling);
                filled = 0;
                var full = spare;
                pending = Task.Run(() => hash.AppendData(full));
            }
        }
    }

    /// <summary>The hash of everything appended; call once, after the last append.</summary>
    public async Task<byte[]> FinishAsync()
    {
        await pending.ConfigureAwait(false);
        hash.AppendData(filling, 0, filled);
        return hash.GetHashAndReset();
    }

    public void Dispose()
    {
        // A chunk still being hashed (a download given up half-way) must be done with the hash before it goes.
        try
        {
            pending.Wait();
        }
        catch (AggregateException)
        {
            // Its failure no longer matters: the download it served has failed already.
        }
        hash.Dispose();
    }
}
