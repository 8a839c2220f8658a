// The p2p benchmark: gossip messages/s, end-to-end gossip latency, and secure stream (TCP + Noise + yamux)
// throughput between two local nodes. scripts/bench-p2p.sh builds this file into a small console program
// (with CIRRUS_P2P_BENCH defined and a reference to Cirrus.Networking) and runs js-libp2p doing the same
// work next to it (tests/interop/bench.mjs), then prints the ratios. Inside Cirrus.Benchmarks it compiles to nothing.
#if CIRRUS_P2P_BENCH
using System.Diagnostics;
using System.Text.Json;
using Cirrus.Networking;
using Cirrus.Networking.Gossip;

namespace Cirrus.Benchmarks;

public static class P2pBench
{
    private const string Topic = "/eth2/00000000/beacon_attestation_0/ssz_snappy";
    private const string Sink = "/cirrus/bench/sink/1";

    public static async Task<int> Main(string[] args)
    {
        int messages = args.Length > 0 ? int.Parse(args[0]) : 20000;
        int size = args.Length > 1 ? int.Parse(args[1]) : 200;
        int latencyRounds = args.Length > 2 ? int.Parse(args[2]) : 500;
        int streamMb = args.Length > 3 ? int.Parse(args[3]) : 256;

        var opts = new GossipsubOptions { MaxQueuedRpcs = 1 << 20 };
        await using var a = new Libp2pHost(new Libp2pHostOptions { Key = Secp256k1Key.Generate(), Muxers = [MuxerProtocols.Yamux] });
        await using var b = new Libp2pHost(new Libp2pHostOptions { Key = Secp256k1Key.Generate(), Muxers = [MuxerProtocols.Yamux] });
        a.Listen(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"));
        b.Listen(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"));
        await using var ga = new Gossipsub(a, opts);
        await using var gb = new Gossipsub(b, opts);
        ga.Subscribe(Topic);
        gb.Subscribe(Topic);
        long received = 0;
        TaskCompletionSource? waiter = null;
        long target = 0;
        gb.MessageReceived += _ =>
        {
            long n = Interlocked.Increment(ref received);
            if (n >= Interlocked.Read(ref target)) waiter?.TrySetResult();
        };
        b.SetStreamHandler(Sink, async s =>
        {
            var buf = new byte[256 * 1024];
            while (await s.ReadAsync(buf) > 0) { }
            await s.WriteAsync(new byte[] { 1 });
            await s.DisposeAsync();
        });
        await a.DialAsync(b.ListenAddresses[0].WithPeerId(b.PeerId));
        var sw = Stopwatch.StartNew();
        while (!(ga.MeshPeers(Topic).Contains(b.PeerId) && gb.TopicPeers(Topic).Contains(a.PeerId)))
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(20)) throw new TimeoutException("mesh did not form");
            await Task.Delay(20);
        }

        var rng = new Random(1);
        byte[] Payload(int i)
        {
            var raw = new byte[size];
            rng.NextBytes(raw.AsSpan(0, size / 2));
            BitConverter.TryWriteBytes(raw, i);
            return Snappier.Snappy.CompressToArray(raw);
        }

        // 1. throughput
        var payloads = Enumerable.Range(0, messages).Select(Payload).ToArray();
        waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref target, messages);
        sw.Restart();
        foreach (var p in payloads) ga.Publish(Topic, p);
        await waiter.Task.WaitAsync(TimeSpan.FromMinutes(5));
        double msgsPerSec = messages / sw.Elapsed.TotalSeconds;

        // 2. latency: one message in flight at a time
        var lat = new List<double>();
        for (int i = 0; i < latencyRounds; i++)
        {
            var p = Payload(messages + 1 + i);
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref target, Interlocked.Read(ref received) + 1);
            var t0 = Stopwatch.GetTimestamp();
            ga.Publish(Topic, p);
            await waiter.Task.WaitAsync(TimeSpan.FromSeconds(10));
            lat.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        lat.Sort();

        // 3. secure stream throughput
        var chunk = new byte[64 * 1024];
        rng.NextBytes(chunk);
        var st = await a.NewStreamAsync(b.PeerId, Sink);
        long total = (long)streamMb << 20;
        sw.Restart();
        for (long sent = 0; sent < total; sent += chunk.Length) await st.WriteAsync(chunk);
        await st.CloseWriteAsync();
        await StreamIo.ReadExactlyAsync(st, new byte[1], CancellationToken.None);
        double mbPerSec = streamMb / sw.Elapsed.TotalSeconds;

        Console.WriteLine(JsonSerializer.Serialize(new
        {
            impl = "cirrus",
            messages,
            size,
            gossipMsgsPerSec = Math.Round(msgsPerSec),
            latencyMedianMs = Math.Round(lat[lat.Count / 2], 3),
            latencyP99Ms = Math.Round(lat[(int)(lat.Count * 0.99)], 3),
            streamMBps = Math.Round(mbPerSec, 1),
        }));
        return 0;
    }
}
#endif
