using System.Collections.Concurrent;
using Cirrus.Networking.Gossip;

namespace Cirrus.Networking.Tests.Interop;

/// <summary>
/// Two js-libp2p nodes at the two ends of a mesh of four of ours (js0 — C0 ⋯ C3 — js1): messages from one js node
/// must cross our routers to reach the other js node, and ours reach both.
/// </summary>
[Collection("interop")]
public class InteropMixedMeshTests
{
    private const string Topic = "/eth2/00000000/beacon_block/ssz_snappy";

    [Fact]
    public async Task JsMessagesCrossOurMeshToJs()
    {
        await using var js0 = await JsPeer.StartAsync("secp256k1", ["yamux", "mplex"]);
        await using var js1 = await JsPeer.StartAsync("Ed25519", ["mplex"]);
        var hosts = new List<Libp2pHost>();
        var routers = new List<Gossipsub>();
        var got = new List<ConcurrentDictionary<string, byte>>();
        try
        {
            for (int i = 0; i < 4; i++)
            {
                var h = TestUtil.NewHost();
                var g = new Gossipsub(h, new GossipsubOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(200) });
                var d = new ConcurrentDictionary<string, byte>();
                g.MessageReceived += m => d[Convert.ToHexString(m.Data)] = 1;
                g.Subscribe(Topic);
                hosts.Add(h); routers.Add(g); got.Add(d);
            }
            for (int i = 0; i < 4; i++)
                for (int j = i + 1; j < 4; j++)
                    await hosts[i].DialAsync(TestUtil.Addr(hosts[j])).WaitAsync(TestUtil.T);
            await js0.CallAsync("subscribe", new { topic = Topic });
            await js1.CallAsync("subscribe", new { topic = Topic });
            await hosts[0].DialAsync(Multiaddr.Parse(js0.Address)).WaitAsync(TestUtil.T);
            await js1.CallAsync("dial", new { addr = TestUtil.Addr(hosts[3]).ToString() });
            var id0 = PeerId.Parse(js0.PeerId);
            var id1 = PeerId.Parse(js1.PeerId);
            await TestUtil.Until(() => routers[0].MeshPeers(Topic).Contains(id0) && routers[3].MeshPeers(Topic).Contains(id1), "js peers in our meshes");
            await Task.Delay(500); // let js graft us back

            var fromJs0 = Snappier.Snappy.CompressToArray("js0 says hi"u8.ToArray());
            await js0.CallAsync("publish", new { topic = Topic, data = Convert.ToHexString(fromJs0) });
            await js1.WaitEventAsync(e => e.GetProperty("event").GetString() == "message" && e.GetProperty("data").GetString()!.ToUpperInvariant() == Convert.ToHexString(fromJs0));
            await TestUtil.Until(() => got.All(d => d.ContainsKey(Convert.ToHexString(fromJs0))), "js0 message at all of ours");

            var fromJs1 = Snappier.Snappy.CompressToArray("js1 answers"u8.ToArray());
            await js1.CallAsync("publish", new { topic = Topic, data = Convert.ToHexString(fromJs1) });
            await js0.WaitEventAsync(e => e.GetProperty("event").GetString() == "message" && e.GetProperty("data").GetString()!.ToUpperInvariant() == Convert.ToHexString(fromJs1));
            await TestUtil.Until(() => got.All(d => d.ContainsKey(Convert.ToHexString(fromJs1))), "js1 message at all of ours");

            var ours = Snappier.Snappy.CompressToArray("cirrus C1"u8.ToArray());
            routers[1].Publish(Topic, ours);
            await js0.WaitEventAsync(e => e.GetProperty("event").GetString() == "message" && e.GetProperty("data").GetString()!.ToUpperInvariant() == Convert.ToHexString(ours));
            await js1.WaitEventAsync(e => e.GetProperty("event").GetString() == "message" && e.GetProperty("data").GetString()!.ToUpperInvariant() == Convert.ToHexString(ours));
        }
        finally
        {
            foreach (var g in routers) await g.DisposeAsync();
            foreach (var h in hosts) await h.DisposeAsync();
        }
    }
}
