using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Cirrus.Integration.Tests;

/// <summary>A `cirrus` child process (the real binary), its output captured, bounded in time.</summary>
public sealed partial class NodeProcess : IDisposable
{
    private readonly Process _p;
    private readonly StringBuilder _out = new();
    private readonly TaskCompletionSource<int> _port = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Port => _port.Task.IsCompletedSuccessfully ? _port.Task.Result : throw new InvalidOperationException("not listening yet");
    public HttpClient Http { get; private set; } = null!;
    public string Output { get { lock (_out) return _out.ToString(); } }
    public bool HasExited => _p.HasExited;
    public int Pid => _p.Id;

    /// <summary>A loopback port free a moment ago.</summary>
    public static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>The first of <paramref name="count"/> consecutive loopback ports that were free a moment ago.</summary>
    public static int FreePorts(int count)
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            int first = FreePort();
            if (first + count > 65535) continue;
            var held = new List<System.Net.Sockets.TcpListener>();
            try
            {
                for (int i = 0; i < count; i++)
                {
                    var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, first + i);
                    l.Start();
                    held.Add(l);
                }
                return first;
            }
            catch (System.Net.Sockets.SocketException) { }
            finally
            {
                foreach (var l in held) l.Stop();
            }
        }
        throw new InvalidOperationException($"no {count} consecutive free ports");
    }

    /// <summary>The cirrus binary next to the test assembly (the CLI project is referenced).</summary>
    public static string Binary => Path.Combine(AppContext.BaseDirectory, "cirrus.dll");

    private NodeProcess(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Binary);
        var list = args.ToList();
        // tests bind p2p to loopback on free ports unless they choose
        if (list.Count > 0 && list[0] == "beacon-node" && !list.Contains("--p2p-port")) list.AddRange(["--p2p-address", "127.0.0.1", "--p2p-port", "0"]);
        foreach (var a in list) psi.ArgumentList.Add(a);
        _p = new Process { StartInfo = psi };
        _p.OutputDataReceived += (_, e) => OnLine(e.Data);
        _p.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _p.Exited += (_, _) => _port.TrySetException(new InvalidOperationException("the process exited before listening:\n" + Output));
        _p.EnableRaisingEvents = true;
        _p.Start();
        _p.BeginOutputReadLine();
        _p.BeginErrorReadLine();
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_out) _out.AppendLine(line);
        var m = ListeningRegex().Match(line);
        if (m.Success) _port.TrySetResult(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"REST API listening on http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningRegex();

    /// <summary>Starts `cirrus ARGS` and waits until its REST API listens.</summary>
    public static async Task<NodeProcess> StartAsync(IEnumerable<string> args, TimeSpan? timeout = null)
    {
        var n = new NodeProcess(args);
        var t = await Task.WhenAny(n._port.Task, Task.Delay(timeout ?? TimeSpan.FromSeconds(90)));
        if (t != n._port.Task || !n._port.Task.IsCompletedSuccessfully)
        {
            string output = n.Output;
            n.Dispose();
            throw new InvalidOperationException("the node did not start listening:\n" + output);
        }
        n.Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{n.Port}"), Timeout = TimeSpan.FromSeconds(30) };
        return n;
    }

    /// <summary>Starts `cirrus ARGS` without waiting for anything (a validator client, a devnet).</summary>
    public static NodeProcess Spawn(IEnumerable<string> args) => new(args);

    /// <summary>Waits for the process to exit on its own; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _p.WaitForExitAsync(cts.Token);
        _p.WaitForExit();
        return _p.ExitCode;
    }

    /// <summary>Starts a process that is expected to exit (e.g. a bad flag); returns its code and output.</summary>
    public static async Task<(int Code, string Output)> RunToExitAsync(IEnumerable<string> args, TimeSpan timeout)
    {
        using var n = new NodeProcess(args);
        using var cts = new CancellationTokenSource(timeout);
        await n._p.WaitForExitAsync(cts.Token);
        n._p.WaitForExit();
        return (n._p.ExitCode, n.Output);
    }

    /// <summary>SIGKILL: no chance to clean up.</summary>
    public void Kill()
    {
        try { _p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _p.WaitForExit(10_000);
    }

    /// <summary>SIGTERM, then waits for a clean exit; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_p.HasExited) Process.Start("kill", ["-TERM", _p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        using var cts = new CancellationTokenSource(timeout);
        await _p.WaitForExitAsync(cts.Token);
        _p.WaitForExit();
        return _p.ExitCode;
    }

    public void Dispose()
    {
        Http?.Dispose();
        if (!_p.HasExited) Kill();
        _p.Dispose();
    }
}
