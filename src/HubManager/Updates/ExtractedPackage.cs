namespace HubManager.Updates;

/// <summary>What a finished extraction produced.</summary>
public sealed record ExtractedPackage(IReadOnlyList<string> TopLevelEntries, int Entries, long Bytes);
