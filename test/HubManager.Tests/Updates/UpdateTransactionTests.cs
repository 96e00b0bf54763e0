using System.Net;
using HubManager.Hosting;
using HubManager.Signatures;
using HubManager.Updates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace HubManager.Tests.Updates;

/// <summary>
/// The update transaction's promise: whichever durable step a crash follows, the recovery a restarted manager runs
/// leaves the install directory wholly the old release or wholly the new one (the new one exactly when the crash
/// came after the new release was fully in place and it is, or would be, judged healthy), the state store tells
/// the same story (no intent journal, no staging tree, a final status naming that outcome, the backups that
/// outcome keeps), and a hub that was running runs that release. The real <see cref="UpdateTransaction"/>,
/// <see cref="UpdateStore"/>, <see cref="ReleaseSwap"/> and <see cref="Updater"/> recovery run in process on a
/// temporary directory, without root; only the hub's unit is scripted (<see cref="ScriptedHub"/>). A crash is an
/// abort right after a step, as the manager stopping would leave it; crashes inside a step, between the renames
/// of one entry, are <see cref="ReleaseSwapTests"/>' part.
/// </summary>
public class UpdateTransactionTests
{
    public enum Scenario { HealthyUpdate, UnhealthyUpdate, UpdateOfAStoppedHub, HealthyRollback, UnhealthyRollback }

    /// <summary>The crash point before the transaction's first step: staged (downloaded, verified), nothing journaled.</summary>
    const string Staged = "staged";

    static readonly string[] Entries = ["dist", "package.json", "gui"];

    static string[] SwappedIn => [.. Entries.Select(e => $"{e} swapped in")];
    static string[] SwappedBack => [.. Entries.Select(e => $"{e} swapped back")];

    /// <summary>Every step each scenario goes through, in order: the specification of the transaction's phases.</summary>
    static string[] Steps(Scenario scenario) => scenario switch
    {
        Scenario.HealthyUpdate or Scenario.HealthyRollback =>
            ["install journaled", .. SwappedIn, "restart journaled", "judged healthy", "commit journaled", "backup kept", "outcome saved", "journal closed"],
        Scenario.UpdateOfAStoppedHub =>
            ["install journaled", .. SwappedIn, "restart journaled", "commit journaled", "backup kept", "outcome saved", "journal closed"],
        Scenario.UnhealthyUpdate =>
            ["install journaled", .. SwappedIn, "restart journaled", "judged unhealthy", "rollback journaled", .. SwappedBack,
             "old release restarted", "unhealthy release deleted", "release quarantined", "outcome saved", "journal closed"],
        _ =>
            ["install journaled", .. SwappedIn, "restart journaled", "judged unhealthy", "rollback journaled", .. SwappedBack,
             "old release restarted", "unhealthy release deleted", "outcome saved", "journal closed"],
    };

    public static IEnumerable<Func<(Scenario, string)>> CrashPoints() =>
        Enum.GetValues<Scenario>().SelectMany(scenario => Steps(scenario).Prepend(Staged).Select(step => (Func<(Scenario, string)>)(() => (scenario, step))));

    public static IEnumerable<Func<(Scenario, string)>> FailurePoints() =>
        Enum.GetValues<Scenario>().SelectMany(scenario => Steps(scenario).Select(step => (Func<(Scenario, string)>)(() => (scenario, step))));

    [Test]
    [Arguments(Scenario.HealthyUpdate)]
    [Arguments(Scenario.UnhealthyUpdate)]
    [Arguments(Scenario.UpdateOfAStoppedHub)]
    [Arguments(Scenario.HealthyRollback)]
    [Arguments(Scenario.UnhealthyRollback)]
    public async Task Uninterrupted_each_scenario_takes_its_steps_in_order_and_ends_as_promised(Scenario scenario)
    {
        using var bench = await Bench.CreateAsync(scenario);
        var steps = new List<string>();

        await bench.RunAsync(steps.Add, CancellationToken.None);

        await Assert.That(string.Join(", ", steps)).IsEqualTo(string.Join(", ", Steps(scenario)));
        await bench.AssertConvergedAsync(expectNew: scenario is not (Scenario.UnhealthyUpdate or Scenario.UnhealthyRollback));
    }

    [Test]
    [MethodDataSource(nameof(CrashPoints))]
    public async Task A_crash_after_any_step_recovers_to_wholly_old_or_wholly_new_and_the_store_agrees(Scenario scenario, string crashAfter)
    {
        using var bench = await Bench.CreateAsync(scenario);
        using var crash = new CancellationTokenSource();
        if (crashAfter != Staged)
        {
            var crashed = false;
            try
            {
                await bench.RunAsync(step =>
                {
                    if (step != crashAfter)
                        return;
                    crash.Cancel();
                    throw new OperationCanceledException("crashed after " + step, crash.Token);
                }, crash.Token);
            }
            catch (OperationCanceledException)
            {
                crashed = true;
            }
            await Assert.That(crashed).IsTrue();
        }

        await bench.RestartManagerAsync();

        var pastTheSwap = Array.IndexOf(Steps(scenario), crashAfter) >= Array.IndexOf(Steps(scenario), "restart journaled");
        await bench.AssertConvergedAsync(expectNew: pastTheSwap && scenario is not (Scenario.UnhealthyUpdate or Scenario.UnhealthyRollback));
    }

    /// <summary>
    /// A step that fails (an I/O error, a full disk) instead of crashing: the transaction converges in process, or,
    /// when it cannot, leaves its journal for the next start, whose recovery converges. Which release survives depends
    /// on where it failed (a healthy verdict is final), so only the promise itself is checked here.
    /// </summary>
    [Test]
    [MethodDataSource(nameof(FailurePoints))]
    public async Task A_failure_after_any_step_converges_to_wholly_old_or_wholly_new_and_the_store_agrees(Scenario scenario, string failAfter)
    {
        using var bench = await Bench.CreateAsync(scenario);

        // The transaction absorbs the failure: it throws for a cancelled wait only.
        await bench.RunAsync(step =>
        {
            if (step == failAfter)
                throw new IOException("injected after " + step);
        }, CancellationToken.None);
        await bench.RestartManagerAsync();

        await bench.AssertConvergedAsync(expectNew: null);
    }

    [Test]
    public async Task A_rolled_back_update_is_quarantined_with_the_verdict_and_a_healthy_forced_install_lifts_it()
    {
        using (var unhealthy = await Bench.CreateAsync(Scenario.UnhealthyUpdate))
        {
            await unhealthy.RunAsync(_ => { }, CancellationToken.None);
            var entry = unhealthy.Store.ReadQuarantine().Releases.Single();

            await Assert.That(entry.Version).IsEqualTo("2.0.11");
            await Assert.That(entry.Reason).IsEqualTo("2.0.11 crash-loops");
            await Assert.That(entry.At).IsGreaterThan(DateTimeOffset.UtcNow.AddMinutes(-1));
        }
        using var healthy = await Bench.CreateAsync(Scenario.HealthyUpdate);
        healthy.Store.WriteQuarantine(new Quarantine([new QuarantinedRelease("2.0.9", DateTimeOffset.UtcNow, "older"), new QuarantinedRelease("2.0.11", DateTimeOffset.UtcNow, "crash-loops")]));

        await healthy.RunAsync(_ => { }, CancellationToken.None);

        await Assert.That(healthy.Store.ReadQuarantine().Releases.Select(r => r.Version)).IsEquivalentTo(["2.0.9"]);
    }

    /// <summary>
    /// An install directory holding 2.0.10 and a staged 2.0.11 (for a rollback: 2.0.11 installed by an update, and
    /// the backup of 2.0.10 to go back to), with the manager's parts built as the manager builds them.
    /// </summary>
    sealed class Bench : IDisposable
    {
        readonly TempDir root = new();
        readonly Scenario scenario;
        readonly HubManagerOptions options;
        readonly UpdateStore store;
        readonly ScriptedHub hub;
        UpdateProgress progress = null!;
        string oldTree = "", newTree = "";

        Bench(Scenario scenario)
        {
            this.scenario = scenario;
            options = new HubManagerOptions
            {
                Listen = new IPEndPoint(IPAddress.Loopback, 0),
                Unit = "ai-hub.service",
                InstallDir = Path.Combine(root.Path, "install"),
                StateDir = Path.Combine(root.Path, "state"),
                Nas = new NasOptions { PackagePath = "/hub", Auth = "none" },
                Update = new UpdateOptions { KeepBackups = 3 },
            };
            store = new UpdateStore(options.StateDir, options.InstallDir);
            Release(options.InstallDir, "2.0.10", "old");
            File.WriteAllText(Path.Combine(options.InstallDir, ".env"), "KEPT=1\n"); // not in the package: never touched
            Release(store.StagedTree, "2.0.11", "new");
            // The new release is healthy unless the scenario says otherwise; the old one always is.
            var unhealthy = scenario switch { Scenario.UnhealthyUpdate => "2.0.11", Scenario.UnhealthyRollback => "2.0.10", _ => null };
            hub = new ScriptedHub(options.InstallDir, running: scenario != Scenario.UpdateOfAStoppedHub, unhealthy);
            progress = NewProgress();
        }

        public UpdateStore Store => store;

        bool IsUpdate => scenario is Scenario.HealthyUpdate or Scenario.UnhealthyUpdate or Scenario.UpdateOfAStoppedHub;
        string From => IsUpdate ? "2.0.10" : "2.0.11";
        string To => IsUpdate ? "2.0.11" : "2.0.10";

        public static async Task<Bench> CreateAsync(Scenario scenario)
        {
            var bench = new Bench(scenario);
            if (!bench.IsUpdate)
            {
                // The rollback goes back over a real update's backup.
                bench.progress.Begin("2.0.11", "2.0.10", UpdatePhase.Download);
                await bench.Transaction(null).RunAsync(TransactionKind.Update, "2.0.11", "2.0.10", bench.store.StagedTree, Entries, CancellationToken.None);
                bench.hub.Restarts = 0;
            }
            bench.oldTree = UpdateTests.Snapshot(bench.options.InstallDir);
            bench.newTree = bench.IsUpdate ? Expected(bench.options.InstallDir, bench.store.StagedTree) : Expected(bench.options.InstallDir, Path.Combine(bench.store.BackupDir("2.0.10"), "tree"));
            bench.progress.Begin(bench.To, bench.From, bench.IsUpdate ? UpdatePhase.Download : UpdatePhase.Rollback);
            return bench;
        }

        /// <summary>The transaction as <see cref="Updater"/> runs it for this scenario.</summary>
        public async Task RunAsync(Action<string> stepDone, CancellationToken cancellationToken)
        {
            if (IsUpdate)
            {
                await Transaction(stepDone).RunAsync(TransactionKind.Update, "2.0.11", "2.0.10", store.StagedTree, Entries, cancellationToken);
                return;
            }
            var backup = store.Backups().Single();
            await Transaction(stepDone).RunAsync(TransactionKind.Rollback, backup.Version, "2.0.11",
                Path.Combine(store.BackupDir(backup.Version), "tree"), backup.Entries, cancellationToken);
        }

        /// <summary>A new manager process: everything in memory is gone, and recovery runs from what is on disk.</summary>
        public async Task RestartManagerAsync()
        {
            progress = NewProgress();
            var staging = new ReleaseStaging(options, new NasClient(options.Nas, NullLogger<NasClient>.Instance), store, progress,
                new ReleaseTrust(options.Update.AllowedSigners, NullLogger<ReleaseTrust>.Instance), TimeProvider.System, NullLogger<ReleaseStaging>.Instance);
            var updater = new Updater(options, staging, store, Transaction(null), progress, new Lifetime(), NullLogger<Updater>.Instance);
            await updater.RecoverAsync(CancellationToken.None);
        }

        /// <summary>Wholly the old or wholly the new release (null: either), and the store and the hub agree with it.</summary>
        public async Task AssertConvergedAsync(bool? expectNew)
        {
            var live = UpdateTests.Snapshot(options.InstallDir);
            var newSurvives = expectNew ?? live == newTree;
            var status = NewProgress().Current; // as persisted: what GET /update shows after another restart
            var backups = store.Backups().Select(b => b.Version).ToList();
            var story = $"{scenario}: {status}";

            await Assert.That(live).IsEqualTo(newSurvives ? newTree : oldTree).Because(story);
            await Assert.That(File.Exists(store.IntentFile)).IsFalse().Because(story);
            await Assert.That(Directory.Exists(store.Transaction)).IsFalse().Because(story);
            await Assert.That(Directory.Exists(store.Aside) ? Directory.EnumerateFileSystemEntries(store.Aside) : Enumerable.Empty<string>()).IsEmpty().Because(story);
            await Assert.That(status.State).IsEqualTo(newSurvives ? (IsUpdate ? UpdateState.Succeeded : UpdateState.RolledBack)
                : scenario == Scenario.UnhealthyUpdate && status.State == UpdateState.RolledBack ? UpdateState.RolledBack : UpdateState.Failed).Because(story);
            await Assert.That(status.Version).IsEqualTo(To).Because(story);
            // A commit that fails to keep its backup keeps the release all the same: only when expected is the backup promised.
            string[] kept = newSurvives == IsUpdate ? ["2.0.10"] : [];
            if (expectNew is not null || kept.Length == 0)
                await Assert.That(backups).IsEquivalentTo(kept).Because(story);
            // The health gate's verdict on an update, and only that, quarantines it; a success (and only a forced install
            // of a quarantined release gets there) lifts it.
            var quarantined = store.ReadQuarantine().Releases.Select(r => r.Version).ToList();
            if (status.State == UpdateState.RolledBack)
                await Assert.That(quarantined).IsEquivalentTo(IsUpdate ? new[] { "2.0.11" } : []).Because(story);
            if (status.State == UpdateState.Succeeded)
                await Assert.That(quarantined).IsEmpty().Because(story);
            if (hub.Running)
                await Assert.That(hub.RunsVersion).IsEqualTo(newSurvives ? To : From).Because(story);
            else
                await Assert.That(hub.Restarts).IsEqualTo(0).Because(story);
        }

        UpdateTransaction Transaction(Action<string>? stepDone) =>
            new(options, store, hub, progress, new HubOwnership(), NullLogger<UpdateTransaction>.Instance, TimeProvider.System, stepDone);

        UpdateProgress NewProgress() => new(store, NullLogger<UpdateProgress>.Instance, TimeProvider.System);

        static void Release(string dir, string version, string text)
        {
            Write(dir, "package.json", $"{{\"name\": \"ai-hub\", \"version\": \"{version}\"}}");
            Write(dir, "dist/index.js", text);
            Write(dir, $"dist/{text}-only.js", text);
            if (text == "new")
                Write(dir, "gui/index.html", text); // not in the old release
        }

        static void Write(string root, string relative, string text)
        {
            var path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }

        /// <summary>The install directory with the package's entries replaced by <paramref name="release"/>'s.</summary>
        static string Expected(string installDir, string release)
        {
            using var expected = new TempDir();
            foreach (var file in Directory.EnumerateFiles(installDir, "*", SearchOption.AllDirectories)
                .Where(f => !Entries.Contains(Path.GetRelativePath(installDir, f).Split('/')[0]) && !Path.GetRelativePath(installDir, f).StartsWith(UpdateStore.ReleasesDirName, StringComparison.Ordinal)))
                Write(expected.Path, Path.GetRelativePath(installDir, file), File.ReadAllText(file));
            foreach (var file in Directory.EnumerateFiles(release, "*", SearchOption.AllDirectories))
                Write(expected.Path, Path.GetRelativePath(release, file), File.ReadAllText(file));
            return UpdateTests.Snapshot(expected.Path);
        }

        public void Dispose() => root.Dispose();
    }

    sealed class Lifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping => CancellationToken.None;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void StopApplication() { }
    }
}
