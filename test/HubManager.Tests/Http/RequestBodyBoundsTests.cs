using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Http;

/// <summary>
/// Bodies Kestrel refuses while <c>POST /update</c> reads them, against the shipped binary in a real systemd:
/// a chunked body over 64 KiB (no Content-Length to refuse up front) and a body dripped at 1 byte/s get Kestrel's
/// status with a JSON sentence, and leave no error line or stack trace in the manager's journal.
/// </summary>
[ClassDataSource<HubSandbox>(Shared = SharedType.PerClass)]
[NotInParallel(nameof(RequestBodyBoundsTests))]
public class RequestBodyBoundsTests(HubSandbox sandbox)
{
    static readonly HttpClient Http = new();

    [Test]
    public async Task An_80_KiB_chunked_update_gets_413_with_a_sentence_and_logs_no_error()
    {
        var manager = await sandbox.DefaultManagerAsync();
        var body = $$"""{"version": "2.0.11", "pad": "{{new string('x', 80 * 1024)}}"}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(manager.BaseAddress, "/update"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.TransferEncodingChunked = true;

        using var response = await Http.SendAsync(request);
        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var (errors, traces) = await ErrorsAndTracesAsync(manager);

        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.RequestEntityTooLarge);
        await Assert.That(answer.GetProperty("message").GetString()).IsEqualTo("Request bodies are limited to 64 KiB.");
        await Assert.That(errors).IsEmpty();
        await Assert.That(traces).IsEmpty();
    }

    [Test]
    public async Task A_body_dripped_at_1_byte_per_second_gets_408_with_a_sentence_within_10_s_and_logs_no_error()
    {
        var manager = await sandbox.DefaultManagerAsync();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, manager.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            "POST /update HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"));

        var clock = Stopwatch.StartNew();
        var answer = ReadToEndAsync(socket);
        while (!answer.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                await socket.SendAsync("{"u8.ToArray());
            }
            catch (SocketException)
            {
                break; // the manager has closed the connection
            }
            await Task.WhenAny(answer, Task.Delay(TimeSpan.FromSeconds(1)));
        }
        var text = await answer;
        var took = clock.Elapsed;
        var json = JsonDocument.Parse(text[text.IndexOf('{')..(text.LastIndexOf('}') + 1)]).RootElement;
        var (errors, traces) = await ErrorsAndTracesAsync(manager);

        await Assert.That(text).StartsWith("HTTP/1.1 408 ");
        await Assert.That(json.GetProperty("error").GetString()).IsEqualTo("Request timeout");
        await Assert.That(json.GetProperty("message").GetString()).Contains("240 bytes/s");
        await Assert.That(took).IsLessThan(TimeSpan.FromSeconds(10));
        await Assert.That(errors).IsEmpty();
        await Assert.That(traces).IsEmpty();
    }

    /// <summary>Everything the manager answers on this connection, up to its closing it.</summary>
    static async Task<string> ReadToEndAsync(Socket socket)
    {
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer)) > 0)
                received.Write(buffer, 0, read);
        }
        catch (SocketException)
        {
            // Reset after the answer: what arrived is what counts.
        }
        return Encoding.UTF8.GetString(received.ToArray());
    }

    /// <summary>The manager's journal lines at error priority or worse, and any line carrying an exception.</summary>
    async Task<(string[] Errors, string[] Traces)> ErrorsAndTracesAsync(ManagerUnderTest manager)
    {
        (await sandbox.RunAsync("journalctl", "--sync")).EnsureSuccess("journalctl --sync");
        var errors = await sandbox.RunAsync("journalctl", "-u", manager.UnitName, "--no-pager", "-q", "-o", "cat", "-p", "err");
        var all = await sandbox.RunAsync("journalctl", "-u", manager.UnitName, "--no-pager", "-q", "-o", "cat");
        return (Lines(errors.Stdout), Lines(all.Stdout).Where(line => line.Contains("Exception")).ToArray());
    }

    static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
