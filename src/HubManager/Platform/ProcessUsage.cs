using static HubManager.Platform.Libc;

namespace HubManager.Platform;

/// <summary>
/// The manager process's own use of the machine, as Prometheus' standard <c>process_*</c> metrics report it, cheap
/// enough to read on every scrape: resident memory is one small read of <c>/proc/self/statm</c>, CPU time one
/// <c>getrusage</c>, open descriptors a listing of <c>/proc/self/fd</c> that allocates nothing per entry, and the start
/// time is worked out once. Only <c>/proc/self</c> is read, which the packaged unit's <c>ProcSubset=pid</c> leaves
/// visible (<c>/proc/stat</c> and its boot time are not). A figure that cannot be read is reported as absent, not as 0.
/// </summary>
public static class ProcessUsage
{
    /// <summary>The unit of <c>/proc</c>'s clock ticks: <c>USER_HZ</c>, 100 in the kernel's ABI on every architecture .NET runs on.</summary>
    const long UserHz = 100;

    static DateTimeOffset? startTime;
    static bool startTimeRead;

    /// <summary>Resident set size in bytes (<c>statm</c>'s second field, in pages).</summary>
    public static bool TryResidentBytes(out long bytes)
    {
        var text = ReadSmall("/proc/self/statm", stackalloc byte[128]);
        var space = text.IndexOf((byte)' ');
        bytes = 0;
        if (space < 0 || !TryParseDigits(text[(space + 1)..], out var pages))
            return false;
        bytes = pages * Environment.SystemPageSize;
        return true;
    }

    /// <summary>User plus system CPU time of every thread so far.</summary>
    public static TimeSpan CpuTime => Environment.CpuUsage.TotalTime;

    /// <summary>Open file descriptors, not counting the one this listing holds while it counts.</summary>
    public static unsafe bool TryOpenDescriptors(out long count)
    {
        count = 0;
        var directory = opendir("/proc/self/fd");
        if (directory == 0)
            return false;
        try
        {
            // Every entry but "." and ".." is a descriptor number.
            for (var entry = readdir(directory); entry != null; entry = readdir(directory))
            {
                if (entry[19] != (byte)'.')
                    count++;
            }
        }
        finally
        {
            closedir(directory);
        }
        count--;
        return true;
    }

    /// <summary>The soft limit on open descriptors now in force.</summary>
    public static long MaxDescriptors => OpenFileLimit.Current();

    /// <summary>When the process started; null when <c>/proc/self/stat</c> cannot be read.</summary>
    public static DateTimeOffset? StartTime
    {
        get
        {
            if (!Volatile.Read(ref startTimeRead))
            {
                startTime = ReadStartTime();
                Volatile.Write(ref startTimeRead, true);
            }
            return startTime;
        }
    }

    /// <summary>
    /// <c>/proc/self/stat</c>'s 22nd field is the start in clock ticks since boot (on <c>CLOCK_BOOTTIME</c>); the boot's
    /// wall-clock time is now minus the time since boot, which needs no <c>/proc/stat</c>.
    /// </summary>
    static DateTimeOffset? ReadStartTime()
    {
        var text = ReadSmall("/proc/self/stat", stackalloc byte[1024]);
        // The command name (field 2) is in parentheses and may hold spaces or ')': count fields after the last ')'.
        var close = text.LastIndexOf((byte)')');
        if (close < 0 || close + 2 > text.Length)
            return null;
        var fields = text[(close + 2)..];
        for (var field = 3; field < 22; field++)
        {
            var space = fields.IndexOf((byte)' ');
            if (space < 0)
                return null;
            fields = fields[(space + 1)..];
        }
        if (!TryParseDigits(fields, out var startTicks) || clock_gettime(ClockBootTime, out var sinceBoot) != 0)
            return null;
        var booted = DateTimeOffset.UtcNow - TimeSpan.FromSeconds(sinceBoot.Seconds) - TimeSpan.FromTicks(sinceBoot.Nanoseconds / 100);
        return booted + TimeSpan.FromTicks(startTicks * (TimeSpan.TicksPerSecond / UserHz));
    }

    /// <summary>
    /// The decimal number at the start of <paramref name="text"/> (up to a space or a line end). By hand rather than
    /// Utf8Parser, which brings every format of every integer type into the binary.
    /// </summary>
    static bool TryParseDigits(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        var digits = 0;
        for (; digits < text.Length && text[digits] is >= (byte)'0' and <= (byte)'9'; digits++)
        {
            if (value > (long.MaxValue - 9) / 10)
                return false;
            value = value * 10 + (text[digits] - '0');
        }
        return digits > 0;
    }

    /// <summary>
    /// A small <c>/proc</c> file in one read (the kernel makes it in one go); empty when it cannot be read. Plain
    /// open(2) and read(2): <see cref="File.OpenHandle"/> would add an fstat and a flock pair on every scrape.
    /// </summary>
    static unsafe ReadOnlySpan<byte> ReadSmall(string path, Span<byte> buffer)
    {
        var fd = open(path, OReadOnly | OCloseOnExec);
        if (fd < 0)
            return [];
        nint length;
        fixed (byte* start = buffer)
            length = read(fd, start, (nuint)buffer.Length);
        close(fd);
        return length > 0 ? buffer[..(int)length] : [];
    }
}
