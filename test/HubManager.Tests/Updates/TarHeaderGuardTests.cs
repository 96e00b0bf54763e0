using System.Formats.Tar;
using HubManager.Updates;
using static HubManager.Tests.Updates.ReleasePackages;

namespace HubManager.Tests.Updates;

/// <summary>
/// The header guard between gzip and TarReader, and the extractor's bounds on names and header data, against
/// tarballs written here: long names and pax records at and past their bounds, bombs, base-256 sizes, a pax
/// size record trying to lead the reader astray.
/// </summary>
public class TarHeaderGuardTests
{
    [Test]
    public async Task A_4096_byte_GNU_long_name_passes_and_a_longer_one_is_refused()
    {
        var name = new string('n', 4096);
        var fits = Tar(TarEntryFormat.Gnu, t => t.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream([1, 2, 3]) }));
        var over = Tar(TarEntryFormat.Gnu, t => t.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, name + "n")));

        var read = await ReadThroughGuardAsync(fits);
        var refusal = await Assert.That(() => (Task)ReadThroughGuardAsync(over)).Throws<PackageRefusedException>();

        await Assert.That(read.Single()).IsEqualTo((name, "", 3L));
        await Assert.That(refusal!.Message).IsEqualTo("the package has a GNU long-name header of 4098 bytes; at most 4097 are allowed");
    }

    [Test]
    public async Task A_4096_byte_GNU_long_link_target_passes_and_a_longer_one_is_refused()
    {
        var target = new string('t', 4096);
        var fits = Tar(TarEntryFormat.Gnu, t => t.WriteEntry(new GnuTarEntry(TarEntryType.SymbolicLink, "link") { LinkName = target }));
        var over = Tar(TarEntryFormat.Gnu, t => t.WriteEntry(new GnuTarEntry(TarEntryType.SymbolicLink, "link") { LinkName = target + "t" }));

        var read = await ReadThroughGuardAsync(fits);
        var refusal = await Assert.That(() => (Task)ReadThroughGuardAsync(over)).Throws<PackageRefusedException>();

        await Assert.That(read.Single()).IsEqualTo(("link", target, 0L));
        await Assert.That(refusal!.Message).IsEqualTo("the package has a GNU long-link header of 4098 bytes; at most 4097 are allowed");
    }

    [Test]
    public async Task A_64_MiB_long_name_is_refused_from_its_512_byte_header_alone()
    {
        var source = new MemoryStream();
        RawTar.WriteHeader(source, "././@LongLink", 'L', 64L << 20);
        source.Position = 0; // the 64 MiB never follow: TarReader alone would rent 64 MiB, then hit the end

        var refusal = await Assert.That(() => (Task)ReadAsync(new TarHeaderGuard(source))).Throws<PackageRefusedException>();

        await Assert.That(refusal!.Message).IsEqualTo("the package has a GNU long-name header of 67108864 bytes; at most 4097 are allowed");
        await Assert.That(source.Position).IsEqualTo(512);
    }

    [Test]
    public async Task Pax_records_within_the_bound_pass_and_a_larger_pax_header_is_refused()
    {
        var path = new string('p', 4096);
        var target = new string('t', 4096);
        var attributes = new Dictionary<string, string> { ["SCHILY.xattr.user.note"] = new string('x', 3000) };
        var rich = Tar(TarEntryFormat.Pax, t => t.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, path, attributes) { LinkName = target }));
        var atBound = RawPaxHeader('x', TarHeaderGuard.MaxPaxHeaderBytes);
        var overBound = RawPaxHeader('x', TarHeaderGuard.MaxPaxHeaderBytes + 1);
        var globalOver = RawPaxHeader('g', TarHeaderGuard.MaxPaxHeaderBytes + 1);

        var richRead = await ReadThroughGuardAsync(rich);
        var atBoundRead = await ReadThroughGuardAsync(atBound);
        var refused = await Assert.That(() => (Task)ReadThroughGuardAsync(overBound)).Throws<PackageRefusedException>();
        var globalRefused = await Assert.That(() => (Task)ReadThroughGuardAsync(globalOver)).Throws<PackageRefusedException>();

        await Assert.That(richRead.Single()).IsEqualTo((path, target, 0L));
        await Assert.That(atBoundRead.Single()).IsEqualTo(("dist/after", "", 3L));
        await Assert.That(refused!.Message).IsEqualTo("the package has a pax extended header of 16385 bytes; at most 16384 are allowed");
        await Assert.That(globalRefused!.Message).IsEqualTo("the package has a pax global header of 16385 bytes; at most 16384 are allowed");
    }

    [Test]
    public async Task Every_byte_passes_unchanged_whatever_the_read_sizes()
    {
        var tar = Tar(TarEntryFormat.Gnu, t =>
        {
            t.WriteEntry(new GnuTarEntry(TarEntryType.Directory, "dist/"));
            t.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, "dist/" + new string('l', 300)) { DataStream = new MemoryStream(new byte[1000]) });
            t.WriteEntry(new GnuTarEntry(TarEntryType.SymbolicLink, "dist/link") { LinkName = new string('k', 200) });
            t.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, "dist/odd") { DataStream = new MemoryStream(System.Security.Cryptography.RandomNumberGenerator.GetBytes(70_001)) });
        });

        foreach (var chunk in new[] { 1, 7, 511, 513, 4096, 81920 })
        {
            var guard = new TarHeaderGuard(new MemoryStream(tar));
            var copy = new MemoryStream();
            var buffer = new byte[chunk];
            int read;
            while ((read = await guard.ReadAsync(buffer)) > 0)
                copy.Write(buffer, 0, read);

            await Assert.That(copy.ToArray().SequenceEqual(tar)).IsTrue().Because($"reads of {chunk} bytes");
            await Assert.That(guard.HeaderDataBytes).IsEqualTo(306 + 201).Because("the long name and the long link target, each with its NUL");
        }
    }

    [Test]
    public async Task A_base_256_size_is_followed_to_the_next_header()
    {
        var tar = new MemoryStream();
        RawTar.WriteHeader(tar, "dist/big", '0', 1000, base256: true);
        RawTar.WriteData(tar, new byte[1000]);
        var clean = tar.ToArray().Concat(new byte[1024]).ToArray();
        RawTar.WriteHeader(tar, "././@LongLink", 'L', 64L << 20);

        var read = await ReadThroughGuardAsync(clean);
        var refusal = await Assert.That(() => (Task)ReadThroughGuardAsync(tar.ToArray())).Throws<PackageRefusedException>();

        await Assert.That(read.Single()).IsEqualTo(("dist/big", "", 1000L));
        await Assert.That(refusal!.Message).Contains("GNU long-name header of 67108864 bytes");
    }

    [Test]
    public async Task A_pax_size_record_that_disagrees_with_the_header_is_refused_before_its_data_is_read()
    {
        // TarReader would take the pax size (0) and read the "file data" as the next header: a smuggled bomb.
        using var dir = new TempDir();
        var tar = new MemoryStream();
        RawTar.WriteHeader(tar, "PaxHeaders/x", 'x', 10);
        RawTar.WriteData(tar, "10 size=0\n"u8.ToArray());
        RawTar.WriteHeader(tar, "dist/cover", '0', 512);
        RawTar.WriteHeader(tar, "././@LongLink", 'L', 64L << 20);
        tar.Write(new byte[1024]);

        var refusal = await Assert.That(() => (Task)ExtractAsync(dir.Path, tar.ToArray())).Throws<PackageRefusedException>();

        await Assert.That(refusal!.Message).IsEqualTo("package entry 'dist/cover' has a pax size record (0) that disagrees with its header (512)");
        await Assert.That(Directory.EnumerateFileSystemEntries(dir.Path)).IsEmpty();
    }

    [Test]
    public async Task Header_data_counts_against_the_byte_limit()
    {
        using var dir = new TempDir();
        var tar = Tar(TarEntryFormat.Pax, t =>
        {
            for (var i = 0; i < 10; i++)
                t.WriteEntry(new PaxTarEntry(TarEntryType.Directory, $"d{i}/" + new string('h', 200) + "/" + new string('h', 200)));
        });

        var refusal = await Assert.That(() => (Task)ExtractAsync(dir.Path, tar, maxBytes: 3000)).Throws<PackageRefusedException>();

        await Assert.That(refusal!.Message).IsEqualTo("the package holds more than 3000 bytes of files and header data (Update:MaxExtractedBytes)");
    }

    [Test]
    public async Task Names_and_link_targets_over_4096_bytes_in_pax_records_are_refused_with_a_short_escaped_excerpt()
    {
        var hostile = "dist/\t\u001b[31m" + new string('a', 5000); // (TarReader cannot read a newline in a pax record)
        var target = new string('t', 4097);
        using var dir = new TempDir();
        using var dir2 = new TempDir();

        var name = await Assert.That(() => (Task)ExtractAsync(dir.Path, Tar(TarEntryFormat.Pax, t => AddFile(t, hostile, "x")))).Throws<PackageRefusedException>();
        var link = await Assert.That(() => (Task)ExtractAsync(dir2.Path, Tar(TarEntryFormat.Pax, t => AddLink(t, TarEntryType.SymbolicLink, "link", target)))).Throws<PackageRefusedException>();

        await Assert.That(name!.Message).IsEqualTo(
            $"package entry 'dist/\\t\\u001b[31m{new string('a', 83)}…(5011 bytes)' has a name of 5011 bytes; at most 4096 are allowed");
        await Assert.That(link!.Message).IsEqualTo("package entry 'link' has a symlink target of 4097 bytes; at most 4096 are allowed");
    }

    [Test]
    public async Task A_name_the_filesystem_cannot_take_fails_with_a_short_message()
    {
        using var dir = new TempDir();
        var name = "dist/" + new string('f', 300); // within 4096 bytes, over NAME_MAX (255)

        var failure = await Assert.That(() => (Task)ExtractAsync(dir.Path, Tar(TarEntryFormat.Pax, t => AddFile(t, name, "x")))).Throws<IOException>();

        await Assert.That(failure!.Message).StartsWith("extracting package entry 'dist/fff").And.Contains("…(305 bytes)' failed: ");
        await Assert.That(failure.Message.Length).IsLessThan(200);
    }

    static byte[] Tar(TarEntryFormat format, Action<TarWriter> write)
    {
        var output = new MemoryStream();
        using (var tar = new TarWriter(output, format, leaveOpen: true))
            write(tar);
        return output.ToArray();
    }

    /// <summary>A pax header of <paramref name="type"/> holding one record of exactly <paramref name="bytes"/>, then a 3-byte file.</summary>
    static byte[] RawPaxHeader(char type, int bytes)
    {
        var tar = new MemoryStream();
        RawTar.WriteHeader(tar, "PaxHeaders/big", type, bytes);
        HeaderBombs.WritePaxComment(tar, bytes);
        HeaderBombs.Pad(tar, bytes);
        RawTar.WriteHeader(tar, "dist/after", '0', 3);
        RawTar.WriteData(tar, [1, 2, 3]);
        tar.Write(new byte[1024]);
        return tar.ToArray();
    }

    /// <summary>Name, link target and data length of every non-metadata entry, read by TarReader through the guard.</summary>
    static Task<List<(string, string, long)>> ReadThroughGuardAsync(byte[] tar) => ReadAsync(new TarHeaderGuard(new MemoryStream(tar)));

    static async Task<List<(string, string, long)>> ReadAsync(TarHeaderGuard guard)
    {
        var entries = new List<(string, string, long)>();
        await using var reader = new TarReader(guard);
        while (await reader.GetNextEntryAsync() is { } entry)
        {
            if (entry.EntryType == TarEntryType.GlobalExtendedAttributes)
                continue;
            var data = new MemoryStream();
            if (entry.DataStream is { } stream)
                await stream.CopyToAsync(data);
            entries.Add((entry.Name, entry.LinkName, data.Length));
        }
        return entries;
    }

    static Task<ExtractedPackage> ExtractAsync(string dir, byte[] tar, long maxBytes = 1L << 30) =>
        new PackageExtractor(dir, 1000, maxBytes).ExtractAsync(new MemoryStream(tar), CancellationToken.None);
}
