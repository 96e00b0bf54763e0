using HubManager.Hosting;
using HubManager.Updates;
using Microsoft.Extensions.Logging.Abstractions;

namespace HubManager.Tests.Updates;

/// <summary>
/// The NAS client's time and size bounds against the hostile File Browser stand-in, in process (fast): an answer
/// that never comes is retried once the headers' timeout passes (which does not cut a slow body), a package body
/// that stalls before its first byte is resumed, a dripped login fails at the exchange bound naming the login, and
/// an endless chunked sidecar is refused at 64 KiB. The shipped binary meets the same NAS in <see cref="HostileNasTests"/>.
/// </summary>
[NotInParallel(nameof(NasClientTests))]
public class HostileNasClientTests
{
    const string RawPath = "/api/raw/2.0.11/hub-2.0.11.tar.gz";

    static NasClient Client(FileBrowserNas nas, NasLimits limits) => new(
        new NasOptions
        {
            Url = nas.Url, PackagePath = "/api/raw/{version}/hub-{version}.tar.gz", Auth = "filebrowser",
            Username = nas.Username, Password = nas.Password, Limits = limits,
        },
        NullLogger.Instance,
        NasClient.CreateHandler(new NasRetryPolicy(4, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30)), limits.ReadTimeout),
        TimeProvider.System);

    /// <summary>Release 2.0.11 and its sidecar on a File Browser stand-in.</summary>
    static NasClientTests.ServedPackage Serve()
    {
        var served = new NasClientTests.ServedPackage(0);
        served.Nas.Put("2.0.11/hub-2.0.11.tar.gz.sha256", System.Text.Encoding.ASCII.GetBytes(ReleasePackages.Sha256Line(served.Package, "hub-2.0.11.tar.gz")));
        return served;
    }

    [Test]
    public async Task An_answer_that_never_comes_is_retried_once_the_headers_timeout_passes()
    {
        await using var served = Serve();
        var nas = served.Nas;
        var package = served.Package;
        using var client = Client(nas, new NasLimits { ReadTimeout = TimeSpan.FromSeconds(1) });
        nas.Inject(RawPath, new FileBrowserNas.Fault.Silent());

        using var download = await ReleaseDownload.OpenAsync(client, client.PackageUri("2.0.11"), NullLogger.Instance, (_, _) => { }, CancellationToken.None);
        var copy = new MemoryStream();
        await download.CopyToAsync(copy);

        await Assert.That(copy.ToArray().AsSpan().SequenceEqual(package)).IsTrue();
        await Assert.That(nas.Requests.Count(r => r.Path == RawPath)).IsEqualTo(2);
    }

    [Test]
    public async Task The_headers_timeout_does_not_cut_a_body_that_takes_longer()
    {
        await using var served = new NasClientTests.ServedPackage(300_000);
        var nas = served.Nas;
        nas.BytesPerSecond = 100_000; // about 3 s, steadily: no read waits anywhere near the 1 s timeout
        using var client = Client(nas, new NasLimits { ReadTimeout = TimeSpan.FromSeconds(1) });

        using var download = await ReleaseDownload.OpenAsync(client, client.PackageUri("2.0.11"), NullLogger.Instance, (_, _) => { }, CancellationToken.None);
        var copy = new MemoryStream();
        await download.CopyToAsync(copy);

        await Assert.That(copy.ToArray().AsSpan().SequenceEqual(served.Package)).IsTrue();
        await Assert.That(download.Resumes).IsEqualTo(0);
    }

    [Test]
    public async Task A_package_body_that_stalls_before_its_first_byte_is_resumed_from_byte_0()
    {
        await using var served = Serve();
        var nas = served.Nas;
        var package = served.Package;
        using var client = Client(nas, new NasLimits { ReadTimeout = TimeSpan.FromSeconds(1) });
        nas.Inject(RawPath, new FileBrowserNas.Fault.Stall());

        using var download = await ReleaseDownload.OpenAsync(client, client.PackageUri("2.0.11"), NullLogger.Instance, (_, _) => { }, CancellationToken.None);
        var copy = new MemoryStream();
        await download.CopyToAsync(copy);

        await Assert.That(copy.ToArray().AsSpan().SequenceEqual(package)).IsTrue();
        await Assert.That(download.Resumes).IsEqualTo(1);
        var resumed = nas.Requests.Last(r => r.Path == RawPath);
        await Assert.That(resumed.Headers["range"]).IsEqualTo("bytes=0-");
        await Assert.That(resumed.Headers.ContainsKey("if-range")).IsTrue();
    }

    [Test]
    public async Task A_login_dripped_a_byte_at_a_time_fails_at_the_exchange_bound_naming_the_login()
    {
        await using var served = Serve();
        var nas = served.Nas;
        // Every byte well within the read timeout; the whole login (hundreds of bytes) far beyond the exchange bound.
        using var client = Client(nas, new NasLimits { ReadTimeout = TimeSpan.FromSeconds(5), ExchangeTimeout = TimeSpan.FromSeconds(2) });
        nas.Inject("/api/login", new FileBrowserNas.Fault.Drip(TimeSpan.FromMilliseconds(200)));

        var failure = await Assert.That(() => client.GetChecksumAsync(client.PackageUri("2.0.11"), "hub-2.0.11.tar.gz", CancellationToken.None)).Throws<NasException>();

        await Assert.That(failure!.Message).IsEqualTo("the NAS took longer than 2 s over /api/login (Nas:ExchangeTimeoutSeconds)");
        await Assert.That(nas.Requests.Any(r => r.Path == RawPath + ".sha256")).IsFalse();
    }

    [Test]
    public async Task An_endless_chunked_sidecar_is_refused_at_64_KiB()
    {
        await using var served = Serve();
        var nas = served.Nas;
        using var client = Client(nas, new NasLimits());
        nas.Inject(RawPath + ".sha256", new FileBrowserNas.Fault.Endless());

        var failure = await Assert.That(() => client.GetChecksumAsync(client.PackageUri("2.0.11"), "hub-2.0.11.tar.gz", CancellationToken.None)).Throws<NasException>();

        await Assert.That(failure!.Message).IsEqualTo("/api/raw/2.0.11/hub-2.0.11.tar.gz.sha256 is larger than 64 KiB; it is not a checksum file");
    }
}
