using System.Text.Json.Serialization;

namespace HubManager.Http;

/// <summary>The answer to <c>POST /update</c>, <c>DELETE /update</c> and <c>POST /rollback</c>: a message on success, an error otherwise.</summary>
public sealed record UpdateResponse(
    bool Success,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);
