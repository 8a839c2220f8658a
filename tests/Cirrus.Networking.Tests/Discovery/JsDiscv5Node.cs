using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cirrus.Networking.Discovery;

namespace Cirrus.Networking.Tests.Discovery;

/// <summary>A @chainsafe/discv5 node in a child process (tests/interop-discv5/discv5-node.mjs), killed on dispose.</summary>
internal sealed class JsDiscv5Node : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonObject>> _calls = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private int _nextId;

    public Enr Enr { get; private set; } = null!;
    public int Port { get; }

    private JsDiscv5Node(Process process, int port) { _process = process; Port = port; }

    public static string InteropDir => Path.Combine(TestPaths.RepoRoot(), "tests", "interop-discv5");

    /// <summary>Fails (never skips) when the node modules are missing.</summary>
    public static (string Node, string Script) Locate() => Locate(InteropDir);

    public static (string Node, string Script) Locate(string dir)
    {
        var node = Path.Combine(dir, "node_modules", ".bin", "node");
        var pkg = Path.Combine(dir, "node_modules", "@chainsafe", "discv5", "package.json");
        if (!File.Exists(node) || !File.Exists(pkg))
            throw new InvalidOperationException(
                $"discv5 interop node modules are missing in {dir}/node_modules: run scripts/setup-discv5-interop.sh first");
        return (node, Path.Combine(dir, "discv5-node.mjs"));
    }

    public static string ChainSafeVersion()
    {
        var pkg = Path.Combine(InteropDir, "node_modules", "@chainsafe", "discv5", "package.json");
        return JsonNode.Parse(File.ReadAllText(pkg))!["version"]!.GetValue<string>();
    }

    public static async Task<JsDiscv5Node> StartAsync(TimeSpan? readyTimeout = null, EnrForkId? eth2 = null, ulong? attnets = null)
    {
        var (node, script) = Locate();
        int port;
        using (var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0))) port = ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
        var args = new List<string> { script, port.ToString() };
        if (eth2 is { } f)
        {
            args.Add(Convert.ToHexStringLower(f.Encode()));
            args.Add(Convert.ToHexStringLower(BitConverter.GetBytes(attnets ?? 0))); // SSZ Bitvector[64]: little-endian
        }
        var psi = new ProcessStartInfo(node, args)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            UseShellExecute = false, WorkingDirectory = InteropDir,
        };
        var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start node");
        var js = new JsDiscv5Node(p, port);
        var ready = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        js._calls[0] = ready;
        p.OutputDataReceived += (_, e) => js.OnLine(e.Data);
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null && js._stderr.Count < 200) js._stderr.Enqueue(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        try
        {
            var msg = await ready.Task.WaitAsync(readyTimeout ?? TimeSpan.FromSeconds(60));
            js.Enr = Enr.Parse(msg["enr"]!.GetValue<string>());
            return js;
        }
        catch (Exception e)
        {
            await js.DisposeAsync();
            throw new InvalidOperationException($"js discv5 node did not start: {e.Message}; stderr: {js.StdErr}");
        }
    }

    public string StdErr => string.Join("\n", _stderr);

    private void OnLine(string? line)
    {
        if (string.IsNullOrWhiteSpace(line)) return;
        JsonObject? obj;
        try { obj = JsonNode.Parse(line) as JsonObject; } catch (JsonException) { return; }
        if (obj is null) return;
        int id = obj["event"]?.GetValue<string>() == "ready" ? 0 : obj["id"]?.GetValue<int>() ?? -1;
        if (_calls.TryRemove(id, out var tcs)) tcs.TrySetResult(obj);
    }

    public async Task<JsonObject> CallAsync(string cmd, Action<JsonObject>? args = null, TimeSpan? timeout = null)
    {
        int id = Interlocked.Increment(ref _nextId);
        var req = new JsonObject { ["id"] = id, ["cmd"] = cmd };
        args?.Invoke(req);
        var tcs = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _calls[id] = tcs;
        await _process.StandardInput.WriteLineAsync(req.ToJsonString());
        await _process.StandardInput.FlushAsync();
        var result = await tcs.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
        if (result["ok"]?.GetValue<bool>() != true)
            throw new InvalidOperationException($"js {cmd} failed: {result["error"]}");
        return result;
    }

    public static List<Enr> Enrs(JsonObject result) => result["enrs"]!.AsArray().Select(x => Enr.Parse(x!.GetValue<string>())).ToList();

    public Task AddEnrAsync(Enr enr) => CallAsync("addEnr", a => a["enr"] = enr.ToText());
    public async Task<ulong> PingAsync(Enr enr) => ulong.Parse((await CallAsync("ping", a => a["enr"] = enr.ToText()))["enrSeq"]!.GetValue<string>());
    public async Task<List<Enr>> FindNodeAsync(Enr enr, params int[] distances)
        => Enrs(await CallAsync("findNode", a => { a["enr"] = enr.ToText(); a["distances"] = new JsonArray(distances.Select(d => (JsonNode)d).ToArray()); }));
    public async Task<List<Enr>> LookupAsync(byte[] target) => Enrs(await CallAsync("lookup", a => a["target"] = Convert.ToHexStringLower(target)));
    public async Task<List<Enr>> RandomLookupAsync() => Enrs(await CallAsync("random"));
    public async Task<List<Enr>> KadAsync() => Enrs(await CallAsync("kad"));
    public async Task<byte[]> TalkAsync(Enr enr, string protocol, byte[] payload)
        => Convert.FromHexString((await CallAsync("talk", a => { a["enr"] = enr.ToText(); a["protocol"] = protocol; a["payload"] = Convert.ToHexStringLower(payload); }))["payload"]!.GetValue<string>());

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                try { _process.StandardInput.Close(); } catch (Exception) { }
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                try { await _process.WaitForExitAsync(wait.Token); } catch (OperationCanceledException) { }
            }
        }
        finally
        {
            try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (Exception) { }
            try { _process.WaitForExit(5000); } catch (Exception) { }
            _process.Dispose();
        }
    }
}
