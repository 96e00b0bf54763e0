namespace HubManager.Signatures;

/// <summary>
/// Reads the SSH wire encoding (RFC 4251 §5: <c>uint32</c>, length-prefixed <c>string</c>, <c>mpint</c>) from a span,
/// never past its end: every length is checked against what is left, so a hostile blob can only make it throw a
/// <see cref="SignatureException"/> whose message starts with <paramref name="what"/>.
/// </summary>
public ref struct SshWireReader(ReadOnlySpan<byte> data, string what)
{
    ReadOnlySpan<byte> rest = data;

    /// <summary>True when every byte has been read (trailing bytes make a blob malformed).</summary>
    public readonly bool AtEnd => rest.IsEmpty;

    public uint ReadUInt32()
    {
        if (rest.Length < 4)
            throw Malformed("it ends inside a length");
        var value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(rest);
        rest = rest[4..];
        return value;
    }

    /// <summary>A length-prefixed byte string.</summary>
    public ReadOnlySpan<byte> ReadString()
    {
        var length = ReadUInt32();
        if (length > (uint)rest.Length)
            throw Malformed($"a field claims {length} bytes where {rest.Length} are left");
        var value = rest[..(int)length];
        rest = rest[(int)length..];
        return value;
    }

    /// <summary>A length-prefixed ASCII name (a key type, an algorithm, a namespace), at most 256 bytes.</summary>
    public string ReadName()
    {
        var bytes = ReadString();
        if (bytes.Length > 256)
            throw Malformed("a name is longer than 256 bytes");
        foreach (var b in bytes)
            if (b is < 0x20 or > 0x7e)
                throw Malformed("a name holds a byte that is not printable ASCII");
        return System.Text.Encoding.ASCII.GetString(bytes);
    }

    /// <summary>A non-negative <c>mpint</c> as its unsigned big-endian magnitude (leading zero bytes removed).</summary>
    public ReadOnlySpan<byte> ReadPositiveMpint()
    {
        var bytes = ReadString();
        if (bytes.Length > 0 && (bytes[0] & 0x80) != 0)
            throw Malformed("a number is negative");
        while (bytes.Length > 0 && bytes[0] == 0)
            bytes = bytes[1..];
        return bytes;
    }

    public readonly SignatureException Malformed(string why) => new($"{what} is malformed: {why}");
}
