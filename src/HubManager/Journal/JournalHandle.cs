using System.Runtime.InteropServices;
using HubManager.Platform;

namespace HubManager.Journal;

/// <summary>
/// Owns one <c>sd_journal*</c> and closes it exactly once (also if a request dies half-way).
/// A journal handle is not thread-safe: one thread at a time uses it (the <see cref="JournalPool"/> lends it to one request at a time).
/// </summary>
public sealed class JournalHandle : SafeHandle
{
    /// <summary>Opens the same journal again (the local one, or the same directory).</summary>
    Func<JournalHandle> openAnother = () => throw new InvalidOperationException("Not an opened journal.");

    public JournalHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>
    /// The local journal as <c>journalctl</c> opens it: system <em>and</em> per-user files, because a service
    /// running as a regular user (uid ≥ 1000) has its lines in <c>user-UID.journal</c>, not in the system file.
    /// </summary>
    public static JournalHandle OpenLocal()
    {
        NativeHeap.ReturnLargeBlocks();
        SdJournal.Check(SdJournal.Open(out var journal, SdJournal.LocalOnly), "sd_journal_open");
        journal.openAnother = OpenLocal;
        return journal;
    }

    /// <summary>All journal files in one directory, like <c>journalctl -D</c>.</summary>
    public static JournalHandle OpenDirectory(string path)
    {
        NativeHeap.ReturnLargeBlocks();
        SdJournal.Check(SdJournal.OpenDirectory(out var journal, path, 0), "sd_journal_open_directory");
        journal.openAnother = () => OpenDirectory(path);
        return journal;
    }

    /// <summary>A new handle on the journal this one was opened on, with none of this one's state.</summary>
    public JournalHandle OpenAnother() => openAnother();

    /// <summary>
    /// Holds a reference on the handle until the lease is disposed, so it cannot be closed underneath its user,
    /// and gives the raw pointer the <see cref="SdJournal"/> calls take.
    /// </summary>
    public Lease Use()
    {
        var added = false;
        DangerousAddRef(ref added);
        return new Lease(this);
    }

    protected override bool ReleaseHandle()
    {
        SdJournal.Close(handle);
        return true;
    }

    /// <summary>A reference on a <see cref="JournalHandle"/>: <see cref="Journal"/> stays valid until <see cref="Dispose"/>.</summary>
    public readonly struct Lease(JournalHandle owner) : IDisposable
    {
        public nint Journal { get; } = owner.DangerousGetHandle();

        public void Dispose() => owner.DangerousRelease();
    }
}
