using System.Text.Json.Serialization;

namespace HubManager.Updates;

/// <summary>What an <see cref="UpdateTransaction"/> swaps in: a freshly staged release, or a kept backup.</summary>
[JsonConverter(typeof(WordEnumConverter<TransactionKind>))]
public enum TransactionKind
{
    /// <summary>The other side is the staged tree (<c>txn/tree</c>); a commit keeps the replaced entries as a backup.</summary>
    Update,

    /// <summary>The other side is a backup's tree; a commit drops the release rolled away from.</summary>
    Rollback,
}
