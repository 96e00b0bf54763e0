namespace HubManager.Http;

/// <summary>Every other error: a short label and a sentence for a human.</summary>
public sealed record ErrorResponse(string Error, string Message);
