using System.Net;
using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Systemd;

/// <summary>What the manager says when systemd cannot do the job: systemd's reason, not a guess.</summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
public class UnitControlFailureTests(HubSandbox sandbox)
{
    [Test]
    public async Task A_start_that_fails_reports_systemds_job_result_and_unit_result()
    {
        sandbox.RequireRoot();
        // Type=notify: the start job waits for READY, so a process that exits 1 fails the job itself.
        await sandbox.WriteUnitAsync("broken-hub.service", """
            [Service]
            Type=notify
            ExecStart=/bin/sh -c 'echo cannot start; exit 1'
            """);
        var manager = await sandbox.StartManagerAsync(unit: "broken-hub.service");

        var (status, body) = await manager.PostAsync("/start");

        await Assert.That(status).IsEqualTo(HttpStatusCode.InternalServerError);
        await Assert.That(body.GetProperty("success").GetBoolean()).IsFalse();
        await Assert.That(body.GetProperty("error").GetString()).IsEqualTo("start failed: exit-code");
        await Assert.That(await sandbox.PropertyAsync("broken-hub.service", "Result")).IsEqualTo("exit-code");
    }

    [Test]
    public async Task A_missing_unit_is_404_for_control_and_status()
    {
        sandbox.RequireRoot();
        var manager = await sandbox.StartManagerAsync(unit: "no-such-hub.service");

        var (startStatus, start) = await manager.PostAsync("/start");
        var (stopStatus, _) = await manager.PostAsync("/stop");
        var (statusStatus, status) = await manager.GetAsync("/status");

        await Assert.That(startStatus).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That(start.GetProperty("success").GetBoolean()).IsFalse();
        await Assert.That(start.GetProperty("error").GetString()).Contains("no-such-hub.service");
        await Assert.That(stopStatus).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That(statusStatus).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That(status.GetProperty("running").GetBoolean()).IsFalse();
        await Assert.That(status.GetProperty("managerVersion").GetString()).IsNotNull().And.IsNotEqualTo("unknown");
    }
}
