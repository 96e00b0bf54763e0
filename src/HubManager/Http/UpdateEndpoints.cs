using System.Text.Json;
using HubManager.Updates;

namespace HubManager.Http;

/// <summary>
/// <c>POST /update {"version", "force", "allowDowngrade"}</c> (starts an update in the background), <c>GET /update</c> (its state,
/// kept across restarts), <c>DELETE /update</c> (cancels it while it is still downloading or verifying) and
/// <c>POST /rollback</c> (back to the newest backup, answered once the health gate has spoken). The request is checked completely — JSON content type (415), at most 64 KiB (413), a version
/// of the accepted shape and flags that are booleans (400), not a downgrade or a quarantined release (409) — before anything reaches the NAS.
/// </summary>
public sealed class UpdateEndpoints(Updater updater)
{
    public void MapTo(ApiRouter router) => router
        .Map("POST", "/update", UpdateAsync)
        .Map("GET", "/update", StatusAsync)
        .Map("DELETE", "/update", CancelAsync)
        .Map("POST", "/rollback", RollbackAsync);

    async Task UpdateAsync(HttpContext context)
    {
        if (!context.Request.HasJsonContentType())
        {
            await Refuse(context, StatusCodes.Status415UnsupportedMediaType, "Content-Type must be application/json");
            return;
        }
        var body = await RequestBody.ReadAsync(context);
        string? version;
        bool force, allowDowngrade;
        try
        {
            version = ParseRequest(body, out force, out allowDowngrade);
        }
        catch (JsonException invalid)
        {
            await Refuse(context, StatusCodes.Status400BadRequest, $"the body must be a JSON object such as {{\"version\": \"2.0.11\"}}: {invalid.Message}");
            return;
        }
        catch (FormatException wrongType)
        {
            await Refuse(context, StatusCodes.Status400BadRequest, wrongType.Message);
            return;
        }
        if (!ReleaseVersion.IsValid(version))
        {
            await Refuse(context, StatusCodes.Status400BadRequest, ReleaseVersion.Problem(version));
            return;
        }
        var (outcome, sentence) = await updater.StartUpdateAsync(version!, force, allowDowngrade);
        await WriteAsync(context, outcome switch
        {
            StartOutcome.Started or StartOutcome.AlreadyThere => (StatusCodes.Status200OK, new UpdateResponse(true, Message: sentence)),
            StartOutcome.Busy or StartOutcome.Downgrade or StartOutcome.Quarantined => (StatusCodes.Status409Conflict, new UpdateResponse(false, Error: sentence)),
            _ => (StatusCodes.Status503ServiceUnavailable, new UpdateResponse(false, Error: sentence)),
        });
    }

    Task StatusAsync(HttpContext context) =>
        ApiRouter.WriteAsync(context, StatusCodes.Status200OK, updater.Status, UpdateJson.Api.UpdateStatus);

    async Task CancelAsync(HttpContext context)
    {
        var (outcome, sentence) = await updater.CancelAsync();
        await WriteAsync(context, outcome switch
        {
            CancelOutcome.Cancelled => (StatusCodes.Status200OK, new UpdateResponse(true, Message: sentence)),
            CancelOutcome.Cancelling => (StatusCodes.Status202Accepted, new UpdateResponse(true, Message: sentence)),
            CancelOutcome.NothingRunning => (StatusCodes.Status404NotFound, new UpdateResponse(false, Error: sentence)),
            _ => (StatusCodes.Status409Conflict, new UpdateResponse(false, Error: sentence)),
        });
    }

    async Task RollbackAsync(HttpContext context)
    {
        var (outcome, sentence) = await updater.RollbackAsync();
        await WriteAsync(context, outcome switch
        {
            RollbackOutcome.RolledBack => (StatusCodes.Status200OK, new UpdateResponse(true, Message: sentence)),
            RollbackOutcome.Busy => (StatusCodes.Status409Conflict, new UpdateResponse(false, Error: sentence)),
            RollbackOutcome.NoBackup => (StatusCodes.Status404NotFound, new UpdateResponse(false, Error: sentence)),
            _ => (StatusCodes.Status500InternalServerError, new UpdateResponse(false, Error: sentence)),
        });
    }

    /// <summary>
    /// Takes the top-level <c>version</c> (a string; null when missing, so that the refusal names it), <c>force</c> and
    /// <c>allowDowngrade</c>; other members are ignored. Throws <see cref="JsonException"/> for a body that is not a JSON
    /// object, and <see cref="FormatException"/> with the 400 sentence when <c>version</c> is not a string or a flag is
    /// not <c>true</c> or <c>false</c> (a quoted "true" silently read as false would install what the caller meant to refuse, or the reverse).
    /// </summary>
    public static string? ParseRequest(ReadOnlySpan<byte> json, out bool force, out bool allowDowngrade)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException("not a JSON object");
        string? version = null;
        force = allowDowngrade = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isVersion = reader.ValueTextEquals("version"u8);
            var isForce = reader.ValueTextEquals("force"u8);
            var isAllowDowngrade = reader.ValueTextEquals("allowDowngrade"u8);
            reader.Read();
            if (isVersion)
                // A number is no version even when its digits would pass as one ({"version": 2}).
                version = reader.TokenType switch
                {
                    JsonTokenType.String => reader.GetString(),
                    JsonTokenType.Null => null,
                    _ => throw new FormatException("\"version\" must be a string such as \"2.0.11\""),
                };
            else if (isForce)
                force = Flag(ref reader, "force");
            else if (isAllowDowngrade)
                allowDowngrade = Flag(ref reader, "allowDowngrade");
            else
                reader.Skip();
        }
        // Reading to the end makes trailing garbage ("{} x") an error rather than ignored.
        while (reader.Read())
        {
        }
        return version;
    }

    /// <summary>A member that must be <c>true</c> or <c>false</c>.</summary>
    static bool Flag(ref Utf8JsonReader reader, string name) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => throw new FormatException($"\"{name}\" must be true or false"),
    };

    static Task Refuse(HttpContext context, int status, string error) =>
        WriteAsync(context, (status, new UpdateResponse(false, Error: error)));

    static Task WriteAsync(HttpContext context, (int Status, UpdateResponse Body) answer) =>
        ApiRouter.WriteAsync(context, answer.Status, answer.Body, ApiJson.Api.UpdateResponse);
}
