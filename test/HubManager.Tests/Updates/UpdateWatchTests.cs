using HubManager.Updates;
using Microsoft.Extensions.Logging.Abstractions;

namespace HubManager.Tests.Updates;

/// <summary>
/// <see cref="UpdateProgress.Watch"/> and <see cref="UpdateProgress.ChangedSince"/>, what <c>GET /update/events</c> is
/// built on: every change wakes the waiters (one shared task), and a watcher that wakes late still finds every step of
/// the run in order.
/// </summary>
public class UpdateWatchTests
{
    [Test]
    public async Task Waiters_share_one_wake_up_and_a_late_watcher_finds_every_step_in_order()
    {
        using var root = new TempDir();
        var progress = new UpdateProgress(new UpdateStore(Path.Combine(root.Path, "state"), Path.Combine(root.Path, "install")),
            NullLogger<UpdateProgress>.Instance, TimeProvider.System);
        var before = progress.Watch();
        var first = progress.ChangedSince(before.Change);
        var second = progress.ChangedSince(before.Change);
        var waitingBeforeAnyChange = first.IsCompleted;

        progress.Begin("2.0.11", "2.0.10", UpdatePhase.Download);
        await first.WaitAsync(TimeSpan.FromSeconds(5));
        var afterBegin = progress.Watch();
        progress.Downloaded(100, 300);
        progress.Downloaded(300, 300);
        progress.Phase(UpdatePhase.Verify);
        progress.Phase(UpdatePhase.Install);
        progress.Finish(UpdateState.Succeeded, null);
        var late = progress.Watch();

        await Assert.That(waitingBeforeAnyChange).IsFalse();
        await Assert.That(second).IsSameReferenceAs(first);
        await Assert.That(progress.ChangedSince(afterBegin.Change).IsCompleted).IsTrue();
        await Assert.That(progress.ChangedSince(late.Change).IsCompleted).IsFalse();
        await Assert.That(late.Run).IsEqualTo(afterBegin.Run);
        await Assert.That(late.Change - afterBegin.Change).IsEqualTo(5);
        await Assert.That(late.Steps.Select(s => (s.State, s.Phase)).ToArray()).IsEquivalentTo(new[]
        {
            (UpdateState.Running, UpdatePhase.Download), (UpdateState.Running, UpdatePhase.Verify),
            (UpdateState.Running, UpdatePhase.Install), (UpdateState.Succeeded, UpdatePhase.None),
        }, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(late.Steps[1].BytesDownloaded).IsEqualTo(300); // progress lives on in the steps after it
        await Assert.That(late.Current).IsSameReferenceAs(late.Steps[^1]);
    }
}
