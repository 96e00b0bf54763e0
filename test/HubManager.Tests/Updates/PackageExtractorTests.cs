using System.Formats.Tar;
using System.IO.Compression;
using HubManager.Updates;
using static HubManager.Tests.Updates.ReleasePackages;

namespace HubManager.Tests.Updates;

/// <summary>The strict extractor against hostile tarballs built here with TarWriter.</summary>
public class PackageExtractorTests
{
    /// <summary>Each hostile entry kind, after a harmless package.json, with words the refusal must contain.</summary>
    public static IEnumerable<Func<(string Kind, Action<TarWriter> Write, string Expected)>> Hostile()
    {
        yield return () => ("absolute path", t => AddFile(t, "/tmp/hub-evil", "x"), "absolute path");
        yield return () => ("dot-dot", t => AddFile(t, "dist/../../hub-evil", "x"), "'..'");
        yield return () => ("dot-dot at the start", t => AddFile(t, "../hub-evil", "x"), "'..'");
        yield return () => ("symlink out, absolute", t => AddLink(t, TarEntryType.SymbolicLink, "etc", "/etc"), "absolute path '/etc'");
        yield return () => ("symlink out, relative", t => AddLink(t, TarEntryType.SymbolicLink, "up", "../.."), "leads outside the package");
        yield return () => ("file through a symlink", t =>
        {
            AddLink(t, TarEntryType.SymbolicLink, "inside", "dist");
            AddFile(t, "inside/evil.js", "x");
        }, "passes through the symlink inside");
        yield return () => ("escape through a chain of links", t =>
        {
            AddDirectory(t, "a/");
            AddLink(t, TarEntryType.SymbolicLink, "a/root", "..");        // a/root -> package root (inside)
            AddLink(t, TarEntryType.SymbolicLink, "a/out", "root/../x");  // lexically a/x, really ../x
        }, "leads outside the package");
        yield return () => ("hard link", t => AddLink(t, TarEntryType.HardLink, "passwd", "/etc/passwd"), "hard link");
        yield return () => ("character device", t => t.WriteEntry(new PaxTarEntry(TarEntryType.CharacterDevice, "null") { DeviceMajor = 1, DeviceMinor = 3 }), "device");
        yield return () => ("block device", t => t.WriteEntry(new PaxTarEntry(TarEntryType.BlockDevice, "sda") { DeviceMajor = 8, DeviceMinor = 0 }), "device");
        yield return () => ("fifo", t => t.WriteEntry(new PaxTarEntry(TarEntryType.Fifo, "pipe")), "FIFO");
        yield return () => ("the manager's releases directory", t => AddFile(t, "./.hub-manager/backups/x", "x"), "where the manager keeps releases");
        yield return () => ("the manager's releases directory as a directory", t => AddDirectory(t, ".hub-manager/"), "where the manager keeps releases");
        yield return () => ("a directory in the manager's releases directory", t => AddDirectory(t, "./.hub-manager/txn/tree/"), "where the manager keeps releases");
        yield return () => ("names adding up to more than the budget", t =>
        {
            // Directories 3,800 characters deep, and their parents: each name is allowed, together they are not.
            var deep = string.Join('/', Enumerable.Repeat(new string('n', 199), 19));
            for (var i = 0; i < 1100; i++)
                AddDirectory(t, $"{i:D4}/{deep}/");
        }, "names add up to more than");
        yield return () => ("duplicate", t => { AddFile(t, "dist/x.js", "1"); AddFile(t, "dist/x.js", "2"); }, "appears twice");
        yield return () => ("symlink replaced by a file", t =>
        {
            AddLink(t, TarEntryType.SymbolicLink, "link", "dist");
            AddFile(t, "link", "x");
        }, "appears twice");
    }

    [Test]
    [MethodDataSource(nameof(Hostile))]
    public async Task Hostile_entries_refuse_the_whole_package(string kind, Action<TarWriter> write, string expected)
    {
        using var dir = new TempDir();
        var package = Gzip(t =>
        {
            AddFile(t, "package.json", """{"version":"2.0.11"}""");
            AddDirectory(t, "dist/");
            write(t);
        });

        var refusal = await Assert.That(() => (Task)Extract(dir.Path, package)).Throws<PackageRefusedException>();

        await Assert.That(refusal!.Message).Contains(expected);
        await Assert.That(File.Exists("/tmp/hub-evil")).IsFalse();
        await Assert.That(File.Exists(Path.Combine(Path.GetDirectoryName(dir.Path)!, "hub-evil"))).IsFalse();
    }

    [Test]
    public async Task A_NUL_in_a_pax_path_refuses_the_package()
    {
        using var dir = new TempDir();
        var tar = new MemoryStream();
        RawTar.AddPaxPathEntry(null!, tar, "dist/a\0b", "innocent", [1, 2, 3]);
        tar.Write(new byte[1024]);
        var gz = new MemoryStream();
        using (var gzip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(tar.ToArray());

        var refusal = await Assert.That(() => (Task)Extract(dir.Path, gz.ToArray())).Throws<PackageRefusedException>();

        await Assert.That(refusal!.Message).Contains("NUL");
        await Assert.That(Directory.EnumerateFileSystemEntries(dir.Path, "*", SearchOption.AllDirectories)).IsEmpty();
    }

    [Test]
    public async Task Owner_is_the_manager_and_setuid_setgid_sticky_are_dropped()
    {
        using var dir = new TempDir();
        var package = Gzip(t =>
        {
            AddDirectory(t, "dist/", mode: 0x3FF);                 // 01777
            AddFile(t, "dist/tool", "#!/bin/sh\n", mode: 0xDED);   // 06755
            AddFile(t, "dist/readonly", "x", mode: 0x124);         // 0444
        });

        await Extract(dir.Path, package);

        await Assert.That(File.GetUnixFileMode(Path.Combine(dir.Path, "dist/tool"))).IsEqualTo((UnixFileMode)0x1ED);
        await Assert.That(File.GetUnixFileMode(Path.Combine(dir.Path, "dist/readonly"))).IsEqualTo((UnixFileMode)0x124);
        await Assert.That(File.GetUnixFileMode(Path.Combine(dir.Path, "dist"))).IsEqualTo((UnixFileMode)0x1FF);
        var owner = (await Sandbox.Shell.RunAsync("/usr/bin/stat", ["-c", "%u:%g", Path.Combine(dir.Path, "dist/tool")])).Stdout.Trim();
        var me = (await Sandbox.Shell.RunAsync("/usr/bin/id", ["-u"])).Stdout.Trim() + ":" + (await Sandbox.Shell.RunAsync("/usr/bin/id", ["-g"])).Stdout.Trim();
        await Assert.That(owner).IsEqualTo(me);
    }

    [Test]
    public async Task Links_inside_the_package_and_implied_directories_are_fine()
    {
        using var dir = new TempDir();
        var package = Gzip(t =>
        {
            AddFile(t, "./dist//lib/a.js", "a");                                // implied dirs, "./" and "//"
            AddLink(t, TarEntryType.SymbolicLink, "dist/current", "lib");
            AddLink(t, TarEntryType.SymbolicLink, "dist/lib/up", "../../package.json");
            AddFile(t, "package.json", "{}");
        });

        var result = await Extract(dir.Path, package);

        await Assert.That(result.TopLevelEntries).IsEquivalentTo(["dist", "package.json"]);
        await Assert.That(File.ReadAllText(Path.Combine(dir.Path, "dist/current/a.js"))).IsEqualTo("a");
        await Assert.That(new FileInfo(Path.Combine(dir.Path, "dist/current")).LinkTarget).IsEqualTo("lib");
    }

    [Test]
    public async Task Entry_and_byte_limits_refuse_bombs()
    {
        using var dir = new TempDir();
        var many = Gzip(t => { for (var i = 0; i < 20; i++) AddFile(t, $"f{i}", ""); });
        var big = Gzip(t => AddFile(t, "zeros", new byte[1 << 20]));

        var tooMany = await Assert.That(() => (Task)Extract(dir.Path, many, maxEntries: 10)).Throws<PackageRefusedException>();
        using var dir2 = new TempDir();
        var tooBig = await Assert.That(() => (Task)Extract(dir2.Path, big, maxBytes: 1000)).Throws<PackageRefusedException>();

        await Assert.That(tooMany!.Message).Contains("more than 10 entries");
        await Assert.That(tooBig!.Message).Contains("more than 1000 bytes");
        await Assert.That(File.Exists(Path.Combine(dir2.Path, "zeros"))).IsFalse();
    }

    [Test]
    public async Task Deleting_a_refused_staging_tree_never_follows_its_links()
    {
        using var outside = new TempDir();
        File.WriteAllText(Path.Combine(outside.Path, "precious"), "keep");
        using var dir = new TempDir();
        var package = Gzip(t => AddLink(t, TarEntryType.SymbolicLink, "out", outside.Path));
        await Assert.That(() => (Task)Extract(dir.Path, package)).Throws<PackageRefusedException>();
        Directory.CreateSymbolicLink(Path.Combine(dir.Path, "planted"), outside.Path);

        UpdateStore.DeleteTree(dir.Path);

        await Assert.That(File.ReadAllText(Path.Combine(outside.Path, "precious"))).IsEqualTo("keep");
    }

    static async Task<ExtractedPackage> Extract(string dir, byte[] package, int maxEntries = 1000, long maxBytes = 1L << 30)
    {
        await using var gzip = new GZipStream(new MemoryStream(package), CompressionMode.Decompress);
        return await new PackageExtractor(dir, maxEntries, maxBytes).ExtractAsync(gzip, CancellationToken.None);
    }
}

/// <summary>A fresh directory under /var/tmp/hub-tests, deleted (without following links) on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine("/var/tmp/hub-tests", "t-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            UpdateStore.DeleteTree(Path);
        }
        catch (IOException)
        {
        }
    }
}
