using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Updates;

/// <summary>
/// Packages whose harm is in tar header data rather than in files: a GNU long name (<c>L</c>) or a pax extended
/// header (<c>x</c>) declaring tens of MiB. They are gzip'd as they are written, so the test never holds the
/// bomb itself (64 MiB of name is about 64 KiB on the NAS), and a normal release follows the bomb, so that
/// only the header makes the package hostile.
/// </summary>
public static class HeaderBombs
{
    /// <summary>A release whose first entry has a GNU long name of <paramref name="nameBytes"/> bytes of 'a'.</summary>
    public static byte[] LongName(string version, long nameBytes) => Release(version, raw =>
    {
        RawTar.WriteHeader(raw, "././@LongLink", 'L', nameBytes);
        WriteRepeated(raw, (byte)'a', nameBytes);
        Pad(raw, nameBytes);
        RawTar.WriteHeader(raw, "dist/placeholder", '0', 0);
    });

    /// <summary>A release whose first entry has a pax extended header of <paramref name="headerBytes"/> bytes: one long comment record.</summary>
    public static byte[] PaxHeader(string version, long headerBytes) => Release(version, raw =>
    {
        RawTar.WriteHeader(raw, "PaxHeaders/bomb", 'x', headerBytes);
        WritePaxComment(raw, headerBytes);
        Pad(raw, headerBytes);
        RawTar.WriteHeader(raw, "dist/placeholder", '0', 0);
    });

    /// <summary>One pax record "<c>LENGTH comment=aaa…\n</c>" that is exactly <paramref name="recordBytes"/> long, length included.</summary>
    public static void WritePaxComment(Stream raw, long recordBytes)
    {
        var prefix = Encoding.ASCII.GetBytes($"{recordBytes} comment=");
        raw.Write(prefix);
        WriteRepeated(raw, (byte)'a', recordBytes - prefix.Length - 1);
        raw.WriteByte((byte)'\n');
    }

    /// <summary>Zeros up to the next 512-byte boundary after <paramref name="dataBytes"/> of data.</summary>
    public static void Pad(Stream raw, long dataBytes) => raw.Write(new byte[(512 - dataBytes % 512) % 512]);

    static byte[] Release(string version, Action<Stream> bomb)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            bomb(gzip);
            using var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true);
            ReleasePackages.AddFile(tar, "package.json", File.ReadAllText(Path.Combine(Repository.DemoHub, "package.json")).Replace("2.0.10", version));
            ReleasePackages.AddDirectory(tar, "dist/");
            ReleasePackages.AddFile(tar, "dist/index.js", File.ReadAllText(Path.Combine(Repository.DemoHub, "dist", "index.js")));
        }
        return output.ToArray();
    }

    static void WriteRepeated(Stream raw, byte value, long count)
    {
        var chunk = new byte[1 << 20];
        Array.Fill(chunk, value);
        for (var left = count; left > 0; left -= chunk.Length)
            raw.Write(chunk, 0, (int)Math.Min(left, chunk.Length));
    }
}
