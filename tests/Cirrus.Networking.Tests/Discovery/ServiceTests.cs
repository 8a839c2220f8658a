using System.Security.Cryptography;
using System.Diagnostics;
using System.Net;
using Cirrus.Networking.Discovery;
using Xunit.Abstractions;

namespace Cirrus.Networking.Tests.Discovery;

public class ServiceTests(ITestOutputHelper output)
{
    internal static readonly byte[] Digest = [0xe7, 0xa7, 0x5d, 0x5a];

    internal static Discv5Options FastOptions() => new()
    {
        RequestTimeout = TimeSpan.FromSeconds(3),
        RequestRetries = 2,
        LookupInterval = TimeSpan.Zero,
        PingInterval = TimeSpan.Zero,
    };

    internal static Discv5Service NewNode(Discv5Options? options = null, ulong attnets = 0)
    {
        var s = Discv5Service.Create(Secp256k1Key.Generate(), new IPEndPoint(IPAddress.Loopback, 0),
            b => b.SetTcp(9000).SetEth2(new EnrForkId(0xe7a75d5a, 1, ulong.MaxValue)).SetAttnets(attnets), options ?? FastOptions());
        s.Start();
        return s;
    }

    [Fact]
    public async Task Two_nodes_ping_findnode_talk_and_see_enr_updates()
    {
        await using var a = NewNode();
        await using var b = NewNode();
        b.RegisterTalkHandler("echo", (req, _) => [.. req, .. req]);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var pong = await a.PingAsync(b.LocalEnr, cts.Token);
        Assert.NotNull(pong);
        Assert.Equal(b.LocalEnr.Seq, pong.EnrSeq);
        Assert.Equal(a.LocalEndPoint.Port, pong.RecipientPort);
        Assert.Equal(1, a.Stats.HandshakesCompleted + b.Stats.HandshakesCompleted);

        // b learned a through the handshake (record included since b knew nothing)
        Assert.NotNull(b.FindKnown(a.NodeId));
        Assert.Equal(1, b.TableSize);

        var self = await a.FindNodeAsync(b.LocalEnr, [0], cts.Token);
        Assert.Equal(b.LocalEnr.ToText(), Assert.Single(self).ToText());

        var reply = await a.TalkAsync(b.LocalEnr, "echo", [1, 2], cts.Token);
        Assert.Equal(new byte[] { 1, 2, 1, 2 }, reply);
        Assert.Equal(Array.Empty<byte>(), await a.TalkAsync(b.LocalEnr, "unknown", [1], cts.Token));

        // b -> a reuses the session established by a
        Assert.NotNull(await b.PingAsync(a.LocalEnr, cts.Token));
        Assert.Equal(1, a.Stats.HandshakesCompleted + b.Stats.HandshakesCompleted);

        // ENR update: b subscribes to subnet 5; a pings, sees the higher seq and fetches the new record
        var updated = b.SetAttnets(1UL << 5);
        Assert.Equal(2UL, updated.Seq);
        await a.PingAsync(b.LocalEnr, cts.Token);
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(20) && a.FindKnown(b.NodeId)?.Seq != 2) await Task.Delay(50, cts.Token);
        Assert.Equal(2UL, a.FindKnown(b.NodeId)?.Seq);
        Assert.Single(a.FindPeers(e => Eth2Enr.Matches(e, Digest, 5)));
        Assert.Empty(a.FindPeers(e => Eth2Enr.Matches(e, Digest, 6)));
        Assert.Empty(a.FindPeers(e => Eth2Enr.Matches(e, [1, 2, 3, 4], 5)));
    }

    [Fact]
    public async Task Request_to_silent_endpoint_times_out_and_returns_null()
    {
        var opts = FastOptions();
        opts.RequestTimeout = TimeSpan.FromMilliseconds(300);
        opts.RequestRetries = 1;
        await using var a = NewNode(opts);
        // a record pointing at a port nobody listens on
        using var silent = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var ghost = new EnrBuilder().SetIp(IPAddress.Loopback).SetUdp(((IPEndPoint)silent.Client.LocalEndPoint!).Port).Build(Secp256k1Key.Generate());
        a.AddEnr(ghost);
        Assert.Equal(1, a.TableSize);
        var sw = Stopwatch.StartNew();
        Assert.Null(await a.PingAsync(ghost));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal(0, a.TableSize); // evicted
        Assert.True(a.Stats.RequestsTimedOut >= 1);
    }

    [Fact]
    public async Task Thirty_node_network_from_one_bootnode()
    {
        const int n = 30;
        var nodes = new List<Discv5Service>();
        try
        {
            for (int i = 0; i < n; i++)
            {
                var opts = FastOptions();
                opts.RequestTimeout = TimeSpan.FromSeconds(3);
                nodes.Add(NewNode(opts, attnets: i % 3 == 0 ? 1UL << 7 : 0));
            }
            var boot = nodes[0];
            for (int i = 1; i < n; i++) Assert.True(nodes[i].AddEnr(boot.LocalEnr.ToText()));

            var sw = Stopwatch.StartNew();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            // every node runs random lookups (and one for its own id) until it knows 20 others or time is up
            var tasks = nodes.Skip(1).Select(node => Task.Run(async () =>
            {
                try
                {
                    await node.LookupAsync(node.NodeId, cts.Token);
                    while (node.KnownEnrs().Count < 20 && !cts.IsCancellationRequested)
                        await node.FindRandomNodesAsync(cts.Token);
                }
                catch (OperationCanceledException) { }
            })).ToList();
            await Task.WhenAll(tasks);
            var elapsed = sw.Elapsed;
            var counts = nodes.Skip(1).Select(x => x.KnownEnrs().Count).ToList();
            output.WriteLine($"30-node network: {elapsed.TotalSeconds:F1}s, known per node min={counts.Min()} avg={counts.Average():F1} max={counts.Max()}, boot table={boot.TableSize}");
            Assert.All(counts, c => Assert.True(c >= 20, $"a node found only {c} others; counts: {string.Join(",", counts)}"));
            Assert.True(elapsed < TimeSpan.FromSeconds(30));

            // subnet query: 10 nodes (indices 0,3,...,27) advertise attnets subnet 7
            var querier = nodes[^1];
            var withSubnet = await querier.DiscoverPeersAsync(e => Eth2Enr.Matches(e, Digest, 7), minCount: 8, maxRounds: 5);
            output.WriteLine($"peers on subnet 7 known to the last node: {withSubnet.Count}");
            Assert.True(withSubnet.Count >= 8);
            Assert.All(withSubnet, e => Assert.True(e.HasAttnet(7)));
            var expected = nodes.Where((_, i) => i % 3 == 0).Select(x => x.LocalEnr.NodeIdHex).ToHashSet();
            Assert.All(withSubnet, e => Assert.Contains(e.NodeIdHex, expected));
            Assert.Empty(querier.FindPeers(e => Eth2Enr.Matches(e, Digest, 8)));
        }
        finally
        {
            foreach (var node in nodes) await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task Pong_votes_update_the_advertised_endpoint()
    {
        var opts = FastOptions();
        opts.EndpointVotesToUpdate = 1;
        // advertises 127.0.0.2 but sends from 127.0.0.1: the peer's PONG tells it where it is seen
        await using var a = Discv5Service.Create(Secp256k1Key.Generate(), new IPEndPoint(IPAddress.Loopback, 0),
            b => b.SetIp(IPAddress.Parse("127.0.0.2")), opts);
        a.Start();
        var changed = new TaskCompletionSource<Enr>(TaskCreationOptions.RunContinuationsAsynchronously);
        a.LocalEnrChanged += e => changed.TrySetResult(e);
        await using var b = NewNode();
        Assert.NotNull(await a.PingAsync(b.LocalEnr));
        var updated = await changed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(IPAddress.Loopback, updated.Ip);
        Assert.Equal(a.LocalEndPoint.Port, updated.Udp);
        Assert.Equal(2UL, updated.Seq);
        Assert.Equal(updated.ToText(), a.LocalEnr.ToText());
    }

    [Fact]
    public async Task Liveness_checks_evict_dead_entries_and_keep_live_ones()
    {
        var opts = FastOptions();
        opts.PingInterval = TimeSpan.FromMilliseconds(200);
        opts.RequestTimeout = TimeSpan.FromMilliseconds(500);
        opts.RequestRetries = 0;
        await using var a = NewNode(opts);
        await using var live = NewNode();
        using var silent = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var ghost = new EnrBuilder().SetIp(IPAddress.Loopback).SetUdp(((IPEndPoint)silent.Client.LocalEndPoint!).Port).Build(Secp256k1Key.Generate());
        a.AddEnr(ghost);
        a.AddEnr(live.LocalEnr);
        Assert.Equal(2, a.TableSize);
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(30) && a.TableEnrs().Any(e => e.NodeIdHex == ghost.NodeIdHex)) await Task.Delay(100);
        while (sw.Elapsed < TimeSpan.FromSeconds(30) && live.Stats.MessagesHandled == 0) await Task.Delay(100);
        await Task.Delay(1000); // a few more rounds: the live node answers and stays
        var table = a.TableEnrs();
        Assert.DoesNotContain(table, e => e.NodeIdHex == ghost.NodeIdHex);
        Assert.Contains(table, e => e.NodeIdHex == live.LocalEnr.NodeIdHex);
        Assert.True(live.Stats.MessagesHandled > 0); // the live node was pinged too
    }

    [Fact]
    public async Task Expired_sessions_are_renegotiated()
    {
        var opts = FastOptions();
        opts.SessionTimeout = TimeSpan.FromMilliseconds(300);
        await using var a = NewNode(opts);
        await using var b = NewNode(opts);
        Assert.NotNull(await a.PingAsync(b.LocalEnr));
        Assert.NotNull(await a.PingAsync(b.LocalEnr));
        Assert.Equal(1, b.Stats.HandshakesCompleted);
        await Task.Delay(500);
        Assert.NotNull(await a.PingAsync(b.LocalEnr));
        Assert.Equal(2, b.Stats.HandshakesCompleted);
    }

    [Fact]
    public async Task Late_whoareyou_for_an_earlier_attempt_still_starts_the_handshake()
    {
        // @chainsafe/discv5 ignores further random packets while its first challenge is open, so a
        // WHOAREYOU that arrives after our retry must still match the first attempt's nonce
        var opts = FastOptions();
        opts.RequestTimeout = TimeSpan.FromSeconds(1); // leaves the test 2 s after the retry to answer
        opts.RequestRetries = 3;
        await using var a = NewNode(opts);
        using var peer = new RawPeer();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var ping = a.PingAsync(peer.Enr, cts.Token);

        var first = await peer.ReceiveAsync(TimeSpan.FromSeconds(10));
        Assert.True(Discv5Packet.TryDecode(first!, peer.Key.NodeId, out var h1));
        var second = await peer.ReceiveAsync(TimeSpan.FromSeconds(10));
        Assert.True(Discv5Packet.TryDecode(second!, peer.Key.NodeId, out var h2));
        Assert.False(h1!.Nonce.AsSpan().SequenceEqual(h2!.Nonce));

        var idNonce = new byte[16];
        RandomNumberGenerator.Fill(idNonce);
        var header = Discv5Packet.BuildHeader(PacketFlag.WhoAreYou, h1.Nonce, Discv5Packet.WhoAreYouAuthData(idNonce, 0));
        peer.Send(Discv5Packet.Encode(a.NodeId, Discv5Packet.RandomMaskingIv(), header, []), a.LocalEndPoint);

        PacketHeader? reply = null;
        for (int i = 0; i < 5 && reply?.Flag != PacketFlag.Handshake; i++)
        {
            var bytes = await peer.ReceiveAsync(TimeSpan.FromSeconds(5));
            Assert.NotNull(bytes);
            Assert.True(Discv5Packet.TryDecode(bytes, peer.Key.NodeId, out reply));
        }
        Assert.Equal(PacketFlag.Handshake, reply!.Flag);
        cts.Cancel();
        Assert.Null(await ping);
    }

    [Fact]
    public async Task Discovery_reaches_a_node_close_to_the_only_bootnode()
    {
        // random lookups ask the bootnode for distances near 256 only; a node at distance 236-244 from it
        // (about 1 in 2000 node ids) is reached by the distance sweep
        await using var hub = NewNode();
        Secp256k1Key key;
        do key = Secp256k1Key.Generate();
        while (NodeIdMath.LogDistance(key.NodeId, hub.NodeId) is < 236 or > 244);
        var close = Discv5Service.Create(key, new IPEndPoint(IPAddress.Loopback, 0),
            b => b.SetEth2(new EnrForkId(0xe7a75d5a, 1, ulong.MaxValue)), FastOptions());
        close.Start();
        await using var _ = close;
        Assert.NotNull(await close.PingAsync(hub.LocalEnr));

        await using var seeker = NewNode();
        seeker.AddEnr(hub.LocalEnr);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var found = await seeker.DiscoverPeersAsync(e => Eth2Enr.Matches(e, Digest), minCount: 2, maxRounds: 8, cts.Token);
        Assert.Contains(found, e => e.NodeIdHex == close.LocalEnr.NodeIdHex);
    }
}
