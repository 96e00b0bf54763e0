using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Updates;

/// <summary>
/// Release packages built in the test from <c>test/sandbox/demo-hub</c>: flat tar.gz files (<c>package.json</c>,
/// <c>dist/</c>, …) with the version changed, a crash-looping variant, and hostile ones written entry by entry.
/// </summary>
public static class ReleasePackages
{
    /// <summary>A demo-hub release that serves <paramref name="version"/>; <paramref name="crash"/> makes dist/index.js exit 1 at once.</summary>
    public static byte[] Build(string version, bool crash = false, string? manifestVersion = null, bool withDist = true,
        Action<TarWriter>? extra = null, string? marker = null)
    {
        return Gzip(tar =>
        {
            AddFile(tar, "package.json", File.ReadAllText(Path.Combine(Repository.DemoHub, "package.json")).Replace("2.0.10", manifestVersion ?? version));
            if (withDist)
            {
                AddDirectory(tar, "dist/");
                AddFile(tar, "dist/index.js", crash
                    ? "console.error('hub " + version + " cannot start: boom'); process.exit(1);\n"
                    : File.ReadAllText(Path.Combine(Repository.DemoHub, "dist", "index.js")), mode: 0x1A4);
                AddFile(tar, "dist/release-" + version + ".txt", marker ?? $"release {version}\n");
            }
            AddDirectory(tar, "gui/");
            AddFile(tar, "gui/index.html", $"<h1>hub {version}</h1>\n");
            extra?.Invoke(tar);
        });
    }

    /// <summary>A gzip'd tar written by <paramref name="write"/>.</summary>
    public static byte[] Gzip(Action<TarWriter> write)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
            write(tar);
        return output.ToArray();
    }

    public static void AddFile(TarWriter tar, string name, string text, int mode = 0x1A4) => AddFile(tar, name, Encoding.UTF8.GetBytes(text), mode);

    public static void AddFile(TarWriter tar, string name, byte[] content, int mode = 0x1A4)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(content),
            Mode = (UnixFileMode)mode,
            Uid = 4242,
            Gid = 4242,
        };
        tar.WriteEntry(entry);
    }

    public static void AddDirectory(TarWriter tar, string name, int mode = 0x1ED) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name) { Mode = (UnixFileMode)mode });

    public static void AddLink(TarWriter tar, TarEntryType type, string name, string target) =>
        tar.WriteEntry(new PaxTarEntry(type, name) { LinkName = target });

    /// <summary>The sha256sum line for a package, as a sidecar file holds it.</summary>
    public static string Sha256Line(byte[] package, string fileName) => $"{Convert.ToHexStringLower(SHA256.HashData(package))}  {fileName}\n";
}

/// <summary>
/// Tar blocks written by hand, for what TarWriter will not write: a pax <c>path</c> record holding a NUL,
/// header bombs, sizes in base-256.
/// </summary>
public static class RawTar
{
    /// <summary>A pax extended header ('x') whose records apply to the next entry, then that entry.</summary>
    public static void AddPaxPathEntry(TarWriter tar, Stream raw, string paxPath, string ustarName, byte[] content)
    {
        _ = tar;
        var record = Encoding.UTF8.GetBytes($" path={paxPath}\n");
        var length = record.Length;
        var digits = (length + 2).ToString().Length;
        while ((length + digits).ToString().Length != digits)
            digits++;
        var records = Encoding.UTF8.GetBytes($"{length + digits} path={paxPath}\n");
        WriteHeader(raw, "PaxHeaders/x", 'x', records.Length);
        WriteData(raw, records);
        WriteHeader(raw, ustarName, '0', content.Length);
        WriteData(raw, content);
    }

    /// <summary>A ustar header block; <paramref name="base256"/> writes the size as GNU base-256 (0x80, big-endian) instead of octal.</summary>
    public static void WriteHeader(Stream raw, string name, char type, long size, bool base256 = false)
    {
        var header = new byte[512];
        Encoding.ASCII.GetBytes(name).CopyTo(header, 0);
        Encoding.ASCII.GetBytes("0000644\0").CopyTo(header, 100);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(header, 108);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(header, 116);
        if (base256)
        {
            header[124] = 0x80;
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(header.AsSpan(128), size);
        }
        else
            Encoding.ASCII.GetBytes(Convert.ToString(size, 8).PadLeft(11, '0') + "\0").CopyTo(header, 124);
        Encoding.ASCII.GetBytes("00000000000\0").CopyTo(header, 136);
        "        "u8.CopyTo(header.AsSpan(148));
        header[156] = (byte)type;
        "ustar\0"u8.CopyTo(header.AsSpan(257));
        "00"u8.CopyTo(header.AsSpan(263));
        var sum = header.Sum(b => (int)b);
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(header, 148);
        raw.Write(header);
    }

    public static void WriteData(Stream raw, byte[] data)
    {
        raw.Write(data);
        raw.Write(new byte[(512 - data.Length % 512) % 512]);
    }
}
