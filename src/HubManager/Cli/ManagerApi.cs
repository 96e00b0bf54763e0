using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using HubManager.Hosting;

namespace HubManager.Cli;

/// <summary>
/// The manager's HTTP API as the client commands call it: over loopback at the address the manager listens on (a
/// wildcard address is reached at loopback), with its token when one is configured, and never through a proxy.
/// A manager that cannot be reached, or a connection that breaks off, is a <see cref="ManagerUnreachableException"/>
/// naming the address.
/// </summary>
public sealed class ManagerApi : IDisposable
{
    readonly HttpClient http;

    public ManagerApi(HubManagerOptions options)
    {
        var address = options.Listen.Address;
        if (address.Equals(IPAddress.Any))
            address = IPAddress.Loopback;
        else if (address.Equals(IPAddress.IPv6Any))
            address = IPAddress.IPv6Loopback;
        BaseAddress = new Uri($"http://{new IPEndPoint(address, options.Listen.Port)}/");
        // Jobs and the health gate take as long as systemd takes; each command bounds its own wait where it must.
        http = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            BaseAddress = BaseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (options.ApiToken is { } token)
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Uri BaseAddress { get; }

    public ApiAnswer Get(string path) => Send(HttpMethod.Get, path, null);

    public ApiAnswer Post(string path, string? json = null) => Send(HttpMethod.Post, path, json);

    /// <summary>One request and its whole answer. Synchronous: a command does one thing at a time (and async code costs binary size).</summary>
    ApiAnswer Send(HttpMethod method, string path, string? json)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        try
        {
            using var response = http.Send(request, HttpCompletionOption.ResponseHeadersRead);
            return Answer(response);
        }
        catch (Exception failure) when (failure is HttpRequestException or IOException or OperationCanceledException)
        {
            throw Unreachable(failure);
        }
    }

    /// <summary>Opens a Server-Sent Events stream (<c>/update/events</c>, <c>/logs?follow=true</c>); an answer that is not a stream is returned as the refusal.</summary>
    public (ServerSentEventReader? Events, ApiAnswer? Refusal) OpenEvents(string path, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (lastEventId is not null)
            request.Headers.Add("Last-Event-ID", lastEventId);
        try
        {
            var response = http.Send(request, HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode == HttpStatusCode.OK)
                return (new ServerSentEventReader(response, response.Content.ReadAsStream(), this), null);
            using (response)
                return (null, Answer(response));
        }
        catch (Exception failure) when (failure is HttpRequestException or IOException or OperationCanceledException)
        {
            throw Unreachable(failure);
        }
    }

    static ApiAnswer Answer(HttpResponseMessage response)
    {
        using var body = response.Content.ReadAsStream();
        var bytes = new MemoryStream();
        body.CopyTo(bytes);
        return new ApiAnswer((int)response.StatusCode, bytes.ToArray());
    }

    /// <summary>The sentence for a failure to talk to the manager, naming where it was expected.</summary>
    public ManagerUnreachableException Unreachable(Exception failure)
    {
        var reason = failure.InnerException is SocketException socket ? socket.Message : failure.Message;
        return new ManagerUnreachableException(
            $"cannot reach the manager at {BaseAddress} ({reason}); is it running? (systemctl status {SelfInstaller.ServiceName})", failure);
    }

    public void Dispose() => http.Dispose();
}
