using System.Security.Cryptography;

namespace HubManager.Updates;

/// <summary>
/// A second hash of the package (the signature's SHA-512), computed on another core while the download's own core
/// decompresses and extracts: bytes are copied into a ring of fixed chunks, and each full chunk is hashed on the
/// thread pool, in order, one after the other (a chain of continuations), while the next ones fill. The download waits
/// only when it is a whole ring ahead of the hashing, so the thread pool's dispatch delays on a busy machine are
/// absorbed rather than paid per chunk. Memory is the ring, allocated as it fills, whatever the package's size.
/// </summary>
public sealed class BackgroundHash(HashAlgorithmName algorithm) : IDisposable
{
    const int ChunkBytes = 512 * 1024, Chunks = 8;

    readonly IncrementalHash hash = IncrementalHash.CreateHash(algorithm);
    readonly byte[]?[] chunks = new byte[Chunks][];
    readonly Task[] hashed = [Task.CompletedTask, Task.CompletedTask, Task.CompletedTask, Task.CompletedTask,
        Task.CompletedTask, Task.CompletedTask, Task.CompletedTask, Task.CompletedTask];
    Task last = Task.CompletedTask;
    int current, filled, oldest;

    /// <summary>Takes a copy of <paramref name="data"/>; waits only when every chunk of the ring is still to be hashed.</summary>
    public async ValueTask AppendAsync(ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            var chunk = chunks[current] ??= new byte[ChunkBytes];
            var take = Math.Min(data.Length, ChunkBytes - filled);
            data.Span[..take].CopyTo(chunk.AsSpan(filled));
            filled += take;
            data = data[take..];
            if (filled < ChunkBytes)
                continue;
            last = last.ContinueWith(static (_, state) => ((BackgroundHash)state!).HashOldest(), this,
                CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            hashed[current] = last;
            current = (current + 1) % Chunks;
            filled = 0;
            await hashed[current].ConfigureAwait(false);
        }
    }

    /// <summary>Runs on the chain, one at a time and in ring order: hashes the oldest full chunk.</summary>
    void HashOldest()
    {
        hash.AppendData(chunks[oldest]!);
        oldest = (oldest + 1) % Chunks;
    }

    /// <summary>The hash of everything appended; call once, after the last append.</summary>
    public async Task<byte[]> FinishAsync()
    {
        await last.ConfigureAwait(false);
        if (filled > 0)
            hash.AppendData(chunks[current]!, 0, filled);
        return hash.GetHashAndReset();
    }

    public void Dispose()
    {
        // A chunk still being hashed (a download given up half-way) must be done with the hash before it goes.
        try
        {
            last.Wait();
        }
        catch (AggregateException)
        {
            // Its failure no longer matters: the download it served has failed already.
        }
        hash.Dispose();
    }
}
