using System.Net;
using System.Net.Http.Headers;
using System.Text;
using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Http;

/// <summary>
/// Hostile local callers against the shipped binary: DNS rebinding (foreign Host), cross-site pages
/// (Origin, Sec-Fetch-Site), wrong or oversized bodies, oversized request lines and headers, and the
/// token required beyond loopback. A plain curl-like request passes.
/// </summary>
public class RequestGuardTests
{
    static readonly HttpClient Http = new();

    static async Task<HttpResponseMessage> SendAsync(ManagerProcess manager, HttpMethod method, string path, Action<HttpRequestMessage>? shape = null)
    {
        var request = new HttpRequestMessage(method, new Uri(manager.BaseAddress, path));
        shape?.Invoke(request);
        return await Http.SendAsync(request);
    }

    [Test]
    public async Task A_plain_local_request_passes()
    {
        await using var manager = await ManagerProcess.StartAsync();

        using var version = await SendAsync(manager, HttpMethod.Get, "/version");
        using var fromLocalPage = await SendAsync(manager, HttpMethod.Get, "/version", r => r.Headers.Add("Origin", "http://localhost:3000"));

        await Assert.That(version.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(fromLocalPage.StatusCode).IsEqualTo(HttpStatusCode.OK);
    }

    [Test]
    [Arguments("evil.example")]
    [Arguments("127.0.0.2")]
    [Arguments("localhost.evil.example")]
    public async Task A_foreign_Host_is_misdirected(string host)
    {
        await using var manager = await ManagerProcess.StartAsync();

        using var response = await SendAsync(manager, HttpMethod.Get, "/version", r => r.Headers.Host = $"{host}:{manager.Port}");

        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.MisdirectedRequest);
        await Assert.That(await response.Content.ReadAsStringAsync()).Contains(host);
    }

    [Test]
    [Arguments("Origin", "http://evil.example")]
    [Arguments("Origin", "null")]
    [Arguments("Sec-Fetch-Site", "cross-site")]
    public async Task Cross_site_requests_are_forbidden(string header, string value)
    {
        await using var manager = await ManagerProcess.StartAsync();

        using var response = await SendAsync(manager, HttpMethod.Post, "/restart", r => r.Headers.Add(header, value));

        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.Forbidden);
        await Assert.That(response.Content.Headers.ContentType!.MediaType).IsEqualTo("application/json");
    }

    [Test]
    public async Task Bodies_must_be_json_and_small()
    {
        await using var manager = await ManagerProcess.StartAsync();

        using var form = await SendAsync(manager, HttpMethod.Post, "/restart", r => r.Content = new StringContent("version=1", Encoding.UTF8, "application/x-www-form-urlencoded"));
        using var huge = await SendAsync(manager, HttpMethod.Post, "/restart", r => r.Content = new StringContent($"{{\"pad\": \"{new string('x', 70_000)}\"}}", Encoding.UTF8, "application/json"));

        await Assert.That(form.StatusCode).IsEqualTo(HttpStatusCode.UnsupportedMediaType);
        await Assert.That(huge.StatusCode).IsEqualTo(HttpStatusCode.RequestEntityTooLarge);
    }

    [Test]
    public async Task Oversized_request_lines_and_headers_are_refused_by_kestrel()
    {
        await using var manager = await ManagerProcess.StartAsync();

        using var longUrl = await SendAsync(manager, HttpMethod.Get, "/status?" + new string('a', 10_000));
        using var bigHeaders = await SendAsync(manager, HttpMethod.Get, "/status", r => r.Headers.Add("X-Padding", new string('a', 20_000)));

        await Assert.That(longUrl.StatusCode).IsEqualTo(HttpStatusCode.RequestUriTooLong);
        await Assert.That(bigHeaders.StatusCode).IsEqualTo(HttpStatusCode.RequestHeaderFieldsTooLarge);
    }

    [Test]
    public async Task Beyond_loopback_every_request_needs_the_token()
    {
        const string token = "0123456789abcdef0123456789abcdef";
        await using var manager = await ManagerProcess.StartAsync("0.0.0.0", $"--ApiToken={token}");

        using var none = await SendAsync(manager, HttpMethod.Get, "/version");
        using var wrong = await SendAsync(manager, HttpMethod.Get, "/version", r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token + "0"));
        using var right = await SendAsync(manager, HttpMethod.Get, "/version", r =>
        {
            r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            r.Headers.Host = "hub-vm.lan";
        });

        await Assert.That(none.StatusCode).IsEqualTo(HttpStatusCode.Unauthorized);
        await Assert.That(none.Headers.WwwAuthenticate.ToString()).IsEqualTo("Bearer");
        await Assert.That(wrong.StatusCode).IsEqualTo(HttpStatusCode.Unauthorized);
        await Assert.That(right.StatusCode).IsEqualTo(HttpStatusCode.OK);
    }

    [Test]
    public async Task Listening_beyond_loopback_without_a_token_is_refused_at_start_up()
    {
        var result = await Shell.RunAsync(Repository.ManagerBinary, ["--Listen=0.0.0.0:3081"]);

        await Assert.That(result.ExitCode).IsEqualTo(78);
        await Assert.That(result.Stderr).Contains("ApiToken");
    }
}
