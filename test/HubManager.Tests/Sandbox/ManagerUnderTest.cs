using System.Net;
using System.Text;
using System.Text.Json;

namespace HubManager.Tests.Sandbox;

/// <summary>A running manager unit in a <see cref="HubSandbox"/>, reached over HTTP on the host's loopback.</summary>
public sealed class ManagerUnderTest(HubSandbox sandbox, string unitName, int port)
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    public string UnitName => unitName;
    public int Port => port;
    public Uri BaseAddress { get; } = new($"http://127.0.0.1:{port}");

    public async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path)
    {
        using var response = await Http.GetAsync(new Uri(BaseAddress, path));
        return (response.StatusCode, await ReadJsonAsync(response));
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, string? json = null)
    {
        using var content = new StringContent(json ?? "", Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync(new Uri(BaseAddress, path), json is null ? null : content);
        return (response.StatusCode, await ReadJsonAsync(response));
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path) =>
        await Http.SendAsync(new HttpRequestMessage(method, new Uri(BaseAddress, path)));

    /// <summary>The manager's own journal, for failure messages.</summary>
    public async Task<string> JournalAsync() =>
        (await sandbox.RunAsync("journalctl", "-u", unitName, "--no-pager", "-n", "50")).Stdout;

    static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode} with a body that is not JSON: {text}");
        }
    }
}
