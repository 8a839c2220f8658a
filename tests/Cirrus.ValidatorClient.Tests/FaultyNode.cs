using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cirrus.ValidatorClient.Tests;

/// <summary>
/// A reverse proxy in front of a real node that answers chosen paths with a body of its own (a
/// malformed reply, an error) and passes everything else through. The event stream is not proxied.
/// </summary>
public sealed class FaultyNode : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public FaultyNode(Uri upstream, Func<string, (int Status, string Body)?> fault)
    {
        var b = WebApplication.CreateSlimBuilder();
        b.Logging.ClearProviders();
        b.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _app = b.Build();
        _app.Run(async c =>
        {
            string path = c.Request.Path.Value ?? "";
            if (path == "/eth/v1/events")
            {
                c.Response.StatusCode = 404;
                return;
            }
            if (fault(path) is { } f)
            {
                c.Response.StatusCode = f.Status;
                c.Response.ContentType = "application/json";
                await c.Response.WriteAsync(f.Body);
                return;
            }
            using var req = new HttpRequestMessage(new HttpMethod(c.Request.Method), new Uri(upstream, path.TrimStart('/') + c.Request.QueryString));
            if (c.Request.ContentLength > 0 || c.Request.Method == "POST")
            {
                using var ms = new MemoryStream();
                await c.Request.Body.CopyToAsync(ms);
                req.Content = new ByteArrayContent(ms.ToArray());
                req.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            }
            using var resp = await _http.SendAsync(req);
            c.Response.StatusCode = (int)resp.StatusCode;
            c.Response.ContentType = resp.Content.Headers.ContentType?.ToString() ?? "application/json";
            await c.Response.Body.WriteAsync(await resp.Content.ReadAsByteArrayAsync());
        });
    }

    public async Task StartAsync() => await _app.StartAsync();

    public Uri Url => new(_app.Urls.First().TrimEnd('/') + "/");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _http.Dispose();
    }
}
