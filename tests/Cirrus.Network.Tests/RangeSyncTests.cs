using System.Collections.Concurrent;
using Cirrus.Network.Peers;
using Cirrus.Networking;
using Xunit.Abstractions;

namespace Cirrus.Network.Tests;

/// <summary>
/// Range sync against peers that misbehave, all in process on loopback: a fresh node must reach the
/// honest head however the faulty peer answers, and must penalise it for answers proven wrong.
/// </summary>
public sealed class RangeSyncTests(PastChain f, ITestOutputHelper log) : IClassFixture<PastChain>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(Fault.InvalidBlock)]
    [InlineData(Fault.Empty)]
    [InlineData(Fault.Stall)]
    public async Task SyncReachesTheHonestHeadBesideAFaultyPeerAndPenalisesIt(Fault fault)
    {
        await using var honest = new TestNode(f, holdChain: true);
        await using var faulty = new FaultyPeer(f, honest.Net.LocalStatus(), fault);
        var penalties = new ConcurrentQueue<string>();
        // the faulty peer is there first, so it is certainly given batches
        await using var node = new TestNode(f, holdChain: false, faulty.Address);
        node.Net.PeerManager.Penalized += (peer, _, why) => { if (peer == faulty.Host.PeerId && why.StartsWith("range sync")) penalties.Enqueue(why); };
        try
        {
            Assert.True(await Until(() => faulty.RangeRequests > 0), "the faulty peer was never asked for blocks");
            await node.Net.Host.DialAsync(honest.Address);
            Assert.True(await Until(() => node.Chain.Head == f.Builder.HeadRoot), $"the node did not reach the honest head (at slot {node.Chain.HeadSlot})");
            Assert.True(await Until(() => !penalties.IsEmpty), "the faulty peer was not penalised");
            Assert.True(await Until(() => !node.Net.Sync.IsSyncing), "still syncing at the head");
            Assert.Equal(honest.Chain.FinalizedCheckpoint.Epoch, node.Chain.FinalizedCheckpoint.Epoch);
            Assert.True(node.Net.PeerDb.ScoreOf(faulty.Host.PeerId) < node.Net.PeerDb.ScoreOf(honest.Net.PeerId));
            log.WriteLine("penalties: " + string.Join(" | ", penalties.Distinct()));
        }
        finally { Dump(node); foreach (var l in faulty.Log) log.WriteLine("faulty: " + l); }
    }

    [Fact]
    public async Task ASyncWhoseOnlyPeerLeavesMidwayResumesWhenANewPeerAppears()
    {
        var honestStatus = await StatusOfHonestChain();
        var slow = new FaultyPeer(f, honestStatus, Fault.Slow);
        await using var node = new TestNode(f, holdChain: false, slow.Address);
        try
        {
            Assert.True(await Until(() => node.Chain.HeadSlot > 0 && slow.RangeRequests >= 2), "the first batch was not imported");
            await slow.DisposeAsync(); // gone mid-download of the next batch
            Assert.True(await Until(() => node.Net.PeerManager.ConnectedCount == 0), "the peer did not go");
            ulong stuckAt = node.Chain.HeadSlot;
            Assert.True(stuckAt < PastChain.LastSlot, $"the sync had already finished (slot {stuckAt})");
            Assert.True(node.Net.Sync.IsSyncing, "behind with no peers, the node must still say it is syncing");
            await using var late = new TestNode(f, holdChain: true, node.Address);
            Assert.True(await Until(() => node.Chain.Head == f.Builder.HeadRoot), $"the sync did not resume (head slot {node.Chain.HeadSlot}, was {stuckAt})");
            Assert.True(await Until(() => !node.Net.Sync.IsSyncing), "still syncing at the head");
        }
        finally { Dump(node); }
    }

    private async Task<StatusMessage> StatusOfHonestChain()
    {
        await using var honest = new TestNode(f, holdChain: true);
        return honest.Net.LocalStatus();
    }

    private void Dump(TestNode node)
    {
        foreach (var l in node.Log) log.WriteLine(l);
    }

    /// <summary>Polls until the condition holds or the deadline passes.</summary>
    private static async Task<bool> Until(Func<bool> condition)
    {
        var end = DateTime.UtcNow + Deadline;
        while (DateTime.UtcNow < end)
        {
            if (condition()) return true;
            await Task.Delay(50);
        }
        return condition();
    }
}
