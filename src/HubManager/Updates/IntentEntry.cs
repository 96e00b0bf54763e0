namespace HubManager.Updates;

/// <summary>One top-level entry of a transaction and the identities (device, inode) of its two sides.</summary>
public sealed record IntentEntry(string Name, ulong[]? New, ulong[]? Old);
