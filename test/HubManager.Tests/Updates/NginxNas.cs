using System.Diagnostics;
using System.Net.Sockets;

namespace HubManager.Tests.Updates;

/// <summary>
/// Real nginx (Debian's <c>nginx-light</c>) on 127.0.0.1 serving a directory with HTTP basic auth: the
/// "plain web server" NAS (<c>Nas:Auth=basic</c>), with nginx's own ETag, Last-Modified, Range and If-Range.
/// Runs in the foreground as a child of the test and is killed on dispose.
/// </summary>
public sealed class NginxNas : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/nginx";

    readonly Process process;
    readonly TempDir prefix;

    NginxNas(Process process, TempDir prefix, int port) => (this.process, this.prefix, Port) = (process, prefix, port);

    public int Port { get; }
    public Uri Url => new($"http://127.0.0.1:{Port}");

    public static bool Installed => File.Exists(Binary);

    public static async Task<NginxNas> StartAsync(string root, string username, string password)
    {
        var prefix = new TempDir();
        var port = Sandbox.HubSandbox.FreePort();
        // {PLAIN} is an htpasswd scheme nginx understands; good enough for a test credential.
        File.WriteAllText(Path.Combine(prefix.Path, "htpasswd"), $"{username}:{{PLAIN}}{password}\n");
        File.WriteAllText(Path.Combine(prefix.Path, "nginx.conf"), $$"""
            daemon off;
            user root;
            worker_processes 1;
            error_log {{prefix.Path}}/error.log;
            pid {{prefix.Path}}/nginx.pid;
            events { worker_connections 64; }
            http {
                access_log {{prefix.Path}}/access.log;
                client_body_temp_path {{prefix.Path}}/body;
                proxy_temp_path {{prefix.Path}}/proxy;
                fastcgi_temp_path {{prefix.Path}}/fastcgi;
                uwsgi_temp_path {{prefix.Path}}/uwsgi;
                scgi_temp_path {{prefix.Path}}/scgi;
                default_type application/octet-stream;
                server {
                    listen 127.0.0.1:{{port}};
                    root {{root}};
                    location / {
                        auth_basic "NAS";
                        auth_basic_user_file {{prefix.Path}}/htpasswd;
                    }
                }
            }
            """);
        var start = new ProcessStartInfo(Binary) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-p", prefix.Path, "-c", Path.Combine(prefix.Path, "nginx.conf") })
            start.ArgumentList.Add(arg);
        var process = Process.Start(start)!;
        var nginx = new NginxNas(process, prefix, port);
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return nginx;
            }
            catch (SocketException) when (!process.HasExited)
            {
                await Task.Delay(50);
            }
        }
        var log = File.Exists(Path.Combine(prefix.Path, "error.log")) ? File.ReadAllText(Path.Combine(prefix.Path, "error.log")) : "";
        await nginx.DisposeAsync();
        throw new InvalidOperationException($"nginx did not start: {await process.StandardError.ReadToEndAsync()} {log}");
    }

    /// <summary>Request lines nginx logged (method, path, status).</summary>
    public string AccessLog => File.Exists(Path.Combine(prefix.Path, "access.log")) ? File.ReadAllText(Path.Combine(prefix.Path, "access.log")) : "";

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
        prefix.Dispose();
    }
}
