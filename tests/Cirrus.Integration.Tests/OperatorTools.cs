using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cirrus.Integration.Tests;

/// <summary>Where the operator tests find the repository (dashboard, scrape config) and put their artifacts.</summary>
public static class RepoPaths
{
    public static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BeaconNode.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root (BeaconNode.sln) not found");
    }

    public static string Artifacts()
    {
        string a = Path.Combine(Root(), "artifacts");
        Directory.CreateDirectory(a);
        return a;
    }

    /// <summary>A Debian tool the operator tests need; a clear failure (never a skip) when it is missing.</summary>
    public static string Tool(string path, string package)
    {
        if (File.Exists(path)) return path;
        throw new InvalidOperationException($"{path} not found: install Debian's {package} (scripts/setup-operator-tools.sh does, and scripts/test.sh runs it)");
    }
}

/// <summary>Debian's Prometheus on loopback, scraping the given targets, with a query helper.</summary>
public sealed class PrometheusProcess : IDisposable
{
    private readonly Process _p;
    private readonly StringBuilder _out = new();
    public HttpClient Http { get; }
    public string Output { get { lock (_out) return _out.ToString(); } }

    public PrometheusProcess(string configYaml, string dir)
    {
        string bin = RepoPaths.Tool("/usr/bin/prometheus", "prometheus");
        Directory.CreateDirectory(dir);
        string config = Path.Combine(dir, "prometheus.yml");
        File.WriteAllText(config, configYaml);
        int port = NodeProcess.FreePort();
        var psi = new ProcessStartInfo(bin) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(dir, "data")}",
                     $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn" })
            psi.ArgumentList.Add(a);
        _p = new Process { StartInfo = psi };
        _p.OutputDataReceived += (_, e) => { if (e.Data is { } l) lock (_out) _out.AppendLine(l); };
        _p.ErrorDataReceived += (_, e) => { if (e.Data is { } l) lock (_out) _out.AppendLine(l); };
        _p.Start();
        _p.BeginOutputReadLine();
        _p.BeginErrorReadLine();
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        bool ready = await ApiHelpers.Eventually(async () =>
        {
            if (_p.HasExited) throw new InvalidOperationException("prometheus exited:\n" + Output);
            using var r = await Http.GetAsync("/-/ready");
            return r.IsSuccessStatusCode;
        }, timeout);
        if (!ready) throw new InvalidOperationException("prometheus did not become ready:\n" + Output);
    }

    /// <summary>An instant query: (error or null, number of series).</summary>
    public async Task<(string? Error, int Series)> QueryAsync(string promql)
    {
        using var r = await Http.GetAsync("/api/v1/query?query=" + Uri.EscapeDataString(promql));
        string body = await r.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(body);
        if (doc.RootElement.GetProperty("status").GetString() != "success")
            return (doc.RootElement.TryGetProperty("error", out var e) ? e.GetString() : body, 0);
        return (null, doc.RootElement.GetProperty("data").GetProperty("result").GetArrayLength());
    }

    /// <summary>A range query: each series' legend and its (unix seconds, value) points.</summary>
    public async Task<List<(string Legend, List<(double T, double V)> Points)>> RangeAsync(string promql, string legendFormat, double start, double end, double step)
    {
        string q = string.Create(CultureInfo.InvariantCulture,
            $"/api/v1/query_range?query={Uri.EscapeDataString(promql)}&start={start:F0}&end={end:F0}&step={step:F0}");
        using var doc = JsonDocument.Parse(await Http.GetStringAsync(q));
        var list = new List<(string, List<(double, double)>)>();
        foreach (var series in doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var labels = series.GetProperty("metric");
            string legend = Regex.Replace(legendFormat, @"\{\{\s*(\w+)\s*\}\}",
                m => labels.TryGetProperty(m.Groups[1].Value, out var v) ? v.GetString() ?? "" : "");
            var pts = new List<(double, double)>();
            foreach (var v in series.GetProperty("values").EnumerateArray())
                if (double.TryParse(v[1].GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double y) && double.IsFinite(y))
                    pts.Add((v[0].GetDouble(), y));
            list.Add((legend.Trim(), pts));
        }
        return list;
    }

    public void Dispose()
    {
        Http.Dispose();
        try { if (!_p.HasExited) _p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _p.WaitForExit(10_000);
        _p.Dispose();
    }
}

/// <summary>Debian's headless Chromium driven over the DevTools protocol (a WebSocket): navigate, evaluate, screenshot.</summary>
public sealed partial class ChromiumProcess : IAsyncDisposable
{
    private readonly Process _p;
    private readonly StringBuilder _out = new();
    private readonly TaskCompletionSource<string> _devtools = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _profile;
    private ClientWebSocket? _ws;
    private int _nextId;

    public string Output { get { lock (_out) return _out.ToString(); } }

    public ChromiumProcess(string dir)
    {
        string bin = RepoPaths.Tool("/usr/bin/chromium", "chromium");
        _profile = Path.Combine(dir, "chromium-profile");
        Directory.CreateDirectory(_profile);
        var psi = new ProcessStartInfo(bin) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", $"--user-data-dir={_profile}",
                     "--window-size=1280,1000", "about:blank" })
            psi.ArgumentList.Add(a);
        _p = new Process { StartInfo = psi };
        _p.OutputDataReceived += (_, e) => OnLine(e.Data);
        _p.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _p.Start();
        _p.BeginOutputReadLine();
        _p.BeginErrorReadLine();
    }

    [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
    private static partial Regex DevToolsLine();

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_out) _out.AppendLine(line);
        var m = DevToolsLine().Match(line);
        if (m.Success) _devtools.TrySetResult(m.Groups[1].Value);
    }

    /// <summary>Connects to the first page target.</summary>
    public async Task ConnectAsync(TimeSpan timeout)
    {
        var t = await Task.WhenAny(_devtools.Task, Task.Delay(timeout));
        if (t != _devtools.Task) throw new InvalidOperationException("chromium did not start its DevTools endpoint:\n" + Output);
        var browser = new Uri(_devtools.Task.Result);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string? pageWs = null;
        bool found = await ApiHelpers.Eventually(async () =>
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync($"http://{browser.Authority}/json/list"));
            foreach (var target in doc.RootElement.EnumerateArray())
                if (target.GetProperty("type").GetString() == "page")
                {
                    pageWs = target.GetProperty("webSocketDebuggerUrl").GetString();
                    return true;
                }
            return false;
        }, timeout);
        if (!found || pageWs is null) throw new InvalidOperationException("chromium has no page target:\n" + Output);
        _ws = new ClientWebSocket();
        using var cts = new CancellationTokenSource(timeout);
        await _ws.ConnectAsync(new Uri(pageWs), cts.Token);
    }

    /// <summary>Sends a DevTools command and returns its result (events in between are skipped).</summary>
    public async Task<JsonElement> SendAsync(string method, object? parameters = null, TimeSpan? timeout = null)
    {
        var ws = _ws ?? throw new InvalidOperationException("not connected");
        int id = ++_nextId;
        byte[] msg = JsonSerializer.SerializeToUtf8Bytes(new { id, method, @params = parameters ?? new { } });
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        await ws.SendAsync(msg, WebSocketMessageType.Text, true, cts.Token);
        var buffer = new byte[1 << 16];
        while (true)
        {
            using var ms = new MemoryStream();
            WebSocketReceiveResult r;
            do
            {
                r = await ws.ReceiveAsync(buffer, cts.Token);
                if (r.MessageType == WebSocketMessageType.Close) throw new InvalidOperationException("chromium closed the DevTools connection");
                ms.Write(buffer, 0, r.Count);
            } while (!r.EndOfMessage);
            using var doc = JsonDocument.Parse(ms.ToArray());
            if (!doc.RootElement.TryGetProperty("id", out var rid) || rid.GetInt32() != id) continue;
            if (doc.RootElement.TryGetProperty("error", out var err)) throw new InvalidOperationException($"{method}: {err}");
            return doc.RootElement.GetProperty("result").Clone();
        }
    }

    /// <summary>Evaluates a JavaScript expression in the page; its value as a string (null for null/undefined).</summary>
    public async Task<string?> EvaluateAsync(string expression)
    {
        var r = await SendAsync("Runtime.evaluate", new { expression, returnByValue = true });
        var v = r.GetProperty("result");
        return v.TryGetProperty("value", out var value) ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.ToString() : null;
    }

    public async Task ScreenshotAsync(string file)
    {
        var r = await SendAsync("Page.captureScreenshot", new { format = "png", captureBeyondViewport = true });
        await File.WriteAllBytesAsync(file, Convert.FromBase64String(r.GetProperty("data").GetString()!));
    }

    public async ValueTask DisposeAsync()
    {
        if (_ws is not null)
        {
            try { await _ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "", new CancellationTokenSource(2000).Token); }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or InvalidOperationException) { }
            _ws.Dispose();
        }
        try { if (!_p.HasExited) _p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _p.WaitForExit(10_000);
        _p.Dispose();
    }
}
