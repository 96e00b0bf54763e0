using System.Runtime.InteropServices;

namespace HubManager.Journal;

/// <summary>
/// The slice of libsystemd's sd-journal C API that <c>/logs</c> needs, bound with source-generated
/// <see cref="LibraryImportAttribute"/> stubs (no runtime marshalling, so Native AOT stays warning-free).
/// Every call returns a negative errno on failure, as in C; <see cref="Check"/> turns that into an exception.
/// Calls take the raw <c>sd_journal*</c> of a <see cref="JournalHandle"/> its user holds a reference on for as long
/// as it reads (<see cref="JournalHandle.Use"/>): a <see cref="SafeHandle"/> parameter would add and drop that
/// reference with two atomic operations per call, thousands of times per request.
/// </summary>
internal static unsafe partial class SdJournal
{
    const string Library = "libsystemd.so.0";

    /// <summary>SD_JOURNAL_LOCAL_ONLY: this machine's journals, the files <c>journalctl</c> reads without <c>--merge</c>.</summary>
    public const int LocalOnly = 1 << 0;

    [LibraryImport(Library, EntryPoint = "sd_journal_open")]
    internal static partial int Open(out JournalHandle journal, int flags);

    [LibraryImport(Library, EntryPoint = "sd_journal_open_directory", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int OpenDirectory(out JournalHandle journal, string path, int flags);

    [LibraryImport(Library, EntryPoint = "sd_journal_close")]
    internal static partial void Close(IntPtr journal);

    [LibraryImport(Library, EntryPoint = "sd_journal_flush_matches")]
    internal static partial void FlushMatches(nint journal);

    [LibraryImport(Library, EntryPoint = "sd_journal_add_match")]
    internal static partial int AddMatch(nint journal, ReadOnlySpan<byte> data, nuint size);

    [LibraryImport(Library, EntryPoint = "sd_journal_add_disjunction")]
    internal static partial int AddDisjunction(nint journal);

    [LibraryImport(Library, EntryPoint = "sd_journal_add_conjunction")]
    internal static partial int AddConjunction(nint journal);

    [LibraryImport(Library, EntryPoint = "sd_journal_set_data_threshold")]
    internal static partial int SetDataThreshold(nint journal, nuint size);

    [LibraryImport(Library, EntryPoint = "sd_journal_seek_head")]
    internal static partial int SeekHead(nint journal);

    [LibraryImport(Library, EntryPoint = "sd_journal_seek_tail")]
    internal static partial int SeekTail(nint journal);

    [LibraryImport(Library, EntryPoint = "sd_journal_seek_realtime_usec")]
    internal static partial int SeekRealtime(nint journal, ulong usec);

    [LibraryImport(Library, EntryPoint = "sd_journal_seek_cursor", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SeekCursor(nint journal, string cursor);

    [LibraryImport(Library, EntryPoint = "sd_journal_test_cursor", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int TestCursor(nint journal, string cursor);

    [LibraryImport(Library, EntryPoint = "sd_journal_next")]
    internal static partial int Next(nint journal);

    [LibraryImport(Library, EntryPoint = "sd_journal_previous")]
    internal static partial int Previous(nint journal);

    [LibraryImport(Library, EntryPoint = "sd_journal_get_realtime_usec")]
    internal static partial int GetRealtime(nint journal, out ulong usec);

    /// <summary>The returned string is malloc()ed and must be freed by the caller.</summary>
    [LibraryImport(Library, EntryPoint = "sd_journal_get_cursor")]
    internal static partial int GetCursor(nint journal, out byte* cursor);

    [LibraryImport(Library, EntryPoint = "sd_journal_restart_data")]
    internal static partial void RestartData(nint journal);

    /// <summary>The data points into sd-journal's mmap window and is only valid until the next call on this handle.</summary>
    [LibraryImport(Library, EntryPoint = "sd_journal_enumerate_data")]
    internal static partial int EnumerateData(nint journal, out byte* data, out nuint length);

    [LibraryImport(Library, EntryPoint = "sd_journal_wait")]
    internal static partial int Wait(nint journal, ulong timeoutUsec);

    /// <summary>Sets up the handle's inotify watches (the fd itself is the handle's), so <see cref="Process"/> sees new and removed files.</summary>
    [LibraryImport(Library, EntryPoint = "sd_journal_get_fd")]
    internal static partial int GetFd(nint journal);

    /// <summary>Applies the inotify events queued since the last call; returns one of the <c>SD_JOURNAL_NOP/APPEND/INVALIDATE</c> codes.</summary>
    [LibraryImport(Library, EntryPoint = "sd_journal_process")]
    internal static partial int Process(nint journal);

    /// <summary>SD_JOURNAL_INVALIDATE: journal files were added or removed (rotation, vacuuming).</summary>
    public const int Invalidate = 2;

    /// <summary>Throws <see cref="JournalException"/> for a negative errno result; returns non-negative results unchanged.</summary>
    public static int Check(int result, string function) =>
        result >= 0 ? result : throw new JournalException(function, -result);
}
