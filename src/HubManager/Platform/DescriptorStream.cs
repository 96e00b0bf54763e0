using System.Runtime.InteropServices;

namespace HubManager.Platform;

/// <summary>
/// A write-only stream over an inherited descriptor (the command line's 1 and 2) that writes with <c>write(2)</c>,
/// like any other program. A <see cref="FileStream"/> over a regular file writes with <c>pwrite</c> at a position of
/// its own, which does not move the descriptor's shared offset: in <c>{ echo a; hub-manager status; echo b; } &gt;log</c>
/// the shell's next write would land on top of this program's output. .NET's console stream writes with
/// <c>write(2)</c> too, but first sets a terminal up (keypad mode) on a terminal, which a one-shot command must not do.
/// </summary>
public sealed class DescriptorStream(int descriptor) : Stream
{
    const int EINTR = 4;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            for (var written = 0; written < buffer.Length;)
            {
                var result = Libc.write(descriptor, start + written, (nuint)(buffer.Length - written));
                if (result >= 0)
                    written += (int)result;
                else if (Marshal.GetLastPInvokeError() != EINTR)
                    throw new IOException($"cannot write to descriptor {descriptor}: {Marshal.GetLastPInvokeErrorMessage()}");
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
