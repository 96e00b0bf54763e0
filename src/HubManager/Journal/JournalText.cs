using System.Buffers;

namespace HubManager.Journal;

/// <summary>
/// Ports of the systemd 252 text helpers that decide what journalctl's <c>short</c> output shows:
/// <c>strip_tab_ansi</c>, <c>utf8_is_printable</c> and <c>format_bytes</c>. Byte-exact on purpose; the quirks
/// (kept carriage returns mid-line, NUL accepted inside a colour sequence) are journalctl's.
/// </summary>
public static class JournalText
{
    const byte Escape = 0x1B;

    enum StripState { Other, Escape, Csi, Cso }

    /// <summary>
    /// Writes <paramref name="input"/> with TABs as 8 spaces, ANSI colour (ESC [ … m) and OSC (ESC ] … BEL)
    /// sequences removed, and carriage returns dropped at the end and before a newline.
    /// Truncated or foreign sequences are left as they are. Stops once <paramref name="limit"/> bytes are written (TABs
    /// alone would make 8 MiB of a 1 MiB message); the output may then end inside a character.
    /// </summary>
    public static void StripTabAnsi(ReadOnlySpan<byte> input, ArrayBufferWriter<byte> output, int limit)
    {
        var state = StripState.Other;
        int begin = 0, carriageReturns = 0;
        // One step past the end, so that a sequence cut off by the end of the message is put back.
        for (var i = 0; i <= input.Length && output.WrittenCount < limit; i++)
        {
            var atEnd = i == input.Length;
            var c = atEnd ? (byte)0 : input[i];
            switch (state)
            {
                case StripState.Other:
                    if (atEnd)
                        break;
                    if (c == '\r')
                    {
                        carriageReturns++;
                        break;
                    }
                    if (c == '\n')
                        carriageReturns = 0;
                    for (; carriageReturns > 0; carriageReturns--)
                        output.Write("\r"u8);
                    if (c == Escape)
                        state = StripState.Escape;
                    else if (c == '\t')
                        output.Write("        "u8);
                    else
                        output.Write([c]);
                    break;

                case StripState.Escape:
                    if (atEnd)
                        output.Write([Escape]);
                    else if (c == '[')
                        (state, begin) = (StripState.Csi, i + 1);
                    else if (c == ']')
                        (state, begin) = (StripState.Cso, i + 1);
                    else
                    {
                        output.Write([Escape, c]);
                        state = StripState.Other;
                    }
                    break;

                case StripState.Csi:
                    // systemd tests strchr("01234567890;m", c), which also finds the terminating NUL.
                    if (atEnd || !(c is >= (byte)'0' and <= (byte)'9' or (byte)';' or (byte)'m' or 0))
                    {
                        output.Write([Escape, (byte)'[']);
                        state = StripState.Other;
                        i = begin - 1;
                    }
                    else if (c == 'm')
                        state = StripState.Other;
                    break;

                case StripState.Cso:
                    if (atEnd || (c != '\a' && c < 32) || c > 126)
                    {
                        output.Write([Escape, (byte)']']);
                        state = StripState.Other;
                        i = begin - 1;
                    }
                    else if (c == '\a')
                        state = StripState.Other;
                    break;
            }
        }
    }

    /// <summary>
    /// systemd's <c>utf8_is_printable</c> (newlines allowed): valid UTF-8 without overlong forms, surrogates,
    /// U+FDD0–U+FDEF or U+xFFFE/U+xFFFF, and no control character other than TAB and LF (C0, DEL, C1).
    /// </summary>
    public static bool IsPrintable(ReadOnlySpan<byte> text)
    {
        while (!text.IsEmpty)
        {
            var length = EncodedLength(text[0]);
            if (length == 0 || length > text.Length)
                return false;
            uint value;
            if (length == 1)
                value = text[0];
            else
            {
                value = text[0] & (0xFFu >> (length + 1));
                for (var i = 1; i < length; i++)
                {
                    if ((text[i] & 0xC0) != 0x80)
                        return false;
                    value = (value << 6) | (text[i] & 0x3Fu);
                }
                if (MinimalLength(value) != length || !IsValidScalar(value))
                    return false;
            }
            if ((value < ' ' && value is not '\t' and not '\n') || value is >= 0x7F and <= 0x9F)
                return false;
            text = text[length..];
        }
        return true;
    }

    /// <summary>
    /// The longest start of <paramref name="text"/> of at most <paramref name="limit"/> bytes that does not end inside a
    /// UTF-8 character: a cut there keeps valid text valid. Text that is not UTF-8 is cut at <paramref name="limit"/>.
    /// </summary>
    public static ReadOnlySpan<byte> CutAt(ReadOnlySpan<byte> text, int limit)
    {
        if (text.Length <= limit)
            return text;
        // Continuation bytes (10xxxxxx) at the cut belong to a character that started before it: cut before that.
        var end = limit;
        while (end > 0 && limit - end < 3 && (text[end] & 0xC0) == 0x80)
            end--;
        return text[..((text[end] & 0xC0) == 0x80 ? limit : end)];
    }

    /// <summary>journalctl's stand-in for a message that is not printable: <c>[N blob data]</c> with <see cref="FormatBytes"/>.</summary>
    public static string BlobPlaceholder(int length) => $"[{FormatBytes((ulong)length)} blob data]";

    /// <summary>systemd's <c>FORMAT_BYTES</c>: <c>512B</c>, <c>1.5K</c>, <c>2.0M</c> (IEC factors, one decimal, truncated).</summary>
    public static string FormatBytes(ulong bytes)
    {
        ReadOnlySpan<char> suffixes = ['E', 'P', 'T', 'G', 'M', 'K'];
        for (var i = 0; i < suffixes.Length; i++)
        {
            var factor = 1UL << (10 * (suffixes.Length - i));
            if (bytes < factor)
                continue;
            var tenths = i != suffixes.Length - 1
                ? bytes / (factor >> 10) * 10 / 1024 % 10
                : bytes * 10 / factor % 10;
            return $"{bytes / factor}.{tenths}{suffixes[i]}";
        }
        return $"{bytes}B";
    }

    /// <summary>The sequence length a lead byte announces (systemd still knows the old 5- and 6-byte forms), 0 if none.</summary>
    static int EncodedLength(byte lead) => lead switch
    {
        < 0x80 => 1,
        _ when (lead & 0xE0) == 0xC0 => 2,
        _ when (lead & 0xF0) == 0xE0 => 3,
        _ when (lead & 0xF8) == 0xF0 => 4,
        _ when (lead & 0xFC) == 0xF8 => 5,
        _ when (lead & 0xFE) == 0xFC => 6,
        _ => 0,
    };

    static int MinimalLength(uint value) => value switch
    {
        < 0x80 => 1,
        < 0x800 => 2,
        < 0x10000 => 3,
        < 0x200000 => 4,
        < 0x4000000 => 5,
        _ => 6,
    };

    static bool IsValidScalar(uint value) =>
        value < 0x110000 && (value & 0xFFFFF800) != 0xD800 && value is not (>= 0xFDD0 and <= 0xFDEF) && (value & 0xFFFE) != 0xFFFE;
}
