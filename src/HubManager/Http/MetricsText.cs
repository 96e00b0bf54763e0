using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace HubManager.Http;

/// <summary>
/// Writes the Prometheus text exposition format (version 0.0.4) as UTF-8 straight into a buffer: a family's
/// <c># HELP</c> and <c># TYPE</c> lines, then its samples, one per line. Label values are escaped as the format
/// requires (backslash, double quote, line feed); names and help texts are the manager's own constants, passed as
/// UTF-8 literals. Numbers are formatted in place (seconds as exact decimals): nothing is allocated per line.
/// </summary>
public readonly struct MetricsText(IBufferWriter<byte> output)
{
    /// <summary>The media type Prometheus expects for this format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>A family's two header lines; <paramref name="type"/> is <c>counter</c> or <c>gauge</c>.</summary>
    public void Family(ReadOnlySpan<byte> name, ReadOnlySpan<byte> type, ReadOnlySpan<byte> help)
    {
        Write("# HELP "u8);
        Write(name);
        Write(" "u8);
        Write(help);
        Write("\n# TYPE "u8);
        Write(name);
        Write(" "u8);
        Write(type);
        Write("\n"u8);
    }

    public void Sample(ReadOnlySpan<byte> name, long value)
    {
        Write(name);
        Write(" "u8);
        End(value);
    }

    /// <summary>A time or a duration as decimal seconds, exact to the tick (100 ns): no binary floating point on the way.</summary>
    public void Sample(ReadOnlySpan<byte> name, TimeSpan seconds)
    {
        Write(name);
        Write(" "u8);
        var ticks = seconds.Ticks;
        if (ticks < 0)
        {
            Write("-"u8);
            ticks = -ticks;
        }
        var span = output.GetSpan(29);
        Utf8Formatter.TryFormat(ticks / TimeSpan.TicksPerSecond, span, out var written);
        if (ticks % TimeSpan.TicksPerSecond is var fraction and not 0)
        {
            span[written++] = (byte)'.';
            Utf8Formatter.TryFormat(fraction, span[written..], out var digits, new StandardFormat('D', 7));
            written += digits;
            while (span[written - 1] == (byte)'0')
                written--;
        }
        span[written] = (byte)'\n';
        output.Advance(written + 1);
    }

    public void Sample(ReadOnlySpan<byte> name, ReadOnlySpan<byte> label, string labelValue, long value)
    {
        Write(name);
        Label("{"u8, label, labelValue);
        Write("} "u8);
        End(value);
    }

    public void Sample(ReadOnlySpan<byte> name, ReadOnlySpan<byte> label, string labelValue, ReadOnlySpan<byte> label2, string label2Value, long value)
    {
        Write(name);
        Label("{"u8, label, labelValue);
        Label(","u8, label2, label2Value);
        Write("} "u8);
        End(value);
    }

    /// <summary>A sample whose second label value is a number (a status code), formatted in place.</summary>
    public void Sample(ReadOnlySpan<byte> name, ReadOnlySpan<byte> label, string labelValue, ReadOnlySpan<byte> label2, int label2Value, long value)
    {
        Write(name);
        Label("{"u8, label, labelValue);
        Write(","u8);
        Write(label2);
        Write("=\""u8);
        var span = output.GetSpan(11);
        Utf8Formatter.TryFormat(label2Value, span, out var written);
        output.Advance(written);
        Write("\"} "u8);
        End(value);
    }

    void Label(ReadOnlySpan<byte> separator, ReadOnlySpan<byte> label, string value)
    {
        Write(separator);
        Write(label);
        Write("=\""u8);
        var rest = value.AsSpan();
        while (true)
        {
            var special = rest.IndexOfAny('\\', '"', '\n');
            WriteUtf8(special < 0 ? rest : rest[..special]);
            if (special < 0)
                break;
            Write(rest[special] switch { '\\' => "\\\\"u8, '"' => "\\\""u8, _ => "\\n"u8 });
            rest = rest[(special + 1)..];
        }
        Write("\""u8);
    }

    void End(long value)
    {
        var span = output.GetSpan(21);
        Utf8Formatter.TryFormat(value, span, out var written);
        span[written] = (byte)'\n';
        output.Advance(written + 1);
    }

    void WriteUtf8(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
            return;
        // Lone surrogates become U+FFFD: the format is UTF-8, and a version string is not trusted to be valid.
        var written = Encoding.UTF8.GetBytes(text, output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length)));
        output.Advance(written);
    }

    void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }
}
