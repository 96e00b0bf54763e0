namespace HubManager.Http;

/// <summary><c>GET /version</c>.</summary>
public sealed record VersionResponse(string Version, string? Name);
