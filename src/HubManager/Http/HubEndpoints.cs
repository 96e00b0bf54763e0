using HubManager.Hosting;
using HubManager.Systemd;
using HubManager.Updates;

namespace HubManager.Http;

/// <summary>
/// The hub-facing endpoints: <c>/status</c>, <c>/start</c>, <c>/stop</c>, <c>/restart</c>, <c>/version</c>, <c>/health</c>.
/// Start, stop and restart answer 409 while an update, rollback or recovery holds the hub (<see cref="HubOwnership"/>),
/// take an optional <c>{"correlationId"}</c> (<see cref="ControlRequest"/>) that every answer echoes, and leave one
/// journal line per job: who asked, the id, and how it ended.
/// </summary>
public sealed class HubEndpoints(UnitStatusCache status, UnitController controller, HubOwnership ownership, HubManagerOptions options,
    ILogger<HubEndpoints> logger)
{
    public void MapTo(ApiRouter router) => router
        .Map("GET", "/status", StatusAsync)
        .Map("POST", "/start", context => ControlAsync(context, UnitJob.Start))
        .Map("POST", "/stop", context => ControlAsync(context, UnitJob.Stop))
        .Map("POST", "/restart", context => ControlAsync(context, UnitJob.Restart))
        .Map("GET", "/version", VersionAsync)
        .Map("GET", "/health", HealthAsync);

    readonly InstalledVersion installed = new(options.InstallDir);

    // The hot path: status comes from memory (UnitStatusCache), the installed version from a stat-checked
    // cache, and the JSON is written by hand (StatusJson), so a request allocates next to nothing.
    async Task StatusAsync(HttpContext context)
    {
        var unit = await status.GetAsync().WaitAsync(context.RequestAborted);
        var response = new StatusResponse(unit.Running, BuildInfo.Version, controller.Unit, unit.ActiveState, unit.SubState,
            unit.MainPid, unit.ExecMainStartTimestamp, unit.NRestarts, installed.Get());
        if (!unit.Exists)
            response = response with { Error = $"Unit {controller.Unit} not found." };
        context.Response.StatusCode = unit.Exists ? StatusCodes.Status200OK : StatusCodes.Status404NotFound;
        await StatusJson.WriteAsync(context.Response, response, context.RequestAborted);
    }

    async Task ControlAsync(HttpContext context, UnitJob job)
    {
        var correlationId = ControlRequest.ParseCorrelationId(await RequestBody.ReadAsync(context), out var problem);
        if (problem is not null)
        {
            await WriteAsync(context, StatusCodes.Status400BadRequest, new ControlResponse(false, problem));
            return;
        }
        if (ownership.TryBeginOperatorJob() is { } holder)
        {
            await WriteAsync(context, StatusCodes.Status409Conflict, new ControlResponse(false,
                $"{holder} is installing and checking the hub; start, stop and restart are refused until it has ended (see GET /update)", correlationId));
            return;
        }
        try
        {
            await RunJobAsync(context, job, correlationId);
        }
        finally
        {
            ownership.EndOperatorJob();
        }
    }

    async Task RunJobAsync(HttpContext context, UnitJob job, string? correlationId)
    {
        int status;
        ControlResponse answer;
        try
        {
            var outcome = await controller.RunAsync(job, context.RequestAborted);
            status = outcome.Succeeded ? StatusCodes.Status200OK : StatusCodes.Status500InternalServerError;
            answer = new ControlResponse(outcome.Succeeded, outcome.Error, correlationId);
        }
        catch (UnitNotFoundException missing)
        {
            status = StatusCodes.Status404NotFound;
            answer = new ControlResponse(false, missing.Message, correlationId);
        }
        catch (SystemdRefusedException refused) when (refused.ErrorName is SystemdBus.AccessDeniedError or SystemdBus.InteractiveAuthorizationRequiredError)
        {
            // Unprivileged mode: polkit said no for this unit.
            status = StatusCodes.Status403Forbidden;
            answer = new ControlResponse(false, $"systemd refused: {refused.Message}", correlationId);
        }
        catch (SystemdRefusedException refused)
        {
            // e.g. a masked unit, or a unit whose file does not parse: systemd's own sentence says why.
            status = StatusCodes.Status500InternalServerError;
            answer = new ControlResponse(false, refused.Message, correlationId);
        }
        logger.LogInformation("POST /{Job} of {Unit} from {Peer}{Correlation}: {Outcome}", UnitController.Verb(job), controller.Unit,
            RequestGuard.Peer(context), correlationId is null ? "" : ", correlationId " + correlationId,
            answer.Success ? "done" : answer.Error);
        await WriteAsync(context, status, answer);
    }

    static Task WriteAsync(HttpContext context, int status, ControlResponse body) =>
        ApiRouter.WriteAsync(context, status, body, ApiJson.Api.ControlResponse);

    async Task VersionAsync(HttpContext context)
    {
        InstalledRelease release;
        try
        {
            release = InstalledRelease.Read(options.InstallDir);
        }
        catch (Exception failure) when (failure is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            await ApiRouter.WriteAsync(context, StatusCodes.Status500InternalServerError,
                new ErrorResponse("Failed to get version", failure.Message), ApiJson.Api.ErrorResponse);
            return;
        }
        await ApiRouter.WriteAsync(context, StatusCodes.Status200OK, new VersionResponse(release.Version, release.Name), ApiJson.Api.VersionResponse);
    }

    static Task HealthAsync(HttpContext context)
    {
        context.Response.ContentType = "text/plain";
        return context.Response.WriteAsync("OK", context.RequestAborted);
    }
}
