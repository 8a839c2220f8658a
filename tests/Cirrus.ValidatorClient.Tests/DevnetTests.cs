using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Transition;
using Cirrus.Validator.Client;
using Cirrus.Validator.Keys;

namespace Cirrus.ValidatorClient.Tests;

/// <summary>The validator client against a real in-process node that verifies every signature.</summary>
public class DevnetTests
{
    private const int Validators = 64;

    private static async Task WaitForHeadSlot(Devnet net, ulong slot, TimeSpan limit)
    {
        var end = DateTime.UtcNow + limit;
        while (net.Chain.HeadSlot < slot && DateTime.UtcNow < end) await Task.Delay(200);
    }

    [Fact]
    public async Task TwoClientsProposeEverySlotAttestAggregateAndJustify()
    {
        var config = Devnet.ShortSlots(2);
        ulong spe = config.SlotsPerEpoch;
        await using var net = await Devnet.StartAsync(config, Validators, TimeSpan.FromSeconds(4));
        using var dir1 = new TempDir();
        using var dir2 = new TempDir();
        // The second client's first node is dead: every request falls back to the live one.
        await using var vc1 = new RunningClient(config, [net.Url], dir1.Path, InteropKeySource.Keys(0, 32));
        await using var vc2 = new RunningClient(config, [Devnet.DeadUrl(), net.Url], dir2.Path, InteropKeySource.Keys(32, 32));

        ulong lastSlot = 3 * spe + 1;
        await WaitForHeadSlot(net, lastSlot, TimeSpan.FromSeconds(4 + (lastSlot + 6) * 2));
        Assert.False(vc1.Run.IsCompleted, vc1.Run.Exception?.ToString());
        Assert.False(vc2.Run.IsCompleted, vc2.Run.Exception?.ToString());
        Assert.True(net.Chain.HeadSlot >= lastSlot, $"head at slot {net.Chain.HeadSlot}, expected {lastSlot}");

        // A block at every slot, with our graffiti.
        string log = string.Join("\n", vc1.Lines("missed").Concat(vc2.Lines("missed")).Take(20));
        for (ulong s = 1; s <= lastSlot; s++)
        {
            var root = net.Chain.CanonicalRootAt(s);
            Assert.NotNull(root);
            var block = net.Chain.GetBlock(root.Value)!;
            Assert.True(s == block.Message.Slot, $"no block at slot {s}:\n{log}");
            Assert.Equal(ValidatorClientOptions.GraffitiFromText("cirrus vc test"), block.Message.Body.Graffiti);
        }

        // Epoch 2's votes are all in the chain, each in the next block.
        var (_, state) = net.Chain.GetCanonicalState(net.Chain.HeadSlot)!.Value;
        Assert.Equal(3UL, state.CurrentEpoch);
        var attested = new HashSet<ulong>();
        foreach (var p in state.State.PreviousEpochAttestations)
        {
            Assert.True(p.InclusionDelay == 1, $"slot {p.Data.Slot} votes included with delay {p.InclusionDelay}:\n{log}");
            attested.UnionWith(BeaconStateAccessors.GetAttestingIndices(state, p.Data, p.AggregationBits));
        }
        Assert.True(Validators == attested.Count, $"{attested.Count} validators attested in epoch 2:\n{log}");
        Assert.True(net.Chain.JustifiedCheckpoint.Epoch >= 2, $"justified epoch {net.Chain.JustifiedCheckpoint.Epoch}");

        foreach (var vc in new[] { vc1, vc2 })
        {
            var m = vc.Client.Metrics;
            string why = string.Join("\n", vc.Lines("missed").Concat(vc.Lines("refused")).Take(20));
            Assert.True(m.RefusalCount() == 0, why);
            Assert.True(m.MissedCount(DutyKind.Proposal) == 0, why);
            Assert.True(m.MissedCount(DutyKind.Attestation) == 0, why);
            Assert.True(m.PerformedCount(DutyKind.Attestation) >= 3 * 32, $"{m.PerformedCount(DutyKind.Attestation)} attestations");
            Assert.True(m.PerformedCount(DutyKind.Aggregation) > 0);
            Assert.NotEmpty(vc.Lines("summary"));
        }
        // Every block up to lastSlot came from one of the two clients, one each.
        Assert.Equal((int)lastSlot, ProposalsUpTo(vc1, lastSlot) + ProposalsUpTo(vc2, lastSlot));
        Assert.True(vc2.Client.Metrics.RequestFailureCount(vc2.Client.Nodes.Nodes[0].BaseAddress.ToString()) > 0);
        Assert.Equal(0, vc2.Client.Metrics.RequestFailureCount(net.Url.ToString()));
    }

    /// <summary>Proposals the client logged up to <paramref name="slot"/> (the run goes on while we look).</summary>
    private static int ProposalsUpTo(RunningClient vc, ulong slot) =>
        vc.Lines("proposal: published").Count(l => ulong.Parse(l.Split(' ')[1]) <= slot);

    [Fact]
    public async Task RecoversWhenTheNodeApiRestarts()
    {
        var config = Devnet.ShortSlots(2);
        await using var net = await Devnet.StartAsync(config, Validators, TimeSpan.FromSeconds(3));
        using var dir = new TempDir();
        await using var vc = new RunningClient(config, [net.Url], dir.Path, InteropKeySource.Keys(0, Validators));

        await WaitForHeadSlot(net, 3, TimeSpan.FromSeconds(30));
        Assert.True(net.Chain.HeadSlot >= 3);
        await net.StopApiAsync();
        ulong stoppedAt = net.Chain.CurrentSlot;
        await Task.Delay(TimeSpan.FromSeconds(3 * 2));
        Assert.True(net.Chain.HeadSlot <= stoppedAt, "blocks arrived while the API was down");
        await net.StartApiAsync();
        ulong restartedAt = net.Chain.CurrentSlot;

        await WaitForHeadSlot(net, restartedAt + 4, TimeSpan.FromSeconds(30));
        Assert.False(vc.Run.IsCompleted, vc.Run.Exception?.ToString());
        Assert.True(net.Chain.HeadSlot >= restartedAt + 4, $"head at {net.Chain.HeadSlot}, restarted at {restartedAt}");
        // Blocks again at every slot after the restart (the first one may be half gone).
        for (ulong s = restartedAt + 2; s <= restartedAt + 4; s++)
            Assert.True(s == net.Chain.GetBlock(net.Chain.CanonicalRootAt(s)!.Value)!.Message.Slot,
                $"no block at slot {s} (restarted at {restartedAt}):\n{string.Join("\n", vc.Log.TakeLast(30))}");
        var m = vc.Client.Metrics;
        Assert.True(m.MissedCount(DutyKind.Proposal) + m.MissedCount(DutyKind.Attestation) > 0, "no duty was missed while the node was down");
        Assert.True(m.RequestFailureCount(net.Url.ToString()) > 0);
        Assert.Equal(0, m.RefusalCount());
        Assert.NotEmpty(vc.Lines("event stream"));
    }
}
