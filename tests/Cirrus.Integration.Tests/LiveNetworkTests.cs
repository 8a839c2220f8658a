using System.Globalization;
using System.Net.Http.Headers;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Types;
using Cirrus.Networking;
using Cirrus.Ssz;
using Xunit;
using Xunit.Abstractions;
using static Cirrus.Integration.Tests.ApiHelpers;

namespace Cirrus.Integration.Tests;

/// <summary>
/// Four real beacon nodes and four validator clients on a live chain (2 s slots): one node is killed for
/// two epochs and comes back; meanwhile a hostile peer attacks another. Both must end on the same head
/// as the rest, with finality still advancing.
/// </summary>
[Collection(LiveCollection.Name)]
public sealed class LiveNetworkTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cirrus-live-it-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private string[] NodeArgs(string network, int i, string? bootnode) =>
        ["beacon-node", "--network-dir", network, "--data-dir", Path.Combine(_dir, $"node{i}"), "--rest-port", "0",
         "--p2p-address", "127.0.0.1", "--p2p-port", "0", "--target-peers", "3", .. bootnode is null ? Array.Empty<string>() : ["--bootnodes", bootnode]];

    private string[] VcArgs(string network, string url, int i) =>
        ["validator-client", "--network-dir", network, "--beacon-node", url, "--data-dir", Path.Combine(_dir, $"vc{i}"),
         "--interop-validators", $"{i * 16}:16", "--no-doppelganger-protection"];

    [Fact]
    public async Task ANodeDownForTwoEpochsRejoinsAndAnAttackedNodeKeepsFollowing()
    {
        var (network, config, genesis) = TestNetworkDir.Create(_dir, "livenet", 64, 15);
        ulong epochSeconds = config.SecondsPerSlot * config.SlotsPerEpoch;

        var nodes = new NodeProcess?[4];
        var vcs = new NodeProcess?[4];
        try
        {
            nodes[0] = await NodeProcess.StartAsync(NodeArgs(network, 0, null));
            string enr = await Enr(nodes[0]!.Http);
            for (int i = 1; i < 4; i++) nodes[i] = await NodeProcess.StartAsync(NodeArgs(network, i, enr));
            for (int i = 0; i < 4; i++) vcs[i] = NodeProcess.Spawn(VcArgs(network, $"http://127.0.0.1:{nodes[i]!.Port}", i));

            // a meshed, finalizing network first
            Assert.True(await Eventually(async () =>
            {
                foreach (var n in nodes)
                    if (await ConnectedPeers(n!.Http) < 3 || (await HeadOf(n.Http)).Finalized.Epoch < 1) return false;
                return true;
            }, TimeSpan.FromSeconds(150), 1000), "the four nodes did not mesh and finalize epoch 1\n" + nodes[0]!.Output);

            // node 3 goes down for two epochs
            nodes[3]!.Kill();
            vcs[3]!.Kill();
            ulong finalizedAtKill = (await HeadOf(nodes[0]!.Http)).Finalized.Epoch;
            log.WriteLine($"node 3 killed at finalized epoch {finalizedAtKill}");

            // meanwhile node 2 is attacked
            var victim = nodes[2]!;
            var victimAddr = Multiaddr.Parse(await P2pAddress(victim.Http));
            var digest = Misc.ComputeForkDigest(config, config.GenesisForkVersion, genesis.GenesisValidatorsRoot);
            var hostile = new HostilePeer(config, digest, victimAddr);
            var downtime = Task.Delay(TimeSpan.FromSeconds(2 * epochSeconds));
            Assert.True(await hostile.OtherForkDigestAsync(), "a peer on another fork digest was not disconnected");
            await hostile.GarbageAndTruncatedChunksAsync();
            var (limited, banned) = await hostile.RequestFloodAsync();
            Assert.True(limited > 0, "a request flood was never rate-limited");
            Assert.True(banned, "a flooding peer was not disconnected");
            await hostile.StreamsNeverReadAsync();
            var headBlock = await SszBlock(victim.Http, config, "head");
            bool gossipDropped = await hostile.GossipJunkAsync(headBlock);
            foreach (var line in hostile.Log) log.WriteLine(line);
            Assert.True(gossipDropped, "a peer gossiping invalid blocks was not disconnected\n" + victim.Output);
            await downtime;

            // node 3 comes back on the same data dir and catches up; the victim still follows
            nodes[3]!.Dispose();
            vcs[3]!.Dispose();
            nodes[3] = await NodeProcess.StartAsync(NodeArgs(network, 3, enr));
            vcs[3] = NodeProcess.Spawn(VcArgs(network, $"http://127.0.0.1:{nodes[3]!.Port}", 3));
            bool rejoined = await Eventually(async () =>
            {
                var heads = new HashSet<Bytes32>();
                foreach (var n in nodes)
                {
                    var h = await HeadOf(n!.Http);
                    if (h.Finalized.Epoch < finalizedAtKill + 2) return false;
                    heads.Add(h.Head);
                }
                return heads.Count == 1;
            }, TimeSpan.FromSeconds(6 * epochSeconds), 500);
            for (int i = 0; i < 4; i++) log.WriteLine($"node {i}: {await HeadOf(nodes[i]!.Http)}");
            Assert.True(rejoined, "after the restart the nodes did not agree on a head with finality advanced by two epochs\n" + nodes[3]!.Output);
            Assert.True(await ConnectedPeers(nodes[3]!.Http) >= 2, "the restarted node has too few peers");
            foreach (var n in nodes) Assert.DoesNotContain("   at ", n!.Output);
        }
        finally
        {
            foreach (var v in vcs) v?.Dispose();
            foreach (var n in nodes) n?.Dispose();
        }
    }

    private static async Task<SignedBeaconBlock> SszBlock(HttpClient http, ChainConfig config, string id)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, $"/eth/v1/beacon/blocks/{id}");
        req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/octet-stream"));
        using var resp = await http.SendAsync(req);
        Assert.True(resp.IsSuccessStatusCode, $"block {id}: {(int)resp.StatusCode}");
        return config.Schema.Deserialize<SignedBeaconBlock>(await resp.Content.ReadAsByteArrayAsync());
    }
}
