using System.Net;
using Cirrus.Ssz;
using Xunit;
using Xunit.Abstractions;
using static Cirrus.Integration.Tests.ApiHelpers;

namespace Cirrus.Integration.Tests;

/// <summary>Nodes that start behind reach the head over libp2p (status, blocks_by_range), with no help from the test.</summary>
public sealed class SyncTests(PastChainFixture f, ITestOutputHelper log) : IClassFixture<PastChainFixture>
{
    private string[] NodeArgs(string name, params string[] extra) =>
        ["beacon-node", "--network-dir", f.NetworkDir, "--data-dir", f.DataDir(name), "--rest-port", "0", .. extra];

    /// <summary>A node that holds the whole past chain (posted through its API).</summary>
    private async Task<NodeProcess> ServerAsync(string name)
    {
        var a = await NodeProcess.StartAsync(NodeArgs(name));
        foreach (var b in f.Builder.Blocks) await PostBlock(a.Http, b, f.Config);
        Assert.Equal(f.Builder.HeadRoot, (await HeadOf(a.Http)).Head);
        return a;
    }

    [Fact]
    public async Task AFreshNodeRangeSyncsThePastChainFromAPeerAndHoldsTheSameBlocks()
    {
        using var a = await ServerAsync("range-a");
        string addr = await P2pAddress(a.Http);
        using var b = await NodeProcess.StartAsync(NodeArgs("range-b", "--peer", addr, "--no-discovery"));
        bool synced = await Eventually(async () => (await HeadOf(b.Http)).Head == f.Builder.HeadRoot, TimeSpan.FromSeconds(90));
        log.WriteLine(b.Output);
        Assert.True(synced, "node B did not reach A's head");
        var aHead = await HeadOf(a.Http);
        var bHead = await HeadOf(b.Http);
        Assert.Equal(aHead.Finalized, bHead.Finalized);
        Assert.Equal(aHead.Justified, bHead.Justified);
        // the same canonical block (or none) at every slot
        for (ulong slot = 0; slot <= PastChainFixture.LastSlot; slot++)
        {
            using var ra = await a.Http.GetAsync($"/eth/v1/beacon/blocks/{slot}/root");
            using var rb = await b.Http.GetAsync($"/eth/v1/beacon/blocks/{slot}/root");
            Assert.Equal(ra.StatusCode, rb.StatusCode);
            if (ra.StatusCode == HttpStatusCode.OK)
                Assert.Equal(await ra.Content.ReadAsStringAsync(), await rb.Content.ReadAsStringAsync());
        }
        Assert.Contains("range sync", b.Output);
        Assert.Equal(1, await ConnectedPeers(b.Http));
        var syncing = await Data(b.Http, "/eth/v1/node/syncing");
        Assert.False(syncing.GetProperty("is_syncing").GetBoolean());
    }

    [Fact]
    public async Task ACheckpointStartedNodeSyncsTheRestFromPeers()
    {
        using var a = await ServerAsync("cp-p2p-a");
        var aHead = await HeadOf(a.Http);
        string addr = await P2pAddress(a.Http);
        using var c = await NodeProcess.StartAsync(NodeArgs("cp-p2p-c", "--checkpoint-url", $"http://127.0.0.1:{a.Port}", "--peer", addr, "--no-discovery"));
        Assert.Contains("checkpoint", c.Output);
        bool synced = await Eventually(async () => (await HeadOf(c.Http)).Head == aHead.Head, TimeSpan.FromSeconds(90));
        log.WriteLine(c.Output);
        Assert.True(synced, "the checkpoint-started node did not reach the head");
        Assert.Equal(aHead.Finalized, (await HeadOf(c.Http)).Finalized);
        // it serves blocks from its anchor on: a third node syncs from it alone
        string cAddr = await P2pAddress(c.Http);
        using var d = await NodeProcess.StartAsync(NodeArgs("cp-p2p-d", "--checkpoint-url", $"http://127.0.0.1:{c.Port}", "--peer", cAddr, "--no-discovery"));
        Assert.True(await Eventually(async () => (await HeadOf(d.Http)).Head == aHead.Head, TimeSpan.FromSeconds(90)), "D did not sync from C");
    }
}
