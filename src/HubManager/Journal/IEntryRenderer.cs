namespace HubManager.Journal;

/// <summary>
/// Turns the entry a <see cref="JournalReader"/> is on into the bytes a follower's client receives. The follower
/// thread calls it for every entry; the wire format (Server-Sent Events) belongs to the HTTP layer.
/// </summary>
public interface IEntryRenderer
{
    /// <summary>The current entry, ready to send, or null for an entry that is not shown.</summary>
    byte[]? Render(JournalReader reader);

    /// <summary>Releases scratch that large entries grew: the follower is about to wait.</summary>
    void LetGo();
}
