using System.IO.Compression;
using HubManager.Hosting;
using HubManager.Signatures;

namespace HubManager.Updates;

/// <summary>
/// Brings a release from the NAS into the staging tree (<c>InstallDir/.hub-manager/txn/tree</c>) and verifies it,
/// touching nothing live: NAS → SHA-256 → gzip → tar header guard → tar → strict <see cref="PackageExtractor"/>, then
/// the checksum (the NAS's <c>.sha256</c> sidecar, required when <c>Update:RequireChecksum</c> is set), the
/// <c>package.json</c> version and a <c>dist/</c> directory. Progress goes to <see cref="UpdateProgress"/>.
/// When the allowed signers list a key (<see cref="ReleaseTrust"/>), the package's <c>.sig</c> is fetched and checked
/// before the package (format, namespace, key, validity) and over the downloaded bytes after it, before anything else.
/// </summary>
public sealed class ReleaseStaging(HubManagerOptions options, NasClient nas, UpdateStore store, UpdateProgress progress, ReleaseTrust trust, TimeProvider time, ILogger<ReleaseStaging> logger)
{
    /// <summary><c>required</c> or <c>off</c>: whether packages must be signed (<c>GET /update</c>'s <c>signatures</c>).</summary>
    public string Signatures => trust.Mode;

    /// <summary>False when no NAS is configured (<c>Nas:Url</c>): there is nowhere to download from.</summary>
    public bool Configured => nas.Configured;

    /// <summary>
    /// Streams the package for <paramref name="version"/> into the (empty) staging tree and checks it; returns its
    /// top-level entries. Throws (<see cref="PackageRefusedException"/>, <see cref="NasException"/>, I/O errors) when the
    /// package must not be installed; the caller drops the staging tree then.
    /// </summary>
    public async Task<IReadOnlyList<string>> StageAsync(string version, CancellationToken cancellationToken)
    {
        var uri = nas.PackageUri(version);
        var fileName = Uri.UnescapeDataString(uri.Segments[^1]);
        var signers = trust.Load();
        logger.LogInformation("Update to {Version}: downloading {Path} from {Host}{Signatures}", version, uri.AbsolutePath, uri.Authority,
            signers is null ? $"; not signature-checked ({trust.Path} lists no key)" : "");
        var expected = await nas.GetChecksumAsync(uri, fileName, cancellationToken).ConfigureAwait(false);
        if (expected is null && options.Update.RequireChecksum)
            throw new NasException($"{uri.AbsolutePath}.sha256 is not on the NAS and Update:RequireChecksum is set");
        var signature = signers is null ? null : await CheckSignatureFirstAsync(uri, signers, cancellationToken).ConfigureAwait(false);

        using var download = await ReleaseDownload.OpenAsync(nas, uri, logger, progress.Downloaded, cancellationToken).ConfigureAwait(false);
        if (signature is not null)
            download.HashForSignature(signature.MessageHash);
        progress.Downloaded(0, download.TotalBytes);
        var extractor = new PackageExtractor(store.StagedTree, options.Update.MaxEntries, options.Update.MaxExtractedBytes);
        ExtractedPackage package;
        try
        {
            await using var gzip = new GZipStream(download, CompressionMode.Decompress, leaveOpen: true);
            package = await extractor.ExtractAsync(gzip, cancellationToken).ConfigureAwait(false);
            // Read the gzip stream to its end so that its CRC-32 and length trailer are checked too.
            await gzip.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception invalid) when (invalid is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new PackageRefusedException(download.LooksLikeGzip
                ? $"{fileName} is not a valid .tar.gz: {Excerpt.Of(invalid.Message)}"
                : $"{fileName} is not gzip-compressed (it does not start with 1f 8b)");
        }
        await download.DrainAsync(cancellationToken).ConfigureAwait(false);

        progress.Phase(UpdatePhase.Verify, $"verifying {fileName} ({package.Entries} entries, {package.Bytes} bytes)");
        signature?.Verify(await download.SignatureHashAsync().ConfigureAwait(false));
        var actual = download.Sha256();
        if (expected is not null && actual != expected)
            throw new PackageRefusedException($"SHA-256 mismatch for {fileName}: the NAS's .sha256 says {expected}, the download is {actual}");
        InstalledRelease manifest;
        try
        {
            manifest = InstalledRelease.Read(store.StagedTree);
        }
        catch (Exception missing) when (missing is IOException or InvalidDataException)
        {
            throw new PackageRefusedException($"the package has no usable package.json: {missing.Message}");
        }
        if (manifest.Version != version)
            throw new PackageRefusedException($"the package's package.json says version {Excerpt.Of(manifest.Version)}, not {version}");
        var dist = Path.Combine(store.StagedTree, "dist");
        if (!Directory.Exists(dist) || File.GetAttributes(dist).HasFlag(FileAttributes.ReparsePoint))
            throw new PackageRefusedException("the package has no dist/ directory");
        logger.LogInformation("Update to {Version}: verified (sha256 {Sha256}{Checked}{Signed})", version, actual, expected is null ? ", no .sha256 on the NAS" : ", matches the NAS's .sha256",
            signature is null ? ", not signature-checked" : $", signed by the {signature.Describe(trust.Path)}");
        return package.TopLevelEntries;
    }

    /// <summary>Fetches <c>{package}.sig</c> and checks all that does not need the package: nothing is downloaded for a package that cannot pass.</summary>
    async Task<SignatureCheck> CheckSignatureFirstAsync(Uri uri, AllowedSigners signers, CancellationToken cancellationToken)
    {
        var sigPath = uri.AbsolutePath + ".sig";
        var armored = await nas.GetSignatureAsync(uri, cancellationToken).ConfigureAwait(false)
            ?? throw new SignatureException($"no signature: {sigPath} is not on the NAS, and {signers.Path} requires every package to be signed");
        return SignatureCheck.Prepare(armored, sigPath, signers, time.GetUtcNow());
    }
}
