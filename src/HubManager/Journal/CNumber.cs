namespace HubManager.Journal;

/// <summary>
/// Parses numbers in journal fields exactly as systemd's <c>safe_atou64</c> (strtoull with base 0) does, so a
/// sender's odd <c>_SOURCE_REALTIME_TIMESTAMP</c> is accepted or refused just as journalctl would.
/// </summary>
public static class CNumber
{
    /// <summary>
    /// Leading whitespace, an optional <c>0b</c>/<c>0o</c> (systemd) or <c>0x</c>/<c>0</c> (C) base prefix and an
    /// optional <c>+</c>; the whole rest (up to a NUL, where C strings end) must be digits that fit in 64 bits.
    /// A minus sign is refused: strtoull would wrap it to a value no timestamp check accepts anyway.
    /// </summary>
    public static bool TryParseUInt64(ReadOnlySpan<byte> text, out ulong value)
    {
        value = 0;
        if (text.IndexOf((byte)0) is var nul and >= 0)
            text = text[..nul];
        text = text.TrimStart(" \t\n\r"u8);
        var radix = 0;
        if (text.Length >= 2 && text[0] == '0' && (text[1] | 0x20) is 'b' or 'o')
        {
            radix = (text[1] | 0x20) == 'b' ? 2 : 8;
            text = text[2..];
        }
        // strtoull itself skips isspace() and takes a sign.
        text = text.TrimStart(" \t\n\v\f\r"u8);
        if (text.Length > 0 && text[0] == '+')
            text = text[1..];
        else if (text.Length > 0 && text[0] == '-')
            return false;
        if (radix == 0)
        {
            if (text.Length >= 3 && text[0] == '0' && (text[1] | 0x20) == 'x' && DigitValue(text[2]) < 16)
            {
                radix = 16;
                text = text[2..];
            }
            else
                radix = text.Length > 0 && text[0] == '0' ? 8 : 10;
        }
        if (text.IsEmpty)
            return false;
        foreach (var c in text)
        {
            var digit = DigitValue(c);
            if (digit >= radix)
                return false;
            if (value > (ulong.MaxValue - (ulong)digit) / (ulong)radix)
                return false; // ERANGE
            value = value * (ulong)radix + (ulong)digit;
        }
        return true;
    }

    static int DigitValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'z' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'Z' => c - 'A' + 10,
        _ => int.MaxValue,
    };
}
