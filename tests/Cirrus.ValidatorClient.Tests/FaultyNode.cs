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

    /// <summary>Requests seen, by path.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, int> Hits { get; } = new();

    /// <summary>With <paramref name="events"/>, the event stream sends what is written there (raw SSE text) instead of a 404.</summary>
    public FaultyNode(Uri upstream, Func<string, (int Status, string Body)?> fault, System.Threading.Channels.Channel<string>? events = null)
    {
        var b = WebApplication.CreateSlimBuilder();
        b.Logging.ClearProviders();
        b.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _app = b.Build();
        _app.Run(async c =>
        {
            string path = c.Request.Path.Value ?? "";
            Hits.AddOrUpdate(path, 1, (_, n) => n + 1);
            if (path == "/eth/v1/events")
            {
                if (events is null)
                {
                    c.Response.StatusCode = 404;
                    return;
                }
                c.Response.StatusCode = 200;
                c.Response.ContentType = "text/event-stream";
                await c.Response.Body.FlushAsync();
                try
                {
                    await foreach (string e in events.Reader.ReadAllAsync(c.RequestAborted))
                    {
                        await c.Response.WriteAsync(e, c.RequestAborted);
                        await c.Response.Body.FlushAsync(c.RequestAborted);
                    }
                }
                catch (OperationCanceledException) { }
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
