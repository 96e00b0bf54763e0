using System.IO.Compression;
using System.Security.Cryptography;
using HubManager.Hosting;
using HubManager.Updates;
using Microsoft.Extensions.Logging.Abstractions;

namespace HubManager.Tests.Updates;

/// <summary>
/// The NAS client and the resumable download against the File Browser stand-in, in process (fast): login and
/// token reuse, 401 → one fresh login, token expiry and X-Renew-Token, 403/404/202, retried 503s, and bodies
/// cut off or reset mid-way that resume with Range + If-Range into the same stream.
/// </summary>
[NotInParallel(nameof(NasClientTests))]
public class NasClientTests
{
    const string PackagePath = "/api/raw/{version}/hub-{version}.tar.gz";
    const string RawPath = "/api/raw/2.0.11/hub-2.0.11.tar.gz";

    static NasClient Client(FileBrowserNas nas, string auth = "filebrowser", string? password = null) => new(
        new NasOptions { Url = nas.Url, PackagePath = PackagePath, Auth = auth, Username = nas.Username, Password = password ?? nas.Password },
        NullLogger.Instance,
        NasClient.CreateHandler(new NasRetryPolicy(4, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30)), TimeSpan.FromSeconds(30)),
        TimeProvider.System);

    /// <summary>A File Browser stand-in serving release 2.0.11 (a real package, or <c>size</c> random bytes) from a temporary root.</summary>
    internal sealed class ServedPackage : IAsyncDisposable
    {
        readonly TempDir root = new();

        public ServedPackage(int size)
        {
            Nas = new FileBrowserNas(root.Path);
            Package = size == 0 ? ReleasePackages.Build("2.0.11") : RandomNumberGenerator.GetBytes(size);
            Nas.Put("2.0.11/hub-2.0.11.tar.gz", Package);
        }

        public FileBrowserNas Nas { get; }

        public byte[] Package { get; }

        public async ValueTask DisposeAsync()
        {
            await Nas.DisposeAsync();
            root.Dispose();
        }
    }

    static async Task<(byte[] Bytes, ReleaseDownload Download)> DownloadAsync(NasClient client)
    {
        var download = await ReleaseDownload.OpenAsync(client, client.PackageUri("2.0.11"), NullLogger.Instance, (_, _) => { }, CancellationToken.None);
        var copy = new MemoryStream();
        await download.CopyToAsync(copy);
        return (copy.ToArray(), download);
    }

    [Test]
    public async Task Logs_in_once_and_reuses_the_raw_jwt_as_X_Auth()
    {
        await using var served = new ServedPackage(0);
        var nas = served.Nas;
        var package = served.Package;
        using var client = Client(nas);

        var (first, d1) = await DownloadAsync(client);
        var (second, d2) = await DownloadAsync(client);
        d1.Dispose();
        d2.Dispose();

        await Assert.That(first.AsSpan().SequenceEqual(package)).IsTrue();
        await Assert.That(second.AsSpan().SequenceEqual(package)).IsTrue();
        await Assert.That(nas.Logins).IsEqualTo(1);
        var login = nas.Requests.First(r => r.Path == "/api/login");
        await Assert.That(login.Headers["content-type"]).StartsWith("application/json");
        await Assert.That(login.Body).Contains("\"recaptcha\":\"\"");
        await Assert.That(nas.Requests.Where(r => r.Path == RawPath).All(r => r.Headers.ContainsKey("x-auth"))).IsTrue();
    }

    [Test]
    public async Task A_revoked_token_gets_one_fresh_login_and_an_expired_one_is_not_reused()
    {
        await using var served = new ServedPackage(0);
        var nas = served.Nas;
        var package = served.Package;
        using var client = Client(nas);

        (await DownloadAsync(client)).Download.Dispose();
        nas.RevokeTokens();
        var (afterRevoke, d) = await DownloadAsync(client);
        d.Dispose();
        var loginsAfterRevoke = nas.Logins;
        // Tokens now live 10 s, inside the client's 30 s margin: the next one is never reused, and the client
        // logs in before asking instead of waiting for a 401.
        nas.TokenLifetime = TimeSpan.FromSeconds(10);
        nas.RevokeTokens();
        (await DownloadAsync(client)).Download.Dispose();
        var (loginsBefore, rawBefore) = (nas.Logins, nas.Requests.Count(q => q.Path == RawPath));
        (await DownloadAsync(client)).Download.Dispose();

        await Assert.That(afterRevoke.AsSpan().SequenceEqual(package)).IsTrue();
        await Assert.That(loginsAfterRevoke).IsEqualTo(2);
        await Assert.That(nas.Logins).IsEqualTo(loginsBefore + 1);
        await Assert.That(nas.Requests.Count(q => q.Path == RawPath)).IsEqualTo(rawBefore + 1);
    }

    [Test]
    public async Task X_Renew_Token_makes_the_next_request_log_in_again()
    {
        await using var served = new ServedPackage(0);
        var nas = served.Nas;
        using var client = Client(nas);
        nas.RenewTokens = true;

        (await DownloadAsync(client)).Download.Dispose();
        (await DownloadAsync(client)).Download.Dispose();

        await Assert.That(nas.Logins).IsEqualTo(2);
    }

    [Test]
    public async Task Refusals_are_sentences_and_403_404_are_not_retried()
    {
        await using var served = new ServedPackage(0);
        var nas = served.Nas;

        using var wrongPassword = Client(nas, password: "wrong");
        var badLogin = await Assert.That(() => DownloadAsync(wrongPassword)).Throws<NasException>();
        var loginsAfter403 = nas.Logins;
        using var client = Client(nas);
        var missing = await Assert.That(() => (Task)ReleaseDownload.OpenAsync(client, client.PackageUri("9.9.9"), NullLogger.Instance, (_, _) => { }, CancellationToken.None)).Throws<NasException>();
        var missingRequests = nas.Requests.Count(q => q.Path.Contains("9.9.9"));
        nas.Inject(RawPath, new FileBrowserNas.Fault.Status(403));
        var forbidden = await Assert.That(() => DownloadAsync(client)).Throws<NasException>();
        nas.CanDownload = false;
        var noPermission = await Assert.That(() => DownloadAsync(client)).Throws<NasException>();
        nas.CanDownload = true;
        nas.RevokeTokens();
        nas.Username = "renamed"; // every login now fails, so the 401 cannot be cured
        var unauthorized = await Assert.That(() => DownloadAsync(client)).Throws<NasException>();

        await Assert.That(badLogin!.Message).Contains("403");
        await Assert.That(loginsAfter403).IsEqualTo(1);
        await Assert.That(missing!.Message).Contains("404");
        await Assert.That(missingRequests).IsEqualTo(1);
        await Assert.That(forbidden!.Message).Contains("403");
        await Assert.That(noPermission!.Message).Contains("202");
        await Assert.That(unauthorized!.Message).Contains("403");
        await Assert.That(badLogin.Message).DoesNotContain(nas.Password);
    }

    [Test]
    public async Task Five_hundreds_are_retried_then_the_package_arrives()
    {
        await using var served = new ServedPackage(0);
        var nas = served.Nas;
        var package = served.Package;
        using var client = Client(nas);
        nas.Inject(RawPath, new FileBrowserNas.Fault.Status(503), new FileBrowserNas.Fault.Status(502), new FileBrowserNas.Fault.Status(429));

        var (bytes, download) = await DownloadAsync(client);
        download.Dispose();

        await Assert.That(bytes.AsSpan().SequenceEqual(package)).IsTrue();
        await Assert.That(nas.Requests.Count(q => q.Path == RawPath)).IsEqualTo(4);
    }

    [Test]
    public async Task A_body_cut_off_or_reset_resumes_with_Range_and_If_Range_into_the_same_stream()
    {
        await using var served = new ServedPackage(3 << 20);
        var nas = served.Nas;
        var package = served.Package;
        using var client = Client(nas);
        nas.Inject(RawPath, new FileBrowserNas.Fault.Truncate(1_000_000), new FileBrowserNas.Fault.Reset(500_000));

        var (bytes, download) = await DownloadAsync(client);
        var sha = download.Sha256();
        var resumes = download.Resumes;
        download.Dispose();

        await Assert.That(bytes.AsSpan().SequenceEqual(package)).IsTrue();
        await Assert.That(sha).IsEqualTo(Convert.ToHexStringLower(SHA256.HashData(package)));
        await Assert.That(resumes).IsEqualTo(2);
        var ranged = nas.Requests.Where(q => q.Path == RawPath && q.Headers.ContainsKey("range")).ToList();
        await Assert.That(ranged.Count).IsEqualTo(2);
        await Assert.That(ranged[0].Headers["range"]).IsEqualTo("bytes=1000000-");
        // A reset throws away what was in flight: the second resume starts wherever the client really got to.
        var secondStart = long.Parse(ranged[1].Headers["range"]["bytes=".Length..^1]);
        await Assert.That(secondStart).IsGreaterThan(1_000_000).And.IsLessThanOrEqualTo(1_500_000);
        await Assert.That(ranged.All(q => q.Headers.ContainsKey("if-range"))).IsTrue();
    }

    [Test]
    public async Task Through_gzip_a_resumed_download_is_invisible_to_the_reader()
    {
        await using var served = new ServedPackage(0);
        var nas = served.Nas;
        var package = served.Package;
        using var client = Client(nas);
        nas.Inject(RawPath, new FileBrowserNas.Fault.Truncate(package.Length / 2));
        using var dir = new TempDir();

        using var download = await ReleaseDownload.OpenAsync(client, client.PackageUri("2.0.11"), NullLogger.Instance, (_, _) => { }, CancellationToken.None);
        await using var gzip = new GZipStream(download, CompressionMode.Decompress);
        var result = await new PackageExtractor(dir.Path, 1000, 1 << 30).ExtractAsync(gzip, CancellationToken.None);

        await Assert.That(result.TopLevelEntries).Contains("dist");
        await Assert.That(File.ReadAllText(Path.Combine(dir.Path, "package.json"))).Contains("2.0.11");
        await Assert.That(download.Resumes).IsEqualTo(1);
    }

    [Test]
    public async Task Without_range_support_a_cut_off_body_fails_cleanly()
    {
        await using var served = new ServedPackage(1 << 20);
        var nas = served.Nas;
        using var client = Client(nas);
        nas.SupportsRanges = false;
        nas.Inject(RawPath, new FileBrowserNas.Fault.Truncate(100_000));

        var failure = await Assert.That(() => DownloadAsync(client)).Throws<NasException>();

        await Assert.That(failure!.Message).Contains("instead of 206");
    }

    [Test]
    public async Task Checksum_sidecars_in_sha256sum_format()
    {
        await Assert.That(ChecksumFile.Find(new string('A', 64) + "  hub-2.0.11.tar.gz\n", "hub-2.0.11.tar.gz")).IsEqualTo(new string('a', 64));
        await Assert.That(ChecksumFile.Find(new string('b', 64) + " *hub-2.0.11.tar.gz", "hub-2.0.11.tar.gz")).IsEqualTo(new string('b', 64));
        await Assert.That(ChecksumFile.Find(new string('c', 64), "hub-2.0.11.tar.gz")).IsEqualTo(new string('c', 64));
        await Assert.That(ChecksumFile.Find(new string('d', 64) + "  hub-2.0.10.tar.gz\n" + new string('e', 64) + "  ./hub-2.0.11.tar.gz\n", "hub-2.0.11.tar.gz")).IsEqualTo(new string('e', 64));
        await Assert.That(ChecksumFile.Find("not a checksum", "hub-2.0.11.tar.gz")).IsNull();
    }

    [Test]
    public async Task Jwt_expiry_is_read_from_the_payload()
    {
        var payload = Convert.ToBase64String("""{"exp":1900000000,"user":{"id":1}}"""u8.ToArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await Assert.That(Jwt.Expiry($"x.{payload}.y")).IsEqualTo(DateTimeOffset.FromUnixTimeSeconds(1900000000));
        await Assert.That(Jwt.Expiry("garbage")).IsNull();
    }
}
