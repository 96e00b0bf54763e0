using HubManager.Updates;

namespace HubManager.Tests.Updates;

/// <summary>
/// The swap's promise: from any state an interrupted swap can leave (every prefix of the renames, including
/// the two-rename fallback's middle), placing again for either goal ends exactly in that goal.
/// </summary>
public class ReleaseSwapTests
{
    sealed class Trees : IDisposable
    {
        readonly TempDir root = new();
        public string Install => Path.Combine(root.Path, "install");
        public string Other => Path.Combine(root.Path, "txn", "tree");
        public string Aside => Path.Combine(root.Path, "aside");

        public Trees()
        {
            Directory.CreateDirectory(Install);
            Directory.CreateDirectory(Other);
            Write(Install, "dist/index.js", "old");
            Write(Install, "dist/old-only.js", "old");
            Write(Install, "package.json", "old");
            Write(Install, "node_modules/dep/index.js", "dep");
            Write(Install, "gone-in-new", "old");
            Write(Other, "dist/index.js", "new");
            Write(Other, "package.json", "new");
            Write(Other, "gui/index.html", "new");         // not in the old release
        }

        public ReleaseSwap Swap => new(Install, Other, Aside);

        public static void Write(string root, string relative, string text)
        {
            var path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }

        public string Read(string relative) => File.Exists(Path.Combine(Install, relative)) ? File.ReadAllText(Path.Combine(Install, relative)) : "(missing)";

        public void Dispose() => root.Dispose();
    }

    static readonly string[] Names = ["dist", "package.json", "gui"];

    [Test]
    public async Task Swapping_in_replaces_exactly_the_package_entries_and_swapping_back_restores_them()
    {
        using var trees = new Trees();
        var entries = trees.Swap.Describe(Names);

        trees.Swap.PlaceAll(entries, newLive: true);
        var afterInstall = (trees.Read("dist/index.js"), trees.Read("dist/old-only.js"), trees.Read("package.json"), trees.Read("gui/index.html"),
            trees.Read("node_modules/dep/index.js"), trees.Read("gone-in-new"));
        var backupHasOld = File.ReadAllText(Path.Combine(trees.Other, "dist/index.js"));
        trees.Swap.PlaceAll(entries, newLive: false);

        await Assert.That(afterInstall).IsEqualTo(("new", "(missing)", "new", "new", "dep", "old"));
        await Assert.That(backupHasOld).IsEqualTo("old");
        await Assert.That(trees.Read("dist/index.js")).IsEqualTo("old");
        await Assert.That(trees.Read("dist/old-only.js")).IsEqualTo("old");
        await Assert.That(trees.Read("gui/index.html")).IsEqualTo("(missing)");
        await Assert.That(File.ReadAllText(Path.Combine(trees.Other, "gui/index.html"))).IsEqualTo("new");
    }

    /// <summary>Crash states: some entries swapped, one half-way through the fallback (old parked aside, new not yet in).</summary>
    [Test]
    [Arguments(true)]
    [Arguments(false)]
    public async Task Any_interrupted_state_converges_to_either_goal(bool newLive)
    {
        using var trees = new Trees();
        var entries = trees.Swap.Describe(Names);
        // dist swapped completely; package.json half-way (old parked aside, new still in the other tree); gui not yet.
        trees.Swap.Place(entries[0], newLive: true);
        Directory.CreateDirectory(trees.Aside);
        File.Move(Path.Combine(trees.Install, "package.json"), Path.Combine(trees.Aside, "package.json"));

        trees.Swap.PlaceAll(entries, newLive);
        trees.Swap.PlaceAll(entries, newLive); // and again: idempotent

        var expected = newLive ? "new" : "old";
        await Assert.That(trees.Read("dist/index.js")).IsEqualTo(expected);
        await Assert.That(trees.Read("package.json")).IsEqualTo(expected);
        await Assert.That(trees.Read("gui/index.html")).IsEqualTo(newLive ? "new" : "(missing)");
        await Assert.That(trees.Read("node_modules/dep/index.js")).IsEqualTo("dep");
        await Assert.That(Directory.EnumerateFileSystemEntries(trees.Aside)).IsEmpty();
        await Assert.That(File.ReadAllText(Path.Combine(trees.Other, "package.json"))).IsEqualTo(newLive ? "old" : "new");
    }

    [Test]
    public async Task An_entry_changed_by_hand_is_left_alone_with_a_sentence()
    {
        using var trees = new Trees();
        var entries = trees.Swap.Describe(Names);
        // Written beside and renamed over, as editors do: both exist at once, so the inode is a new one
        // (delete-then-create could get the freed inode back and look like the old file).
        File.WriteAllText(Path.Combine(trees.Install, "package.json.new"), "edited by hand");
        File.Move(Path.Combine(trees.Install, "package.json.new"), Path.Combine(trees.Install, "package.json"), overwrite: true);

        var failure = await Assert.That(() => trees.Swap.PlaceAll(entries, newLive: true)).Throws<IOException>();

        await Assert.That(failure!.Message).Contains("neither the old nor the new");
        await Assert.That(trees.Read("package.json")).IsEqualTo("edited by hand");
    }

    /// <summary>A transaction that swapped back, deleted the unhealthy release and crashed before closing its journal.</summary>
    [Test]
    public async Task Placing_again_once_the_other_tree_is_deleted_finds_everything_in_place()
    {
        using var trees = new Trees();
        var entries = trees.Swap.Describe(Names);
        trees.Swap.PlaceAll(entries, newLive: true);
        trees.Swap.PlaceAll(entries, newLive: false);
        Directory.Delete(Path.GetDirectoryName(trees.Other)!, recursive: true);

        trees.Swap.PlaceAll(entries, newLive: false);

        await Assert.That(trees.Read("dist/index.js")).IsEqualTo("old");
        await Assert.That(trees.Read("package.json")).IsEqualTo("old");
        await Assert.That(trees.Read("gui/index.html")).IsEqualTo("(missing)");
    }

    [Test]
    public async Task Entry_names_from_disk_cannot_be_paths()
    {
        using var trees = new Trees();
        await Assert.That(() => trees.Swap.Describe(["../etc"])).Throws<InvalidDataException>();
        await Assert.That(() => trees.Swap.Place(new IntentEntry("a/b", null, null), true)).Throws<InvalidDataException>();
    }
}
