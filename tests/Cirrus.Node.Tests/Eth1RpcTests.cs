using System.Net;
using System.Net.Sockets;
using System.Text;
using Cirrus.Consensus.Config;
using Cirrus.Node.Eth1;
using Cirrus.Tests.Shared;

namespace Cirrus.Node.Tests;

/// <summary>The Nethereum endpoint against broken and hostile HTTP servers: every failure is one Eth1Exception, bounded in time and memory.</summary>
public sealed class Eth1RpcTests
{
    /// <summary>Answers every connection with <paramref name="response"/> (null: accepts and never answers).</summary>
    private sealed class CannedServer : IDisposable
    {
        private readonly TcpListener _l = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_l.LocalEndpoint).Port}/");

        public CannedServer(string? body)
        {
            _l.Start();
            _ = Task.Run(async () =>
            {
                var held = new List<TcpClient>();
                while (!_stop.IsCancellationRequested)
                {
                    TcpClient c;
                    try { c = await _l.AcceptTcpClientAsync(_stop.Token); }
                    catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { break; }
                    held.Add(c);
                    if (body is null) continue;
                    var s = c.GetStream();
                    var buf = new byte[65536];
                    try
                    {
                        await Task.Delay(50);
                        while (s.DataAvailable) _ = await s.ReadAsync(buf);
                        var bytes = Encoding.UTF8.GetBytes(body);
                        await s.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n"));
                        await s.WriteAsync(bytes);
                        c.Close();
                    }
                    catch (IOException) { }
                }
                foreach (var c in held) c.Dispose();
            });
        }

        public void Dispose()
        {
            _stop.Cancel();
            _l.Stop();
        }
    }

    private static async Task<string> Fails(Uri url, Func<NethereumEth1Rpc, Task> call, double timeoutSeconds = 2)
    {
        using var rpc = new NethereumEth1Rpc(url, TimeSpan.FromSeconds(timeoutSeconds));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<Eth1Exception>(() => call(rpc));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(timeoutSeconds + 5), $"took {sw.Elapsed}");
        return e.Message;
    }

    [Fact]
    public async Task ASlowEndpointTimesOut()
    {
        using var s = new CannedServer(null);
        Assert.Contains("no answer within", await Fails(s.Url, r => r.GetBlockNumberAsync(CancellationToken.None), 1));
    }

    [Fact]
    public async Task GarbageAndErrorAnswersAreEth1Exceptions()
    {
        using (var s = new CannedServer("this is not json"))
            Assert.Contains("eth_blockNumber", await Fails(s.Url, r => r.GetBlockNumberAsync(CancellationToken.None)));
        using (var s = new CannedServer("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32000,\"message\":\"header not found\"}}"))
            Assert.Contains("header not found", await Fails(s.Url, r => r.GetBlockAsync(5, CancellationToken.None)));
        using (var s = new CannedServer("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"number\":\"0x5\",\"hash\":\"0x1234\",\"parentHash\":\"0x1234\",\"timestamp\":\"0x10\"}}"))
            Assert.Contains("hash", await Fails(s.Url, r => r.GetBlockAsync(5, CancellationToken.None)));
        using (var s = new CannedServer("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x1234\"}"))
            Assert.Contains("get_deposit_root", await Fails(s.Url, r => r.GetDepositRootAndCountAsync(new byte[20], 5, CancellationToken.None)));
    }

    [Fact]
    public async Task AnEndlessAnswerIsCutOff()
    {
        await using var s = new EndlessServer("application/json", 256L << 20);
        await Fails(s.Url, r => r.GetDepositLogsAsync(new byte[20], 0, 10, CancellationToken.None), 10);
        Assert.True(s.Finished.TryTake(out long written, TimeSpan.FromSeconds(10)));
        Assert.True(written < 200L << 20, $"{written} bytes read");
    }

    [Fact]
    public async Task WhileTheEndpointIsDownTheFollowerBacksOffAndRecoversWhenItReturns()
    {
        var c = Networks.Preset("minimal")!;
        var rpc = new FakeEth1Rpc(c, 1_600_000_000, 14, 100) { Down = true };
        var logs = new List<string>();
        var f = new Eth1Follower(c, null, new Eth1FollowerOptions
        {
            Endpoints = [rpc], PollInterval = TimeSpan.FromMilliseconds(50), Log = m => { lock (logs) logs.Add(m); },
            Now = () => DateTimeOffset.FromUnixTimeSeconds(1_600_000_000 + 100 * 14),
        });
        using var cts = new CancellationTokenSource();
        var run = f.RunAsync(cts.Token);
        await Task.Delay(3500);
        int downCalls = rpc.Calls;
        Assert.InRange(downCalls, 2, 4); // at 0, 1 and 3 s, not every 50 ms
        lock (logs) Assert.Single(logs, l => l.Contains("no endpoint answers")); // once a minute
        rpc.Down = false;
        Assert.True(SpinWait.SpinUntil(() => f.Status.Connected, TimeSpan.FromSeconds(10)));
        cts.Cancel();
        await run;
        lock (logs) Assert.Contains(logs, l => l.Contains("eth1: following fake-eth1"));
    }
}
