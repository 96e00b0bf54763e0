using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using HubManager.Hosting;

namespace HubManager.Updates;

/// <summary>
/// One package coming from the NAS, as a forward-only read stream: every byte handed up is hashed (SHA-256)
/// and counted. When the body is cut short — a reset connection, a premature end, a stall — it asks again
/// from the next byte (<c>Range: bytes=N-</c> with <c>If-Range</c> set to the first answer's ETag or
/// Last-Modified) and carries on, so the decompressor and tar reader above never notice. If the server cannot
/// resume (no validator, a 200 instead of a 206, a 416) the download fails with a sentence saying so.
/// Bounded in time by the NAS's <see cref="NasLimits"/>: a read that brings nothing for the read timeout is a stall
/// (resumed, at most <see cref="MaxResumes"/> times), and a body arriving slower than the minimum rate, averaged
/// over the rate window, fails the download (a NAS dripping a byte at a time would otherwise hold it for ever).
/// Holds one response at a time and no buffer of its own (a signature's SHA-512, when asked for, adds the two chunks of
/// its <see cref="BackgroundHash"/>): memory does not grow with the package.
/// </summary>
public sealed class ReleaseDownload : Stream
{
    public const int MaxResumes = 10;

    readonly NasClient nas;
    readonly Uri uri;
    readonly ILogger logger;
    readonly Action<long, long?> progress;
    readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    readonly string? validator;
    readonly byte[] firstBytes = new byte[2];
    readonly NasLimits limits;
    HttpResponseMessage response;
    Stream body;
    long position;
    int resumes;
    long windowStarted = Stopwatch.GetTimestamp();
    long windowStartPosition;
    BackgroundHash? signatureHash;
    HashAlgorithmName signatureHashName;

    ReleaseDownload(NasClient nas, Uri uri, ILogger logger, Action<long, long?> progress, HttpResponseMessage response, Stream body)
    {
        this.nas = nas;
        this.uri = uri;
        this.logger = logger;
        this.progress = progress;
        this.response = response;
        this.body = body;
        limits = nas.Limits;
        TotalBytes = response.Content.Headers.ContentLength;
        // Only a strong ETag may be used in If-Range; Last-Modified is the fallback validator.
        validator = response.Headers.ETag is { IsWeak: false } etag ? etag.ToString()
            : response.Content.Headers.LastModified is { } modified ? modified.ToString("R") : null;
    }

    /// <summary>GETs the package and checks the answer is the package (200), not a refusal.</summary>
    public static async Task<ReleaseDownload> OpenAsync(NasClient nas, Uri uri, ILogger logger, Action<long, long?> progress, CancellationToken cancellationToken)
    {
        var response = await nas.GetAsync(uri, 0, null, cancellationToken).ConfigureAwait(false);
        try
        {
            NasClient.EnsureSuccess(response, uri);
            if (response.StatusCode != HttpStatusCode.OK)
                throw new NasException($"the NAS answered {(int)response.StatusCode} to a plain GET of {uri.AbsolutePath}");
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new ReleaseDownload(nas, uri, logger, progress, response, body);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>The package's size from Content-Length, when the NAS said.</summary>
    public long? TotalBytes { get; }

    /// <summary>Bytes handed up so far (including resumed ones).</summary>
    public long BytesRead => position;

    /// <summary>How many times the body was resumed.</summary>
    public int Resumes => resumes;

    /// <summary>True when the first two bytes read were gzip's magic number (1f 8b).</summary>
    public bool LooksLikeGzip => position >= 2 && firstBytes[0] == 0x1f && firstBytes[1] == 0x8b;

    /// <summary>Reads what the consumer left unread (gzip padding, trailing bytes) so the hash covers the whole file.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[16384];
        while (await ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
        {
        }
    }

    /// <summary>The SHA-256 of everything read, in lower-case hex; call once the stream is drained.</summary>
    public string Sha256() => Convert.ToHexStringLower(hash.GetCurrentHash());

    /// <summary>
    /// Also hashes every byte with <paramref name="algorithm"/> for the release's signature; call before the first read.
    /// SHA-256 is the hash already computed; any other runs on a second core (<see cref="BackgroundHash"/>).
    /// </summary>
    public void HashForSignature(HashAlgorithmName algorithm)
    {
        signatureHashName = algorithm;
        if (algorithm != HashAlgorithmName.SHA256)
            signatureHash = new BackgroundHash(algorithm);
    }

    /// <summary>The hash asked for by <see cref="HashForSignature"/> of everything read; call once the stream is drained.</summary>
    public async Task<byte[]> SignatureHashAsync() =>
        signatureHash is { } background ? await background.FinishAsync().ConfigureAwait(false)
        : signatureHashName == HashAlgorithmName.SHA256 ? hash.GetCurrentHash()
        : throw new InvalidOperationException("no signature hash was asked for");

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Exception broken;
            try
            {
                using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                stall.CancelAfter(limits.ReadTimeout);
                var read = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
                if (read == 0 && TotalBytes is { } total && position < total)
                    throw new IOException($"the body ended after {position} of {total} bytes");
                if (read > 0)
                {
                    Consume(buffer.Span[..read]);
                    if (signatureHash is not null)
                        await signatureHash.AppendAsync(buffer[..read]).ConfigureAwait(false);
                    CheckRate();
                }
                return read;
            }
            catch (Exception failure) when (!cancellationToken.IsCancellationRequested
                && failure is IOException or HttpRequestException or OperationCanceledException)
            {
                broken = failure is OperationCanceledException ? new IOException($"no data for {limits.ReadTimeout.TotalSeconds:0} s (Nas:ReadTimeoutSeconds)") : failure;
            }
            await ResumeAsync(broken, cancellationToken).ConfigureAwait(false);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    void Consume(ReadOnlySpan<byte> data)
    {
        for (var i = 0; i < data.Length && position + i < 2; i++)
            firstBytes[position + i] = data[i];
        hash.AppendData(data);
        position += data.Length;
        progress(position, TotalBytes);
    }

    /// <summary>
    /// At the end of each rate window, refuses a body that came slower than the minimum rate on average over it.
    /// Checked as reads return; a read that never returns is the read timeout's business.
    /// </summary>
    void CheckRate()
    {
        var elapsed = Stopwatch.GetElapsedTime(windowStarted);
        if (limits.MinBytesPerSecond == 0 || elapsed < limits.RateWindow)
            return;
        var received = position - windowStartPosition;
        if (received < limits.MinBytesPerSecond * elapsed.TotalSeconds)
            throw new NasException($"the NAS sends {uri.AbsolutePath} too slowly: {received} bytes in {elapsed.TotalSeconds:0} s, under the minimum of {limits.MinBytesPerSecond} bytes/s (Nas:MinBytesPerSecond)");
        StartRateWindow();
    }

    void StartRateWindow()
    {
        windowStarted = Stopwatch.GetTimestamp();
        windowStartPosition = position;
    }

    async Task ResumeAsync(Exception broken, CancellationToken cancellationToken)
    {
        if (++resumes > MaxResumes)
            throw new NasException($"the download of {uri.AbsolutePath} broke off {MaxResumes} times; last: {broken.Message}");
        if (validator is null)
            throw new NasException($"the download of {uri.AbsolutePath} broke off after {position} bytes ({broken.Message}) and the NAS gives no ETag or Last-Modified to resume it safely");
        logger.LogWarning("The download of {Path} broke off after {Bytes} bytes ({Reason}); resuming from there", uri.AbsolutePath, position, broken.Message);
        body.Dispose();
        response.Dispose();
        var next = await nas.GetAsync(uri, position, validator, cancellationToken).ConfigureAwait(false);
        try
        {
            if (next.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
                throw new NasException($"the NAS refused to resume {uri.AbsolutePath} at byte {position} (416 Range Not Satisfiable)");
            NasClient.EnsureSuccess(next, uri);
            if (next.StatusCode != HttpStatusCode.PartialContent)
                throw new NasException($"the download of {uri.AbsolutePath} broke off after {position} bytes and the NAS answered {(int)next.StatusCode} instead of 206 to resume it (no Range support, or the package changed)");
            if (next.Content.Headers.ContentRange is not { From: { } from } || from != position)
                throw new NasException($"the NAS resumed {uri.AbsolutePath} at the wrong place ({next.Content.Headers.ContentRange}) instead of byte {position}");
            body = await next.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            response = next;
            // Asking again is not the NAS being slow: the rate is measured afresh on the new body.
            StartRateWindow();
        }
        catch
        {
            next.Dispose();
            throw;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            body.Dispose();
            response.Dispose();
            hash.Dispose();
            signatureHash?.Dispose();
        }
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
