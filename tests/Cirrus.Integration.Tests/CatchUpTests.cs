using System.Net;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Ssz;
using Xunit;
using Xunit.Abstractions;
using static Cirrus.Integration.Tests.ApiHelpers;

namespace Cirrus.Integration.Tests;

/// <summary>
/// Nodes that fall behind a live chain (2 s slots) reach its head by themselves: a late joiner, a node
/// down for five epochs, and a whole network down for five epochs (longer than the old 4-epoch wall
/// after which no block could be produced).
/// </summary>
[Collection(LiveCollection.Name)]
public sealed class CatchUpTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cirrus-catchup-it-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private (string Network, ChainConfig Config) Network(int validators, ulong genesisDelay)
    {
        var (network, config, _) = TestNetworkDir.Create(_dir, "catchup", validators, genesisDelay);
        return (network, config);
    }

    private string[] NodeArgs(string network, string name, string? bootnode) =>
        ["beacon-node", "--network-dir", network, "--data-dir", Path.Combine(_dir, name), "--rest-port", "0",
         "--p2p-address", "127.0.0.1", "--p2p-port", "0", .. bootnode is null ? Array.Empty<string>() : ["--bootnodes", bootnode]];

    private string[] VcArgs(string network, NodeProcess node, string name, string range) =>
        ["validator-client", "--network-dir", network, "--beacon-node", $"http://127.0.0.1:{node.Port}", "--data-dir", Path.Combine(_dir, name),
         "--interop-validators", range, "--no-doppelganger-protection"];

    private static async Task WaitForSlot(NodeProcess node, ulong slot, TimeSpan timeout) =>
        Assert.True(await Eventually(async () => (await HeadOf(node.Http)).Slot >= slot, timeout, 1000), $"head never reached slot {slot}");

    [Fact]
    public async Task ALateJoinerAndANodeDownForFiveEpochsCatchUpByRangeSync()
    {
        var (network, config) = Network(64, 12);
        ulong epochSeconds = config.SecondsPerSlot * config.SlotsPerEpoch;
        using var a = await NodeProcess.StartAsync(NodeArgs(network, "a", null));
        string enr = await Enr(a.Http);
        NodeProcess? b = await NodeProcess.StartAsync(NodeArgs(network, "b", enr));
        using var vcA = NodeProcess.Spawn(VcArgs(network, a, "vc-a", "0:48"));
        NodeProcess? vcB = NodeProcess.Spawn(VcArgs(network, b, "vc-b", "48:16"));
        NodeProcess? late = null;
        try
        {
            // six epochs of chain before the late joiner appears
            await WaitForSlot(a, 6 * config.SlotsPerEpoch, TimeSpan.FromSeconds(7 * epochSeconds + 30));
            late = await NodeProcess.StartAsync(NodeArgs(network, "late", enr));
            Assert.True(await Eventually(async () => (await HeadOf(late.Http)).Slot + 1 >= (await HeadOf(a.Http)).Slot, TimeSpan.FromSeconds(60)),
                "the late joiner did not reach the head\n" + late.Output);
            Assert.Contains("range sync", late.Output);
            // it follows: a few slots later it is still at the head (by gossip now)
            await Task.Delay(TimeSpan.FromSeconds(3 * config.SecondsPerSlot));
            Assert.True(await Eventually(async () => (await HeadOf(late.Http)).Head == (await HeadOf(a.Http)).Head, TimeSpan.FromSeconds(20)), "the late joiner does not follow the head");
            // its database holds the same canonical chain
            var lateHead = await HeadOf(late.Http);
            for (ulong slot = 0; slot <= lateHead.Slot; slot++)
            {
                using var ra = await a.Http.GetAsync($"/eth/v1/beacon/blocks/{slot}/root");
                using var rl = await late.Http.GetAsync($"/eth/v1/beacon/blocks/{slot}/root");
                Assert.Equal(ra.StatusCode, rl.StatusCode);
                if (ra.StatusCode == HttpStatusCode.OK) Assert.Equal(await ra.Content.ReadAsStringAsync(), await rl.Content.ReadAsStringAsync());
            }

            // node b and its validators go down for five epochs, then come back on the same data dirs
            b.Kill();
            vcB.Kill();
            b.Dispose();
            vcB.Dispose();
            ulong downAt = (await HeadOf(a.Http)).Slot;
            await Task.Delay(TimeSpan.FromSeconds(5 * epochSeconds));
            b = await NodeProcess.StartAsync(NodeArgs(network, "b", enr));
            vcB = NodeProcess.Spawn(VcArgs(network, b, "vc-b", "48:16"));
            var finalizedBefore = (await HeadOf(a.Http)).Finalized.Epoch;
            Assert.True(await Eventually(async () => (await HeadOf(b.Http)).Head == (await HeadOf(a.Http)).Head, TimeSpan.FromSeconds(60)),
                $"node b, down from slot {downAt}, did not catch up\n" + b.Output);
            // and the network keeps finalizing with it back
            Assert.True(await Eventually(async () => (await HeadOf(b.Http)).Finalized.Epoch >= finalizedBefore + 1, TimeSpan.FromSeconds(4 * epochSeconds)),
                "finality did not advance after node b came back");
            log.WriteLine($"late joiner and node b caught up; finalized {(await HeadOf(b.Http)).Finalized.Epoch}");
        }
        finally
        {
            vcB?.Dispose();
            b?.Dispose();
            late?.Dispose();
        }
    }

    [Fact]
    public async Task ASingleNodeDevnetStoppedForFiveEpochsProducesBlocksAndFinalizesAgain()
    {
        var (network, config) = Network(64, 10);
        ulong epochSeconds = config.SecondsPerSlot * config.SlotsPerEpoch;
        var node = await NodeProcess.StartAsync(NodeArgs(network, "solo", null));
        var vc = NodeProcess.Spawn(VcArgs(network, node, "vc-solo", "0:64"));
        try
        {
            await WaitForSlot(node, 2 * config.SlotsPerEpoch, TimeSpan.FromSeconds(3 * epochSeconds + 30));
            Assert.Equal(0, await vc.StopAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(0, await node.StopAsync(TimeSpan.FromSeconds(30)));
            vc.Dispose();
            node.Dispose();
            await Task.Delay(TimeSpan.FromSeconds(5 * epochSeconds));

            node = await NodeProcess.StartAsync(NodeArgs(network, "solo", null));
            vc = NodeProcess.Spawn(VcArgs(network, node, "vc-solo", "0:64"));
            var before = await HeadOf(node.Http);
            var sync = await Data(node.Http, "/eth/v1/node/syncing");
            ulong clockSlot = U(sync, "head_slot") + U(sync, "sync_distance");
            Assert.True(clockSlot >= before.Slot + 5 * config.SlotsPerEpoch, $"the clock is at {clockSlot}, the head at {before.Slot}");
            Assert.True(await Eventually(async () => (await HeadOf(node.Http)).Slot > clockSlot, TimeSpan.FromSeconds(30)),
                "no block was produced after the restart\n" + node.Output + "\n" + vc.Output);
            Assert.True(await Eventually(async () => (await HeadOf(node.Http)).Finalized.Epoch > before.Finalized.Epoch, TimeSpan.FromSeconds(5 * epochSeconds)),
                "the chain did not finalize again after the downtime");
            log.WriteLine($"before the stop: head slot {before.Slot}, finalized {before.Finalized.Epoch}; now {await HeadOf(node.Http)}");
        }
        finally
        {
            vc.Dispose();
            node.Dispose();
        }
    }
}
