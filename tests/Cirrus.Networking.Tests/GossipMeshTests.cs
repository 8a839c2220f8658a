using System.Collections.Concurrent;
using Cirrus.Networking.Gossip;

namespace Cirrus.Networking.Tests;

/// <summary>Our own nodes on loopback: an 8-node mesh, multi-hop forwarding, validation, IHAVE/IWANT, GRAFT/PRUNE/backoff.</summary>
public class GossipMeshTests
{
    private const string Topic = "/eth2/00000000/beacon_attestation_1/ssz_snappy";

    private static GossipsubOptions Fast(int d = 8, int dlo = 6, int dhi = 12) => new()
    {
        D = d, DLow = dlo, DHigh = dhi, HeartbeatInterval = TimeSpan.FromMilliseconds(100), PruneBackoff = TimeSpan.FromSeconds(5),
    };

    private sealed class Net : IAsyncDisposable
    {
        public readonly List<Libp2pHost> Hosts = new();
        public readonly List<Gossipsub> Routers = new();
        public readonly List<ConcurrentDictionary<string, GossipMessage>> Got = new();

        public static async Task<Net> CreateAsync(int n, GossipsubOptions opts, Func<int, int, bool> connect, IReadOnlyList<string>? muxers = null)
        {
            var net = new Net();
            for (int i = 0; i < n; i++)
            {
                var h = TestUtil.NewHost(muxers ?? (i % 2 == 0 ? [MuxerProtocols.Yamux, MuxerProtocols.Mplex] : [MuxerProtocols.Mplex]));
                var g = new Gossipsub(h, opts);
                var got = new ConcurrentDictionary<string, GossipMessage>();
                g.MessageReceived += m => got[Convert.ToHexString(m.Id)] = m;
                g.Subscribe(Topic);
                net.Hosts.Add(h); net.Routers.Add(g); net.Got.Add(got);
            }
            for (int i = 0; i < n; i++)
                for (int j = i + 1; j < n; j++)
                    if (connect(i, j)) await net.Hosts[i].DialAsync(TestUtil.Addr(net.Hosts[j])).WaitAsync(TestUtil.T);
            return net;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var g in Routers) await g.DisposeAsync();
            foreach (var h in Hosts) await h.DisposeAsync();
        }
    }

    [Fact]
    public async Task EightNodeFullMesh_EveryMessageReachesAll_DegreeWithinBounds()
    {
        var opts = Fast();
        await using var net = await Net.CreateAsync(8, opts, (_, _) => true);
        await TestUtil.Until(() => net.Routers.All(r => r.MeshPeers(Topic).Count >= opts.DLow), "meshes to form");
        for (int i = 0; i < 8; i++)
        {
            var data = Snappier.Snappy.CompressToArray(BitConverter.GetBytes(i * 1000 + 1));
            Assert.True(net.Routers[i].Publish(Topic, data) > 0);
            var id = Convert.ToHexString(MessageIds.Eth2Phase0(Topic, data));
            await TestUtil.Until(() => Enumerable.Range(0, 8).Where(j => j != i).All(j => net.Got[j].ContainsKey(id)), $"message from node {i}");
        }
        // let a few heartbeats pass: degrees stay in [D_low, D_high]
        await Task.Delay(500);
        foreach (var r in net.Routers)
        {
            int deg = r.MeshPeers(Topic).Count;
            Assert.InRange(deg, opts.DLow, opts.DHigh);
        }
    }

    [Fact]
    public async Task EightNodes_SmallD_PruneKeepsDegreeWithinBounds_AndMultiHopDelivery()
    {
        var noFlood = new GossipsubOptions
        {
            D = 3, DLow = 2, DHigh = 4, HeartbeatInterval = TimeSpan.FromMilliseconds(100), PruneBackoff = TimeSpan.FromSeconds(5), FloodPublish = false,
        };
        await using var net = await Net.CreateAsync(8, noFlood, (_, _) => true);
        await Task.Delay(1500);
        await TestUtil.Until(() => net.Routers.All(r => r.MeshPeers(Topic).Count is >= 2 and <= 4), "mesh degrees within [2,4]");
        for (int i = 0; i < 8; i++)
        {
            var data = Snappier.Snappy.CompressToArray(BitConverter.GetBytes(i + 77));
            net.Routers[i].Publish(Topic, data);
            var id = Convert.ToHexString(MessageIds.Eth2Phase0(Topic, data));
            await TestUtil.Until(() => Enumerable.Range(0, 8).Where(j => j != i).All(j => net.Got[j].ContainsKey(id)), $"message from node {i}");
        }
    }

    [Fact]
    public async Task OversubscribedHubPrunesWithPeerExchange()
    {
        var opts = new GossipsubOptions { D = 2, DLow = 1, DHigh = 3, HeartbeatInterval = TimeSpan.FromMilliseconds(100), PruneBackoff = TimeSpan.FromSeconds(30) };
        // node 0 is the hub; leaves 1..6 only know the hub
        await using var net = await Net.CreateAsync(7, opts, (i, j) => i == 0);
        var offered = new ConcurrentBag<PeerId>();
        for (int i = 1; i < 7; i++) net.Routers[i].PeerExchangeReceived += (topic, ids) => { foreach (var id in ids) offered.Add(id); };
        await TestUtil.Until(() => net.Routers[0].MeshPeers(Topic).Count <= 3 && !offered.IsEmpty, "hub prunes with PX");
        Assert.All(offered, id => Assert.Contains(net.Hosts.Skip(1), h => h.PeerId == id));
        await Task.Delay(500);
        Assert.InRange(net.Routers[0].MeshPeers(Topic).Count, 1, 3);
    }

    [Fact]
    public async Task LineTopology_ForwardsAcrossHops()
    {
        await using var net = await Net.CreateAsync(5, Fast(), (i, j) => j == i + 1);
        await TestUtil.Until(() => net.Routers.Select((r, i) => r.MeshPeers(Topic).Count == (i == 0 || i == 4 ? 1 : 2)).All(x => x), "line mesh");
        var data = Snappier.Snappy.CompressToArray("hop"u8.ToArray());
        net.Routers[0].Publish(Topic, data);
        var id = Convert.ToHexString(MessageIds.Eth2Phase0(Topic, data));
        await TestUtil.Until(() => net.Got[4].ContainsKey(id), "message at the far end");
        Assert.Equal(net.Hosts[3].PeerId, net.Got[4][id].Source);
    }

    [Fact]
    public async Task ValidationRejectStopsPropagationAndPenalizes()
    {
        await using var net = await Net.CreateAsync(3, Fast(), (i, j) => j == i + 1);
        net.Routers[1].SetValidator(Topic, (m, _) => ValueTask.FromResult(m.Data.Length > 0 && m.Data[^1] == 0xEE ? ValidationResult.Reject : ValidationResult.Accept));
        await TestUtil.Until(() => net.Routers[2].MeshPeers(Topic).Count == 1 && net.Routers[0].MeshPeers(Topic).Count == 1, "line mesh");
        var bad = new byte[] { 1, 2, 0xEE };
        var good = new byte[] { 1, 2, 3 };
        net.Routers[0].Publish(Topic, bad);
        net.Routers[0].Publish(Topic, good);
        var goodId = Convert.ToHexString(MessageIds.Eth2Phase0(Topic, good));
        await TestUtil.Until(() => net.Got[2].ContainsKey(goodId), "good message");
        Assert.DoesNotContain(net.Got[1].Values, m => m.Data.SequenceEqual(bad));
        Assert.DoesNotContain(net.Got[2].Values, m => m.Data.SequenceEqual(bad));
        Assert.True(net.Routers[1].Score(net.Hosts[0].PeerId) < 0);
    }

    [Fact]
    public async Task IHaveIsAnsweredWithIWant_IWantWithMessage_GraftDuringBackoffWithPrune()
    {
        var opts = Fast();
        await using var node = TestUtil.NewHost();
        await using var router = new Gossipsub(node, opts);
        router.Subscribe(Topic);
        var cached = Snappier.Snappy.CompressToArray("cached"u8.ToArray());
        router.Publish(Topic, cached);

        // a hand-driven peer that speaks raw gossipsub RPCs
        await using var fake = TestUtil.NewHost();
        var inbox = new ConcurrentQueue<Rpc>();
        fake.SetStreamHandler(Gossipsub.ProtocolV11, async s =>
        {
            while (await StreamIo.ReadLengthPrefixedOrEofAsync(s, 1 << 21, default) is { } b) inbox.Enqueue(Rpc.Decode(b));
        });
        await fake.DialAsync(TestUtil.Addr(node)).WaitAsync(TestUtil.T);
        var s = await fake.NewStreamAsync(node.PeerId, Gossipsub.ProtocolV11).WaitAsync(TestUtil.T);
        async Task SendAsync(Rpc r) => await StreamIo.WriteLengthPrefixedAsync(s, r.Encode(), default);

        var sub = new Rpc();
        sub.Subscriptions.Add((true, Topic));
        await SendAsync(sub);
        await TestUtil.Until(() => router.TopicPeers(Topic).Contains(fake.PeerId), "subscription seen");

        var unknown = new byte[20]; unknown[0] = 42;
        var ihave = new Rpc();
        ihave.IHave.Add((Topic, [unknown, MessageIds.Eth2Phase0(Topic, cached)]));
        await SendAsync(ihave);
        await TestUtil.Until(() => inbox.Any(r => r.IWant.Any(x => x.SequenceEqual(unknown))), "IWANT for the unknown id");
        Assert.DoesNotContain(inbox, r => r.IWant.Any(x => x.SequenceEqual(MessageIds.Eth2Phase0(Topic, cached))));

        var iwant = new Rpc();
        iwant.IWant.Add(MessageIds.Eth2Phase0(Topic, cached));
        await SendAsync(iwant);
        await TestUtil.Until(() => inbox.Any(r => r.Publish.Any(m => m.Data.SequenceEqual(cached) && m.From is null && m.Seqno is null)), "cached message via IWANT");

        // PRUNE from us, then an immediate GRAFT violates the backoff: answered with PRUNE, penalized
        var prune = new Rpc();
        prune.Prune.Add((Topic, 60));
        await SendAsync(prune);
        await TestUtil.Until(() => !router.MeshPeers(Topic).Contains(fake.PeerId), "pruned");
        inbox.Clear();
        var graft = new Rpc();
        graft.Graft.Add(Topic);
        await SendAsync(graft);
        await TestUtil.Until(() => inbox.Any(r => r.Prune.Any(p => p.Topic == Topic)), "PRUNE in reply to GRAFT during backoff");
        Assert.DoesNotContain(fake.PeerId, router.MeshPeers(Topic));
        Assert.True(router.Score(fake.PeerId) < 0);

        // a signed message (has from/seqno) is rejected under StrictNoSign
        var signed = new Rpc();
        signed.Publish.Add(new RpcMessage { Topic = Topic, Data = [5], From = fake.PeerId.ToByteArray(), Seqno = [1] });
        var before = router.Score(fake.PeerId);
        await SendAsync(signed);
        await TestUtil.Until(() => router.Score(fake.PeerId) < before, "StrictNoSign penalty");
        await s.DisposeAsync();
    }
}
