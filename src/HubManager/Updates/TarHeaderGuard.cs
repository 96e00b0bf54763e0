namespace HubManager.Updates;

/// <summary>
/// A forward-only stream between the decompressor and <see cref="System.Formats.Tar.TarReader"/> that follows
/// the tar block structure (512-byte headers, each followed by its data padded to 512 bytes) and passes every
/// byte through unchanged. TarReader reads the data of metadata headers — GNU long names (<c>L</c>) and long
/// link targets (<c>K</c>), pax extended (<c>x</c>) and global (<c>g</c>) headers — wholly into memory before
/// anyone can look at it, so a 64 MiB long name costs over a GiB. This stream refuses such a header whose
/// declared size is over a few KiB in the read that completes its 512 bytes, before TarReader has it.
/// <para>
/// File data is never copied: a read lands in the caller's buffer and only its length is counted. To stay in
/// step with TarReader it parses the size field exactly as TarReader does (octal, or GNU base-256) and skips
/// no data for the entry types TarReader gives none; the one thing that can make TarReader skip a different
/// amount, a pax <c>size</c> record, shows as an entry length other than <see cref="LastHeaderSize"/>, which
/// the extractor checks before it reads any data.
/// </para>
/// </summary>
public sealed class TarHeaderGuard(Stream tar) : Stream
{
    /// <summary>The longest entry name or link target a package may use (PATH_MAX).</summary>
    public const int MaxNameBytes = 4096;

    /// <summary>The most data a GNU long-name or long-link header may declare: the name and GNU tar's closing NUL.</summary>
    public const int MaxLongNameHeaderBytes = MaxNameBytes + 1;

    /// <summary>The most records a pax header may declare: room for a path and a link target of
    /// <see cref="MaxNameBytes"/> each, the times, owners and a few extended attributes.</summary>
    public const int MaxPaxHeaderBytes = 16 * 1024;

    const int BlockSize = 512;

    readonly byte[] header = new byte[BlockSize];
    int headerFill;
    long dataLeft; // data and padding still to pass before the next header
    bool ended;

    /// <summary>Bytes of header data (long names, long link targets, pax records) so far.</summary>
    public long HeaderDataBytes { get; private set; }

    /// <summary>The size field of the last header: the data length of the entry TarReader has just returned.</summary>
    public long LastHeaderSize { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await tar.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Follow(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(Span<byte> buffer)
    {
        var read = tar.Read(buffer);
        Follow(buffer[..read]);
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>Walks the bytes just read: skips data, collects header blocks and judges each complete one.</summary>
    void Follow(ReadOnlySpan<byte> bytes)
    {
        while (bytes.Length > 0 && !ended)
        {
            if (dataLeft > 0)
            {
                var skip = (int)Math.Min(dataLeft, bytes.Length);
                dataLeft -= skip;
                bytes = bytes[skip..];
                continue;
            }
            var take = Math.Min(BlockSize - headerFill, bytes.Length);
            bytes[..take].CopyTo(header.AsSpan(headerFill));
            headerFill += take;
            bytes = bytes[take..];
            if (headerFill == BlockSize)
            {
                headerFill = 0;
                Judge(header);
            }
        }
    }

    void Judge(ReadOnlySpan<byte> block)
    {
        // TarReader's end of the archive: a header without a checksum. It reads nothing after it.
        var checksum = block.Slice(148, 8);
        if (!checksum.ContainsAnyExcept((byte)0) || ParseOctal(checksum) == 0)
        {
            ended = true;
            return;
        }
        var size = ParseSize(block.Slice(124, 12));
        var type = (char)block[156];
        var limit = type switch
        {
            'L' or 'K' => MaxLongNameHeaderBytes,
            'x' or 'g' => MaxPaxHeaderBytes,
            _ => -1,
        };
        if (limit >= 0)
        {
            if (size > limit)
                throw new PackageRefusedException($"the package has a {Describe(type)} of {size} bytes; at most {limit} are allowed");
            HeaderDataBytes += size;
        }
        LastHeaderSize = size;
        // Links, devices, directories and FIFOs have no data section for TarReader (it refuses a size > 0).
        var data = type is >= '1' and <= '6' ? 0 : size;
        dataLeft = data + (BlockSize - data % BlockSize) % BlockSize;
    }

    static string Describe(char type) => type switch
    {
        'L' => "GNU long-name header",
        'K' => "GNU long-link header",
        'x' => "pax extended header",
        _ => "pax global header",
    };

    /// <summary>The size field as TarReader reads it: GNU base-256 when the first byte is 0x80, else octal.</summary>
    static long ParseSize(ReadOnlySpan<byte> field)
    {
        if (field[0] == 0xFF)
            throw new InvalidDataException("a tar header has a negative size");
        if (field[0] != 0x80)
            return ParseOctal(field);
        ulong value = 0;
        foreach (var b in field[1..])
        {
            if (value > (ulong)long.MaxValue >> 8)
                throw new InvalidDataException("a tar header's size does not fit in 63 bits");
            value = value << 8 | b;
        }
        return (long)value;
    }

    /// <summary>Octal digits up to the first NUL, spaces trimmed, as TarReader reads numbers.</summary>
    static long ParseOctal(ReadOnlySpan<byte> field)
    {
        if (field.IndexOf((byte)0) is var nul and >= 0)
            field = field[..nul];
        long value = 0;
        foreach (var digit in field.Trim((byte)' '))
        {
            if (digit is < (byte)'0' or > (byte)'7')
                throw new InvalidDataException("a tar header has a number that is not octal");
            value = value * 8 + (digit - '0'); // at most 12 digits: no overflow
        }
        return value;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
