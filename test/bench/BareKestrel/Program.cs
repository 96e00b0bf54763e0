// bare-kestrel PORT: the floor for GET /status throughput. The same host and Kestrel set-up as the
// manager (empty builder, Kestrel core, no Server header, Type=notify via AddSystemd) and a body of
// the same size as /status, but nothing behind it: no routing, no guard, no status cache.
using System.Net;

var body = """{"running":true,"managerVersion":"0.1.0+0000000","unit":"ai-hub.service","activeState":"active","subState":"running","mainPid":1234,"since":"2026-01-01T00:00:00.000000+00:00","restarts":0,"installedVersion":"2.0.10"}"""u8.ToArray();
var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = [] });
builder.Services.AddSystemd();
builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Listen(IPAddress.Loopback, int.Parse(args[0]));
});
var app = builder.Build();
app.Run(context =>
{
    context.Response.ContentType = "application/json; charset=utf-8";
    context.Response.ContentLength = body.Length;
    return context.Response.Body.WriteAsync(body).AsTask();
});
app.Run();
