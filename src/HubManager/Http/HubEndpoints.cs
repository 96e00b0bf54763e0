using HubManager.Hosting;
using HubManager.Systemd;
using HubManager.Updates;

namespace HubManager.Http;

/// <summary>
/// The hub-facing endpoints: <c>/status</c>, <c>/start</c>, <c>/stop</c>, <c>/restart</c>, <c>/version</c>, <c>/health</c>.
/// Start, stop and restart answer 409 while an update, rollback or recovery holds the hub (<see cref="HubOwnership"/>).
/// </summary>
public sealed class HubEndpoints(UnitStatusCache status, UnitController controller, HubOwnership ownership, HubManagerOptions options)
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
        if (ownership.TryBeginOperatorJob() is { } holder)
        {
            await ApiRouter.WriteAsync(context, StatusCodes.Status409Conflict, new ControlResponse(false,
                $"{holder} is installing and checking the hub; start, stop and restart are refused until it has ended (see GET /update)"),
                ApiJson.Api.ControlResponse);
            return;
        }
        try
        {
            await RunJobAsync(context, job);
        }
        finally
        {
            ownership.EndOperatorJob();
        }
    }

    async Task RunJobAsync(HttpContext context, UnitJob job)
    {
        JobOutcome outcome;
        try
        {
            outcome = await controller.RunAsync(job, context.RequestAborted);
        }
        catch (UnitNotFoundException missing)
        {
            await ApiRouter.WriteAsync(context, StatusCodes.Status404NotFound, new ControlResponse(false, missing.Message), ApiJson.Api.ControlResponse);
            return;
        }
        catch (SystemdRefusedException refused) when (refused.ErrorName is SystemdBus.AccessDeniedError or SystemdBus.InteractiveAuthorizationRequiredError)
        {
            // Unprivileged mode: polkit said no for this unit.
            await ApiRouter.WriteAsync(context, StatusCodes.Status403Forbidden,
                new ControlResponse(false, $"systemd refused: {refused.Message}"), ApiJson.Api.ControlResponse);
            return;
        }
        catch (SystemdRefusedException refused)
        {
            // e.g. a masked unit, or a unit whose file does not parse: systemd's own sentence says why.
            await ApiRouter.WriteAsync(context, StatusCodes.Status500InternalServerError, new ControlResponse(false, refused.Message), ApiJson.Api.ControlResponse);
            return;
        }
        await ApiRouter.WriteAsync(context, outcome.Succeeded ? StatusCodes.Status200OK : StatusCodes.Status500InternalServerError,
            new ControlResponse(outcome.Succeeded, outcome.Error), ApiJson.Api.ControlResponse);
    }

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
