using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;
using static Cirrus.Integration.Tests.ApiHelpers;

namespace Cirrus.Integration.Tests;

/// <summary>
/// One devnet shared by the operator tests (dashboard queries in Prometheus, the status page in Chromium,
/// doppelganger detection, the validator monitor): `cirrus devnet` with 2 nodes, 2 validator clients,
/// 64 validators, 2 s slots and metrics on, as an operator would run it.
/// </summary>
public sealed class OperatorDevnet : IAsyncLifetime
{
    public const int Nodes = 2, Clients = 2, Validators = 64;
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "cirrus-operator-it-" + Guid.NewGuid().ToString("N"));
    public string NetworkDir => Path.Combine(Dir, "network");
    public int RestPort { get; private set; }
    public int MetricsPort { get; private set; }
    public NodeProcess Devnet { get; private set; } = null!;
    public HttpClient Node0 { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        RestPort = NodeProcess.FreePorts(Nodes);
        MetricsPort = NodeProcess.FreePorts(Nodes + Clients);
        Devnet = NodeProcess.Spawn(["devnet", "--nodes", Nodes.ToString(CultureInfo.InvariantCulture), "--validators", Validators.ToString(CultureInfo.InvariantCulture),
            "--seconds-per-slot", "2", "--rest-port", RestPort.ToString(CultureInfo.InvariantCulture),
            "--metrics-port", MetricsPort.ToString(CultureInfo.InvariantCulture), "--dir", Dir, "--timeout", "900"]);
        Node0 = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{RestPort}"), Timeout = TimeSpan.FromSeconds(10) };
        // running once blocks flow: the head is past genesis
        bool up = await Eventually(async () => !Devnet.HasExited && (await HeadOf(Node0)).Slot >= 2, TimeSpan.FromSeconds(120));
        if (!up) throw new InvalidOperationException("the devnet did not produce blocks:\n" + Devnet.Output);
    }

    public async Task DisposeAsync()
    {
        Node0.Dispose();
        if (!Devnet.HasExited) await Devnet.StopAsync(TimeSpan.FromSeconds(60));
        Devnet.Dispose();
        try { Directory.Delete(Dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

[Collection(LiveCollection.Name)]
public sealed class OperatorTests(OperatorDevnet d, ITestOutputHelper log) : IClassFixture<OperatorDevnet>
{
    /// <summary>The repository's scrape config, pointed at the devnet's processes and scraping every second.</summary>
    private string ScrapeConfig()
    {
        string yaml = File.ReadAllText(Path.Combine(RepoPaths.Root(), "deploy", "prometheus", "prometheus.yml"));
        string Targets(int first, int count) => "[" + string.Join(", ", Enumerable.Range(first, count).Select(p => $"'127.0.0.1:{p}'")) + "]";
        Assert.Contains("['127.0.0.1:8008']", yaml);
        Assert.Contains("['127.0.0.1:8009']", yaml);
        return yaml.Replace("['127.0.0.1:8008']", Targets(d.MetricsPort, OperatorDevnet.Nodes), StringComparison.Ordinal)
            .Replace("['127.0.0.1:8009']", Targets(d.MetricsPort + OperatorDevnet.Nodes, OperatorDevnet.Clients), StringComparison.Ordinal)
            .Replace("scrape_interval: 6s", "scrape_interval: 1s", StringComparison.Ordinal)
            .Replace("evaluation_interval: 6s", "evaluation_interval: 1s", StringComparison.Ordinal);
    }

    private sealed record PanelQuery(string Panel, string Expr, string Legend);

    private static List<PanelQuery> DashboardQueries()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root(), "deploy", "grafana", "cirrus-dashboard.json")));
        var list = new List<PanelQuery>();
        foreach (var panel in doc.RootElement.GetProperty("panels").EnumerateArray())
            foreach (var t in panel.GetProperty("targets").EnumerateArray())
                list.Add(new PanelQuery(panel.GetProperty("title").GetString()!, t.GetProperty("expr").GetString()!,
                    t.TryGetProperty("legendFormat", out var l) ? l.GetString() ?? "" : ""));
        return list;
    }

    [Fact]
    public async Task EveryDashboardQueryReturnsDataFromPrometheusScrapingTheDevnet()
    {
        var queries = DashboardQueries();
        Assert.True(queries.Count >= 15, $"{queries.Count} queries");
        using var prom = new PrometheusProcess(ScrapeConfig(), Path.Combine(d.Dir, "prometheus"));
        await prom.WaitReadyAsync(TimeSpan.FromSeconds(30));
        var failing = new Dictionary<string, string>();
        // rates need two scrapes and the validator monitor an epoch: poll until every query answers, bounded
        bool all = await Eventually(async () =>
        {
            failing.Clear();
            foreach (var q in queries)
            {
                var (error, series) = await prom.QueryAsync(q.Expr);
                if (error is not null) failing[q.Expr] = "error: " + error;
                else if (series == 0) failing[q.Expr] = "no data";
            }
            return failing.Count == 0;
        }, TimeSpan.FromSeconds(90), pollMs: 2000);
        Assert.True(all, $"dashboard queries failing ({failing.Count} of {queries.Count}):\n" +
            string.Join("\n", failing.Select(f => $"  {f.Key}: {f.Value}")) + "\nprometheus:\n" + prom.Output);
        // the up query covers both jobs: every node and validator client was scraped
        Assert.Equal(OperatorDevnet.Nodes + OperatorDevnet.Clients, (await prom.QueryAsync("up{job=~\"cirrus-.*\"} == 1")).Series);

        // render every panel's recent data (the dashboard's own queries) to an image, as CI evidence
        double end = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), start = end - 120;
        var panels = new List<(string Title, List<(string Legend, List<(double T, double V)> Points)> Series)>();
        foreach (var group in queries.GroupBy(q => q.Panel))
        {
            var series = new List<(string, List<(double, double)>)>();
            foreach (var q in group) series.AddRange(await prom.RangeAsync(q.Expr, q.Legend, start, end, 2));
            panels.Add((group.Key, series));
        }
        string html = Path.Combine(RepoPaths.Artifacts(), "dashboard-panels.html");
        File.WriteAllText(html, PanelRenderer.Html("Cirrus dashboard: every panel's query against a live devnet (last 2 minutes)", panels));
        await using var chromium = new ChromiumProcess(Path.Combine(d.Dir, "chromium-dashboard"));
        await chromium.ConnectAsync(TimeSpan.FromSeconds(30));
        await chromium.SendAsync("Page.navigate", new { url = new Uri(html).AbsoluteUri });
        Assert.True(await Eventually(async () => await chromium.EvaluateAsync("document.querySelectorAll('svg').length") == panels.Count.ToString(CultureInfo.InvariantCulture),
            TimeSpan.FromSeconds(20)), "the rendered panels did not load");
        string png = Path.Combine(RepoPaths.Artifacts(), "dashboard-panels.png");
        await chromium.ScreenshotAsync(png);
        Assert.True(new FileInfo(png).Length > 10_000, "screenshot too small");
        log.WriteLine($"{queries.Count} queries in {panels.Count} panels answered; rendered to {png}");
    }
    [Fact]
    public async Task StatusPageInChromiumShowsTheCurrentHeadSlotAndFollowsTheChainLive()
    {
        // served by the node itself, self-contained
        using (var r = await d.Node0.GetAsync("/"))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal("text/html", r.Content.Headers.ContentType?.MediaType);
            string html = await r.Content.ReadAsStringAsync();
            Assert.Contains("id=\"head-slot\"", html);
            Assert.DoesNotMatch(@"(src|href)=""(https?:)?//", html);
        }
        await using var chromium = new ChromiumProcess(Path.Combine(d.Dir, "chromium-status"));
        await chromium.ConnectAsync(TimeSpan.FromSeconds(30));
        await chromium.SendAsync("Page.navigate", new { url = $"http://127.0.0.1:{d.RestPort}/" });
        static ulong? Num(string? s) => ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) ? v : null;
        async Task<ulong?> DomHead() => Num(await chromium.EvaluateAsync("document.getElementById('head-slot').textContent"));
        Assert.True(await Eventually(async () => await DomHead() is not null && await chromium.EvaluateAsync("document.getElementById('live').textContent") == "live",
            TimeSpan.FromSeconds(30)), "the page never showed a head slot with its event stream open:\n" + chromium.Output);
        // the rendered head slot is the node's head slot (within the slot that may pass between the two reads)
        ulong dom = (await DomHead())!.Value;
        ulong api = (await HeadOf(d.Node0)).Slot;
        Assert.True(api >= dom && api - dom <= 1, $"page shows head slot {dom}, the node's head is {api}");
        // and it moves with the chain without a reload
        Assert.True(await Eventually(async () => await DomHead() > dom, TimeSpan.FromSeconds(20)), $"the page's head slot stayed at {dom}");
        ulong dom2 = (await DomHead())!.Value;
        ulong api2 = (await HeadOf(d.Node0)).Slot;
        Assert.True(api2 >= dom2 && api2 - dom2 <= 1, $"page shows head slot {dom2}, the node's head is {api2}");
        Assert.Equal("not followed", await chromium.EvaluateAsync("document.getElementById('eth1').textContent"));
        Assert.Equal("1", await chromium.EvaluateAsync("document.getElementById('peers').textContent"));
        // the validator client's validators appear (monitored automatically once it subscribes them)
        Assert.True(await Eventually(async () => Num(await chromium.EvaluateAsync("document.querySelectorAll('#validators tbody tr').length")) >= 8,
            TimeSpan.FromSeconds(40)), "no monitored validators on the page");
        string png = Path.Combine(RepoPaths.Artifacts(), "status-page.png");
        await chromium.ScreenshotAsync(png);
        Assert.True(new FileInfo(png).Length > 10_000, "screenshot too small");
        log.WriteLine($"status page: head slot {dom} -> {dom2}; screenshot {png}");
    }
    [Fact]
    public async Task ASecondValidatorClientWithTheSameKeysDetectsTheFirstAndRefusesToSign()
    {
        // validator client 0 of the devnet runs keys 0..31 through node 0; a second one with the same keys and its own data dir
        string dataDir = Path.Combine(d.Dir, "vc-twin");
        using var twin = NodeProcess.Spawn(["validator-client", "--network-dir", d.NetworkDir, "--beacon-node", $"http://127.0.0.1:{d.RestPort}",
            "--data-dir", dataDir, "--interop-validators", "0:32"]);
        // detection comes in the first watched epoch: at most two epochs of 16 s, plus start-up
        int code = await twin.WaitForExitAsync(TimeSpan.FromSeconds(120));
        log.WriteLine(twin.Output);
        Assert.Equal(3, code);
        Assert.Contains("doppelganger protection: watching epochs", twin.Output);
        Assert.Matches(@"error: doppelganger detected: validator\(s\) [\d, ]+ attested or proposed in epoch \d+", twin.Output);
        Assert.DoesNotContain("   at ", twin.Output);
        // it signed nothing: its slashing-protection record is empty
        string file = Path.Combine(d.Dir, "twin-export.json");
        var (exportCode, exportOut) = await NodeProcess.RunToExitAsync(["validator-client", "slashing-protection", "export", "--data-dir", dataDir, "--file", file],
            TimeSpan.FromSeconds(60));
        Assert.True(exportCode == 0, exportOut);
        var interchange = Cirrus.Validator.SlashingProtection.Interchange.Parse(File.ReadAllText(file));
        Assert.Equal(32, interchange.Data.Count);
        Assert.All(interchange.Data, r => Assert.Empty(r.SignedAttestations));
        Assert.All(interchange.Data, r => Assert.Empty(r.SignedBlocks));
        // and the devnet it joined is unharmed
        Assert.False(d.Devnet.HasExited, d.Devnet.Output);
    }
    [Fact]
    public async Task ValidatorMonitorFollowsTheClientsValidatorsInTheLogMetricsAndStatusPage()
    {
        // node 0 follows validator client 0's 32 validators without configuration (they subscribe through its API)
        string nodeLog = Path.Combine(d.Dir, "node0.log");
        var line = new System.Text.RegularExpressions.Regex(@"validator monitor: epoch (\d+): 32 validator\(s\), 32 active \| attestations included (\d+)/32, " +
            @"mean inclusion distance ([\d.]+), head (\d+)/\d+, target (\d+)/\d+, source (\d+)/\d+ \| proposals (\d+)/(\d+) \| balance change (-?\d+) gwei");
        System.Text.RegularExpressions.Match? m = null;
        string text = "";
        bool logged = await Eventually(() =>
        {
            using (var f = new FileStream(nodeLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            using (var r = new StreamReader(f)) text = r.ReadToEnd();
            // A loaded machine can make one epoch's blocks late (a few stale targets): wait for a healthy epoch.
            m = line.Matches(text).FirstOrDefault(x => ulong.Parse(x.Groups[1].Value, CultureInfo.InvariantCulture) >= 1
                && int.Parse(x.Groups[2].Value, CultureInfo.InvariantCulture) >= 28 && int.Parse(x.Groups[5].Value, CultureInfo.InvariantCulture) >= 28);
            return Task.FromResult(m is not null);
        }, TimeSpan.FromSeconds(100), pollMs: 1000);
        // every epoch's line is consistent: all included votes had the right source, no more proposals than slots assigned
        foreach (System.Text.RegularExpressions.Match x in line.Matches(text))
        {
            int g(int i) => int.Parse(x.Groups[i].Value, CultureInfo.InvariantCulture);
            Assert.True(g(6) == g(2) && g(4) <= g(2) && g(5) <= g(2) && g(7) <= g(8), x.Value);
        }
        Assert.True(logged, "no per-epoch validator monitor line for a healthy epoch >= 1:\n" + string.Join("\n", text.Split('\n').Where(l => l.Contains("monitor", StringComparison.Ordinal))));
        int G(int i) => int.Parse(m!.Groups[i].Value, CultureInfo.InvariantCulture);
        log.WriteLine(m!.Value);
        Assert.Contains("validator monitor: following validator 0 (subscribed by a validator client)", text);
        // a healthy devnet: (nearly) every vote in, the next slot, for the right head, target and source
        Assert.True(G(2) >= 28, m.Value);
        Assert.True(double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture) is >= 1 and <= 2, m.Value);
        Assert.True(G(5) >= 28 && G(6) == G(2) && G(4) >= 24, m.Value);
        Assert.True(G(7) <= G(8), m.Value);

        // the same per validator in Prometheus metrics
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string metrics = await http.GetStringAsync($"http://127.0.0.1:{d.MetricsPort}/metrics");
        var included = System.Text.RegularExpressions.Regex.Matches(metrics, @"\ncirrus_validator_monitor_prev_epoch_attestation_included\{validator=""(\d+)""\} (\d)");
        Assert.Equal(32, included.Count);
        Assert.True(included.Count(x => x.Groups[2].Value == "1") >= 28, metrics);
        Assert.Matches(@"\ncirrus_validator_monitor_prev_epoch_inclusion_distance\{validator=""0""\} [12]\n", metrics);
        Assert.Matches(@"\ncirrus_validator_monitor_balance_gwei\{validator=""31""\} 3\d{10}\n", metrics);
        Assert.Matches(@"\ncirrus_validator_monitor_validators 32\n", metrics);

        // and on the status page's data: every validator with its last finished epoch
        using var status = JsonDocument.Parse(await d.Node0.GetStringAsync("/cirrus/v1/status"));
        var validators = status.RootElement.GetProperty("validators").EnumerateArray().ToList();
        Assert.Equal(32, validators.Count);
        Assert.Equal(Enumerable.Range(0, 32).Select(i => (ulong)i), validators.Select(v => v.GetProperty("index").GetUInt64()));
        Assert.All(validators, v => Assert.Equal(JsonValueKind.Object, v.GetProperty("last_epoch").ValueKind));
        Assert.True(validators.Count(v => v.GetProperty("last_epoch").GetProperty("attested").GetBoolean()) >= 28);
        Assert.Contains(status.RootElement.GetProperty("recent_duties").EnumerateArray(), x => x.GetProperty("duty").GetString() == "attestation");

        await using var chromium = new ChromiumProcess(Path.Combine(d.Dir, "chromium-monitor"));
        await chromium.ConnectAsync(TimeSpan.FromSeconds(30));
        await chromium.SendAsync("Page.navigate", new { url = $"http://127.0.0.1:{d.RestPort}/" });
        Assert.True(await Eventually(async () => await chromium.EvaluateAsync(
            "[...document.querySelectorAll('#validators tbody tr')].filter(r => r.cells[5].textContent === 'included').length") is { } n
            && int.Parse(n, CultureInfo.InvariantCulture) >= 28, TimeSpan.FromSeconds(20)), "the page does not show the monitored validators' attestations");
        await chromium.ScreenshotAsync(Path.Combine(RepoPaths.Artifacts(), "status-page-validators.png"));
    }
}

/// <summary>Draws Prometheus range results as small SVG line charts in one HTML page (no external assets).</summary>
public static class PanelRenderer
{
    private static readonly string[] Colors = ["#2f7ed8", "#d9534f", "#5cb85c", "#f0ad4e", "#8e44ad", "#16a085", "#7f8c8d", "#c0392b"];

    public static string Html(string title, List<(string Title, List<(string Legend, List<(double T, double V)> Points)> Series)> panels)
    {
        var sb = new StringBuilder();
        sb.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>").Append(WebUtility.HtmlEncode(title)).Append("</title><style>")
          .Append("body{font-family:sans-serif;background:#111217;color:#ccc;margin:12px}h1{font-size:18px}")
          .Append(".p{display:inline-block;width:400px;margin:4px;background:#181b1f;border:1px solid #2a2d33;padding:6px;vertical-align:top}")
          .Append(".p h2{font-size:12px;margin:0 0 4px}.l{font-size:10px}</style></head><body><h1>").Append(WebUtility.HtmlEncode(title)).Append("</h1>");
        foreach (var (ptitle, series) in panels)
        {
            sb.Append("<div class=\"p\"><h2>").Append(WebUtility.HtmlEncode(ptitle)).Append("</h2>");
            const double w = 400, h = 120;
            var pts = series.SelectMany(s => s.Points).ToList();
            double t0 = pts.Count > 0 ? pts.Min(p => p.T) : 0, t1 = pts.Count > 0 ? pts.Max(p => p.T) : 1;
            double v0 = pts.Count > 0 ? Math.Min(0, pts.Min(p => p.V)) : 0, v1 = pts.Count > 0 ? pts.Max(p => p.V) : 1;
            if (v1 <= v0) v1 = v0 + 1;
            if (t1 <= t0) t1 = t0 + 1;
            sb.Append(CultureInfo.InvariantCulture, $"<svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"2\" y=\"10\" fill=\"#888\" font-size=\"9\">{v1:G4}</text><text x=\"2\" y=\"{h - 2}\" fill=\"#888\" font-size=\"9\">{v0:G4}</text>");
            for (int i = 0; i < series.Count; i++)
            {
                var line = string.Join(" ", series[i].Points.Select(p =>
                    string.Create(CultureInfo.InvariantCulture, $"{(p.T - t0) / (t1 - t0) * (w - 40) + 36:F1},{h - 4 - (p.V - v0) / (v1 - v0) * (h - 16):F1}")));
                sb.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"{Colors[i % Colors.Length]}\" points=\"{line}\"/>");
            }
            sb.Append("</svg><div class=\"l\">");
            for (int i = 0; i < series.Count; i++)
            {
                double last = series[i].Points.Count > 0 ? series[i].Points[^1].V : double.NaN;
                sb.Append(CultureInfo.InvariantCulture, $"<span style=\"color:{Colors[i % Colors.Length]}\">■</span> {WebUtility.HtmlEncode(series[i].Legend)}: {last:G6} &nbsp; ");
            }
            sb.Append("</div></div>");
        }
        sb.Append("</body></html>");
        return sb.ToString();
    }
}
