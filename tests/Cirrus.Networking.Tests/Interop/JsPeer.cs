using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Cirrus.Networking.Tests.Interop;

/// <summary>
/// A js-libp2p node (tests/interop/peer.mjs on node 22 from tests/interop/node_modules) driven over stdin/stdout.
/// The process is killed on dispose, whatever happened.
/// </summary>
public sealed class JsPeer : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly Process _proc;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly Channel<JsonElement> _events = Channel.CreateUnbounded<JsonElement>();
    private readonly StringBuilder _stderr = new();
    private int _nextId;

    public string PeerId { get; private set; } = "";
    public string Address { get; private set; } = "";
    public ChannelReader<JsonElement> Events => _events.Reader;

    public static string InteropDir()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "tests", "interop", "peer.mjs"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException("tests/interop/peer.mjs not found above " + AppContext.BaseDirectory);
        return Path.Combine(dir.FullName, "tests", "interop");
    }

    public static string NodePath() => NodePath(InteropDir());

    /// <summary>node 22 inside <paramref name="d"/>/node_modules; fails naming scripts/setup-interop.sh when the packages are missing.</summary>
    public static string NodePath(string d)
    {
        var node = Path.Combine(d, "node_modules", "node", "bin", "node");
        if (!File.Exists(node) || !Directory.Exists(Path.Combine(d, "node_modules", "libp2p")) || !Directory.Exists(Path.Combine(d, "node_modules", "@libp2p", "gossipsub")))
            throw new InvalidOperationException("js-libp2p interop packages are missing in tests/interop/node_modules: run scripts/setup-interop.sh");
        return node;
    }

    private JsPeer(Process p) => _proc = p;

    public static async Task<JsPeer> StartAsync(string keyType = "Ed25519", string[]? muxers = null)
    {
        var node = NodePath();
        var cfg = JsonSerializer.Serialize(new { keyType, muxers = muxers ?? ["yamux", "mplex"] });
        var psi = new ProcessStartInfo(node)
        {
            WorkingDirectory = InteropDir(),
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("peer.mjs");
        psi.ArgumentList.Add(cfg);
        var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start node");
        var peer = new JsPeer(p);
        var ready = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (peer._stderr) peer._stderr.AppendLine(e.Data); };
        p.BeginErrorReadLine();
        _ = Task.Run(async () =>
        {
            while (await p.StandardOutput.ReadLineAsync() is { } line)
            {
                JsonElement o;
                try { o = JsonDocument.Parse(line).RootElement.Clone(); }
                catch (JsonException) { continue; }
                if (o.TryGetProperty("id", out var id))
                {
                    if (peer._pending.TryRemove(id.GetInt32(), out var t)) t.TrySetResult(o);
                }
                else if (o.GetProperty("event").GetString() == "ready") ready.TrySetResult(o);
                else peer._events.Writer.TryWrite(o);
            }
            ready.TrySetException(new InvalidOperationException("js peer exited"));
            foreach (var t in peer._pending.Values) t.TrySetException(new InvalidOperationException("js peer exited"));
        });
        try
        {
            var r = await ready.Task.WaitAsync(Timeout);
            peer.PeerId = r.GetProperty("peerId").GetString()!;
            peer.Address = r.GetProperty("addrs")[0].GetString()!;
            return peer;
        }
        catch (Exception e)
        {
            await peer.DisposeAsync();
            throw new InvalidOperationException("js peer did not start: " + e.Message + "\n" + peer.Stderr);
        }
    }

    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>Sends a command and returns its result; throws with the js error if it failed.</summary>
    public async Task<JsonElement> CallAsync(string cmd, object? args = null, TimeSpan? timeout = null)
    {
        int id = Interlocked.Increment(ref _nextId);
        var tcs = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        var dict = new Dictionary<string, object?> { ["id"] = id, ["cmd"] = cmd };
        if (args is not null)
            foreach (var prop in args.GetType().GetProperties()) dict[prop.Name] = prop.GetValue(args);
        await _proc.StandardInput.WriteLineAsync(JsonSerializer.Serialize(dict));
        await _proc.StandardInput.FlushAsync();
        JsonElement r;
        try { r = await tcs.Task.WaitAsync(timeout ?? Timeout); }
        catch (TimeoutException) { throw new TimeoutException($"js '{cmd}' timed out\n{Stderr}"); }
        if (!r.GetProperty("ok").GetBoolean()) throw new InvalidOperationException($"js '{cmd}' failed: {r.GetProperty("error").GetString()}");
        return r;
    }

    /// <summary>Waits for the next event matching <paramref name="predicate"/>.</summary>
    public async Task<JsonElement> WaitEventAsync(Func<JsonElement, bool> predicate, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
        while (true)
        {
            var e = await _events.Reader.ReadAsync(cts.Token);
            if (predicate(e)) return e;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try { if (!_proc.HasExited) _proc.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        try { await _proc.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5)); } catch (TimeoutException) { }
        _proc.Dispose();
    }
}
