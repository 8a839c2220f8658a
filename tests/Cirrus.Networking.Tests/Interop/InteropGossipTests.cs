using System.Collections.Concurrent;
using Cirrus.Networking.Gossip;

namespace Cirrus.Networking.Tests.Interop;

/// <summary>gossipsub with js-libp2p's @libp2p/gossipsub (StrictNoSign, eth2 message-id on both sides), both directions, several topics.</summary>
[Collection("interop")]
public class InteropGossipTests
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(20);
    private static readonly string[] Topics =
    [
        "/eth2/00000000/beacon_block/ssz_snappy",
        "/eth2/00000000/beacon_aggregate_and_proof/ssz_snappy",
        "/eth2/00000000/voluntary_exit/ssz_snappy",
    ];

    private static async Task Until(Func<Task<bool>> cond, string what)
    {
        var deadline = DateTime.UtcNow + T;
        while (DateTime.UtcNow < deadline)
        {
            if (await cond()) return;
            await Task.Delay(100);
        }
        throw new TimeoutException("timed out waiting for " + what);
    }

    [Theory]
    [InlineData("yamux", true)]
    [InlineData("mplex", true)]
    [InlineData("yamux", false)]
    [InlineData("mplex", false)]
    public async Task GossipBothDirections(string muxer, bool weDial)
    {
        await using var js = await JsPeer.StartAsync("secp256k1", [muxer]);
        await using var host = new Libp2pHost(new Libp2pHostOptions { Key = Secp256k1Key.Generate() });
        host.Listen(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"));
        // eth2 score parameters on our side: a well-behaved js peer must stay in good standing
        await using var gs = new Gossipsub(host, new GossipsubOptions { ScoreParams = Eth2ScoreParams.Create([0, 0, 0, 0]) });
        var received = new ConcurrentQueue<GossipMessage>();
        gs.MessageReceived += received.Enqueue;
        foreach (var t in Topics)
        {
            gs.Subscribe(t);
            await js.CallAsync("subscribe", new { topic = t });
        }
        var jsId = PeerId.Parse(js.PeerId);
        if (weDial) await host.DialAsync(Multiaddr.Parse(js.Address)).WaitAsync(T);
        else await js.CallAsync("dial", new { addr = host.ListenAddresses[0].WithPeerId(host.PeerId).ToString() });

        await Until(async () =>
        {
            foreach (var t in Topics)
            {
                if (!gs.TopicPeers(t).Contains(jsId)) return false;
                var m = await js.CallAsync("mesh", new { topic = t });
                if (!m.GetProperty("subscribers").EnumerateArray().Any(x => x.GetString() == host.PeerId.ToString())) return false;
            }
            return true;
        }, "subscriptions on both sides");
        await Until(async () =>
        {
            foreach (var t in Topics)
            {
                if (!gs.MeshPeers(t).Contains(jsId)) return false;
                var m = await js.CallAsync("mesh", new { topic = t });
                if (!m.GetProperty("peers").EnumerateArray().Any(x => x.GetString() == host.PeerId.ToString())) return false;
            }
            return true;
        }, "mesh on both sides");

        // js -> us
        for (int i = 0; i < Topics.Length; i++)
        {
            var payload = Snappier.Snappy.CompressToArray(System.Text.Encoding.UTF8.GetBytes($"from js {i} " + new string('x', 100 * i)));
            var r = await js.CallAsync("publish", new { topic = Topics[i], data = Convert.ToHexString(payload) });
            Assert.Contains(r.GetProperty("recipients").EnumerateArray(), x => x.GetString() == host.PeerId.ToString());
            await Until(() => Task.FromResult(received.Any(m => m.Topic == Topics[i] && m.Data.AsSpan().SequenceEqual(payload))), "js message " + i);
            var got = received.First(m => m.Topic == Topics[i] && m.Data.AsSpan().SequenceEqual(payload));
            Assert.Equal(jsId, got.Source);
            Assert.Equal(MessageIds.Eth2Phase0(Topics[i], payload), got.Id);
        }

        // us -> js
        for (int i = 0; i < Topics.Length; i++)
        {
            var payload = Snappier.Snappy.CompressToArray(System.Text.Encoding.UTF8.GetBytes($"from cirrus {i}"));
            Assert.Equal(1, gs.Publish(Topics[i], payload));
            var ev = await js.WaitEventAsync(e => e.GetProperty("event").GetString() == "message" && e.GetProperty("topic").GetString() == Topics[i]);
            Assert.Equal(Convert.ToHexString(payload), ev.GetProperty("data").GetString()!.ToUpperInvariant());
            // js computed the same eth2 message-id
            Assert.Equal(Convert.ToHexString(MessageIds.Eth2Phase0(Topics[i], payload)), ev.GetProperty("msgId").GetString()!.ToUpperInvariant());
        }

        // a message that is not valid snappy still gets the INVALID-domain id on both sides
        var raw = new byte[] { 0x0a, 0x00 };
        gs.Publish(Topics[0], raw);
        var ev2 = await js.WaitEventAsync(e => e.GetProperty("event").GetString() == "message" && e.GetProperty("data").GetString() == "0a00");
        Assert.Equal(Convert.ToHexString(MessageIds.Eth2Phase0(Topics[0], raw)), ev2.GetProperty("msgId").GetString()!.ToUpperInvariant());
        Assert.True(gs.Score(jsId) > 0, $"js peer score {gs.Score(jsId)}");
    }

    [Fact]
    public async Task BurstOfMessagesArrivesComplete()
    {
        await using var js = await JsPeer.StartAsync("secp256k1", ["yamux"]);
        await using var host = new Libp2pHost(new Libp2pHostOptions { Key = Secp256k1Key.Generate() });
        await using var gs = new Gossipsub(host);
        gs.Subscribe(Topics[0]);
        await js.CallAsync("subscribe", new { topic = Topics[0] });
        var jsId = PeerId.Parse(js.PeerId);
        await host.DialAsync(Multiaddr.Parse(js.Address)).WaitAsync(T);
        await Until(async () => gs.TopicPeers(Topics[0]).Contains(jsId) && gs.MeshPeers(Topics[0]).Contains(jsId)
            && (await js.CallAsync("mesh", new { topic = Topics[0] })).GetProperty("peers").GetArrayLength() == 1, "mesh");
        const int n = 1000;
        for (int i = 0; i < n; i++)
            Assert.Equal(1, gs.Publish(Topics[0], Snappier.Snappy.CompressToArray(BitConverter.GetBytes(i).Concat(new byte[300]).ToArray())));
        var seen = new HashSet<string>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (seen.Count < n)
        {
            var e = await js.Events.ReadAsync(cts.Token);
            if (e.GetProperty("event").GetString() == "message") seen.Add(e.GetProperty("data").GetString()!);
        }
        Assert.Equal(n, seen.Count);

        // and the other way: js publishes a burst, every message reaches us once
        var got = new ConcurrentDictionary<int, int>();
        gs.MessageReceived += m => got.AddOrUpdate(BitConverter.ToInt32(Eth2.GossipTopics.Decode(m.Data)), 1, (_, c) => c + 1);
        await js.CallAsync("publishMany", new { topic = Topics[0], count = n, size = 301 }, TimeSpan.FromSeconds(60));
        await Until(() => Task.FromResult(got.Count == n), "js burst");
        Assert.All(got.Values, c => Assert.Equal(1, c));
    }
}
