using System.Buffers;
using HubManager.Hosting;
using HubManager.Platform;
using HubManager.Systemd;
using HubManager.Updates;

namespace HubManager.Http;

/// <summary>
/// <c>GET /metrics</c>: the hub's unit, the updates, the manager's HTTP answers and its own process, in the
/// Prometheus text format, cheap enough to scrape every second. Everything comes from memory or a small
/// <c>/proc/self</c> read: the unit's status from <see cref="UnitStatusCache"/> (no D-Bus round trip while it is
/// current), the installed version from the stat-checked <see cref="InstalledVersion"/>, the counts from
/// <see cref="UpdateCounters"/> and <see cref="RequestCounts"/>. Every family always has its <c># HELP</c> and
/// <c># TYPE</c>; a value that does not exist yet (no update has ended, no release is installed) has no sample.
/// </summary>
public sealed class MetricsEndpoint(UnitStatusCache status, UpdateProgress progress, HubManagerOptions options)
{
    /// <summary>The states <c>hub_unit_state</c> always reports; systemd's rarer ones (reloading, maintenance, refreshing) set all five to 0.</summary>
    static readonly string[] UnitStates = ["active", "inactive", "failed", "activating", "deactivating"];

    readonly InstalledVersion installed = new(options.InstallDir);
    ApiRouter? router;

    [ThreadStatic] static ArrayBufferWriter<byte>? buffer;

    /// <summary>Maps <c>/metrics</c>; the router's request counts are what it reports.</summary>
    public void MapTo(ApiRouter router) => (this.router = router).Map("GET", "/metrics", MetricsAsync);

    // Not an async method: the unit's status is nearly always cached, and the state machine an async method compiles
    // to is kilobytes of a binary with a size budget. Kestrel sends what was written when the handler's task ends.
    Task MetricsAsync(HttpContext context)
    {
        var reading = status.GetAsync();
        if (reading.IsCompletedSuccessfully)
        {
            Respond(context.Response, reading.Result);
            return Task.CompletedTask;
        }
        return RespondWhenRead(context, reading);
    }

    // A method of its own, so that the closure is allocated only when systemd has to be asked. GetResult rethrows
    // systemd's own exception (not an AggregateException) for the router to answer.
    Task RespondWhenRead(HttpContext context, Task<UnitStatus> reading) =>
        reading.WaitAsync(context.RequestAborted).ContinueWith(read => Respond(context.Response, read.GetAwaiter().GetResult()),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    void Respond(HttpResponse response, UnitStatus unit)
    {
        var output = buffer ??= new ArrayBufferWriter<byte>(4096);
        output.ResetWrittenCount();
        Write(new MetricsText(output), unit);
        response.ContentType = MetricsText.ContentType;
        response.ContentLength = output.WrittenCount;
        var body = response.BodyWriter;
        output.WrittenSpan.CopyTo(body.GetSpan(output.WrittenCount));
        body.Advance(output.WrittenCount);
    }

    void Write(MetricsText text, UnitStatus unit)
    {
        text.Family("hub_unit_active"u8, "gauge"u8, "1 when systemd says the hub's unit is active, else 0."u8);
        text.Sample("hub_unit_active"u8, unit.Running ? 1 : 0);
        text.Family("hub_unit_state"u8, "gauge"u8, "The hub unit's ActiveState: 1 for the current one, 0 for the others."u8);
        foreach (var state in UnitStates)
            text.Sample("hub_unit_state"u8, "state"u8, state, unit.ActiveState == state ? 1 : 0);
        text.Family("hub_unit_restarts_total"u8, "counter"u8, "Automatic restarts of the hub's unit by systemd (NRestarts) since it was last started by hand."u8);
        text.Sample("hub_unit_restarts_total"u8, unit.NRestarts);
        text.Family("hub_unit_start_time_seconds"u8, "gauge"u8, "When the hub's main process last started, in Unix seconds; 0 if it never has."u8);
        text.Sample("hub_unit_start_time_seconds"u8, unit.ExecMainStartTimestamp is { } started ? started - DateTimeOffset.UnixEpoch : TimeSpan.Zero);
        text.Family("hub_installed_version_info"u8, "gauge"u8, "The release installed in InstallDir (package.json's version); no sample when none is readable."u8);
        if (installed.Get() is { } version)
            text.Sample("hub_installed_version_info"u8, "version"u8, version, 1);

        var counters = progress.Counters;
        text.Family("hub_manager_updates_total"u8, "counter"u8, "Updates and rollbacks that ended, by final state, since the manager started."u8);
        text.Sample("hub_manager_updates_total"u8, "result"u8, "succeeded", counters.Succeeded);
        text.Sample("hub_manager_updates_total"u8, "result"u8, "failed", counters.Failed);
        text.Sample("hub_manager_updates_total"u8, "result"u8, "rolledBack", counters.RolledBack);
        text.Family("hub_manager_update_in_progress"u8, "gauge"u8, "1 while an update or rollback runs, else 0."u8);
        text.Sample("hub_manager_update_in_progress"u8, progress.Current.State == UpdateState.Running ? 1 : 0);
        var last = counters.Last;
        text.Family("hub_manager_last_update_timestamp_seconds"u8, "gauge"u8, "When the last update or rollback ended, in Unix seconds; no sample before the first."u8);
        if (last is not null)
            text.Sample("hub_manager_last_update_timestamp_seconds"u8, last.FinishedAt - DateTimeOffset.UnixEpoch);
        text.Family("hub_manager_last_update_duration_seconds"u8, "gauge"u8, "How long the last update or rollback ran; no sample before the first."u8);
        if (last is not null)
            text.Sample("hub_manager_last_update_duration_seconds"u8, last.Duration);
        text.Family("hub_manager_update_downloaded_bytes_total"u8, "counter"u8, "Release bytes downloaded from the NAS since the manager started."u8);
        text.Sample("hub_manager_update_downloaded_bytes_total"u8, counters.DownloadedBytes);

        text.Family("hub_manager_build_info"u8, "gauge"u8, "The manager's own version."u8);
        text.Sample("hub_manager_build_info"u8, "version"u8, BuildInfo.Version, 1);
        WriteRequests(text, router!.Requests);

        text.Family("process_resident_memory_bytes"u8, "gauge"u8, "Resident memory size in bytes."u8);
        if (ProcessUsage.TryResidentBytes(out var resident))
            text.Sample("process_resident_memory_bytes"u8, resident);
        text.Family("process_cpu_seconds_total"u8, "counter"u8, "Total user and system CPU time spent in seconds."u8);
        text.Sample("process_cpu_seconds_total"u8, ProcessUsage.CpuTime);
        text.Family("process_open_fds"u8, "gauge"u8, "Number of open file descriptors."u8);
        if (ProcessUsage.TryOpenDescriptors(out var open))
            text.Sample("process_open_fds"u8, open);
        text.Family("process_max_fds"u8, "gauge"u8, "Maximum number of open file descriptors."u8);
        text.Sample("process_max_fds"u8, ProcessUsage.MaxDescriptors);
        text.Family("process_start_time_seconds"u8, "gauge"u8, "Start time of the process since unix epoch in seconds."u8);
        if (ProcessUsage.StartTime is { } start)
            text.Sample("process_start_time_seconds"u8, start - DateTimeOffset.UnixEpoch);
    }

    static void WriteRequests(MetricsText text, RequestCounts requests)
    {
        text.Family("hub_manager_http_requests_total"u8, "counter"u8, "HTTP requests answered, by route (the exact path, or other) and status code, since the manager started."u8);
        for (var route = 0; route < requests.Routes; route++)
        {
            for (var slot = 0; slot < RequestCounts.SlotsPerRoute; slot++)
            {
                if (!requests.TryGet(route, slot, out var code, out var count))
                    continue;
                if (code == RequestCounts.OtherCode)
                    text.Sample("hub_manager_http_requests_total"u8, "route"u8, requests.Route(route), "code"u8, "other", count);
                else
                    text.Sample("hub_manager_http_requests_total"u8, "route"u8, requests.Route(route), "code"u8, code, count);
            }
        }
    }
}
