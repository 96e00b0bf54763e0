using System.Buffers;
using System.Text;

namespace HubManager.Journal;

/// <summary>
/// Writes an entry exactly as <c>journalctl -o short --no-pager</c> (systemd 252, output not a terminal) prints it:
/// <c>Mmm dd HH:MM:SS HOST IDENT[PID]: MESSAGE</c> and a newline, in the given time zone with English month names.
/// Continuation lines of a multi-line message are indented to the message column; a message that is not printable
/// text becomes <c>[N blob data]</c>. The message's shown text (TABs expanded, continuation lines indented) is cut at
/// <see cref="JournalEntry.MessageLimit"/> bytes: a 1 MiB message of TABs or newlines would otherwise print as 8 MiB or,
/// indented, hundreds of MiB. Holds a scratch buffer (kept for the next entry, see <see cref="LetGo"/>): one instance
/// per reader, not thread-safe.
/// </summary>
public sealed class ShortFormatter(TimeZoneInfo zone)
{
    /// <summary>journalctl's PRINT_CHAR_THRESHOLD: a host, identifier or PID this long is not shown.</summary>
    const int LongField = 300;

    /// <summary>Scratch up to this size is kept by <see cref="LetGo"/>.</summary>
    const int KeptScratch = 64 * 1024;

    static readonly byte[][] Months =
        [.. "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".Split(' ').Select(Encoding.ASCII.GetBytes)];

    ArrayBufferWriter<byte> message = new();

    /// <summary>Writes the entry's line(s); returns false, writing nothing, for an entry journalctl skips (no MESSAGE).</summary>
    public bool TryFormat(JournalEntry entry, IBufferWriter<byte> output)
    {
        if (!entry.HasMessage)
            return false;
        // Widths are counted in bytes, as journalctl does, also for multi-byte names.
        var width = WriteTimestamp(entry.DisplayRealtime, output);
        if (entry.HasHostname && ShallPrint(entry.Hostname))
            width += WriteSpaced(entry.Hostname, output);
        if (entry.HasIdentifier && ShallPrint(entry.Identifier))
            width += WriteSpaced(entry.Identifier, output);
        else if (entry.HasComm && ShallPrint(entry.Comm))
            width += WriteSpaced(entry.Comm, output);
        else
            output.Write(" unknown"u8); // journalctl does not count this one towards the indent.
        if (entry.HasPid && ShallPrint(entry.Pid))
            width += WriteBracketed(entry.Pid, output);
        else if (entry.HasSyslogPid && ShallPrint(entry.SyslogPid))
            width += WriteBracketed(entry.SyslogPid, output);
        output.Write(": "u8);

        var text = entry.Message;
        // Most messages have nothing to strip (no ESC, TAB or CR) and are shown as they are, without a copy.
        if (text.IndexOfAny((byte)0x1B, (byte)'\t', (byte)'\r') >= 0)
        {
            message.ResetWrittenCount();
            message.GetSpan(text.Length); // one allocation for a large message, not a doubling series
            JournalText.StripTabAnsi(text, message, JournalEntry.MessageLimit);
            text = JournalText.CutAt(message.WrittenSpan, JournalEntry.MessageLimit);
        }
        if (!JournalText.IsPrintable(text))
        {
            Encoding.ASCII.GetBytes(JournalText.BlobPlaceholder(text.Length), output);
            output.Write("\n"u8);
        }
        else
            WriteMultiline(text, width + 2, output);
        return true;
    }

    /// <summary>Lets go of scratch that large messages grew: a follower about to wait calls this.</summary>
    public void LetGo()
    {
        if (message.Capacity > KeptScratch)
            message = new();
    }

    /// <summary>The time as <c>%b %d %H:%M:%S</c> in the formatter's zone; returns the bytes written (15).</summary>
    int WriteTimestamp(ulong realtimeUsec, IBufferWriter<byte> output)
    {
        var utc = DateTime.UnixEpoch.AddTicks((long)(realtimeUsec / 1_000_000) * TimeSpan.TicksPerSecond);
        var local = TimeZoneInfo.ConvertTimeFromUtc(utc, zone);
        var span = output.GetSpan(15);
        Months[local.Month - 1].CopyTo(span);
        span[3] = (byte)' ';
        TwoDigits(span[4..], local.Day);
        span[6] = (byte)' ';
        TwoDigits(span[7..], local.Hour);
        span[9] = (byte)':';
        TwoDigits(span[10..], local.Minute);
        span[12] = (byte)':';
        TwoDigits(span[13..], local.Second);
        output.Advance(15);
        return 15;
    }

    /// <summary>
    /// journalctl's <c>print_multiline</c> at full width: each line ends with a newline, lines after the first are
    /// indented by <paramref name="indent"/> spaces, a final newline adds no empty line, an empty message prints one.
    /// Lines and indents stop at <see cref="JournalEntry.MessageLimit"/> bytes (a line may be cut short there).
    /// </summary>
    static void WriteMultiline(ReadOnlySpan<byte> text, int indent, IBufferWriter<byte> output)
    {
        if (text.IsEmpty)
        {
            output.Write("\n"u8);
            return;
        }
        output.GetSpan(text.Length + 1); // one allocation for a large message, not a doubling series
        var left = JournalEntry.MessageLimit;
        for (var line = 0; !text.IsEmpty && left > 0; line++)
        {
            var end = text.IndexOf((byte)'\n');
            var current = end < 0 ? text : text[..end];
            if (line > 0)
            {
                var spaces = Math.Min(indent, left);
                output.GetSpan(spaces)[..spaces].Fill((byte)' ');
                output.Advance(spaces);
                left -= spaces;
            }
            current = JournalText.CutAt(current, left);
            output.Write(current);
            output.Write("\n"u8);
            left -= current.Length;
            text = end < 0 ? default : text[(end + 1)..];
        }
    }

    static bool ShallPrint(ReadOnlySpan<byte> value) => value.Length < LongField && JournalText.IsPrintable(value);

    static int WriteSpaced(ReadOnlySpan<byte> value, IBufferWriter<byte> output)
    {
        output.Write(" "u8);
        output.Write(value);
        return value.Length + 1;
    }

    static int WriteBracketed(ReadOnlySpan<byte> value, IBufferWriter<byte> output)
    {
        output.Write("["u8);
        output.Write(value);
        output.Write("]"u8);
        return value.Length + 2;
    }

    static void TwoDigits(Span<byte> span, int value)
    {
        span[0] = (byte)('0' + value / 10);
        span[1] = (byte)('0' + value % 10);
    }
}
