using Cirrus.Node.Monitoring;
using Cirrus.Storage;

namespace Cirrus.Node.Tests;

/// <summary>The validator monitor records every epoch, also those the head passed between two slot ticks.</summary>
public sealed class ValidatorMonitorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cirrus-monitor-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // on a store, as a node runs: states below finality are replayed from it
    private BeaconChain Open(TestChainBuilder b, string name) =>
        BeaconChain.Open(b.Config, BeaconStore.Open(Path.Combine(_dir, name), b.Config.Schema), new ChainAnchor(b.Genesis), null);

    [Fact]
    public void EpochsTheHeadPassedBetweenTwoTicksAreRecordedFromTheCanonicalChain()
    {
        var b = new TestChainBuilder().BuildTo(6 * 8);
        var c = b.Config;
        using var chain = Open(b, "a");
        var lines = new List<string>();
        var monitor = new ValidatorMonitor(chain, l => { lock (lines) lines.Add(l); });
        monitor.AddIndex(1);
        monitor.AddIndex(2);
        int imported = 0;
        void To(ulong slot)
        {
            chain.OnTick(b.TimeOf(slot));
            for (; imported < b.Blocks.Count && b.Blocks[imported].Message.Slot <= slot; imported++) chain.ImportBlock(b.Blocks[imported]);
            monitor.OnSlot();
        }

        To(c.SlotsPerEpoch + 1);       // head in epoch 1: epoch 0 is being built
        To(c.SlotsPerEpoch + 4);
        To(5 * c.SlotsPerEpoch + 1);   // one tick later the head is in epoch 5: 0 is final, 1..3 were passed
        var epochs = lines.Where(l => l.StartsWith("validator monitor: epoch ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["0", "1", "2", "3"], epochs.Select(l => l.Split(' ')[3].TrimEnd(':')));
        // the builder's blocks carry every attestation: both validators attested every epoch after the first
        Assert.All(epochs.Skip(1), l => Assert.Contains("2 validator(s), 2 active | attestations included 2/2", l));
        Assert.All(epochs.Skip(1), l => Assert.Contains("target 2/2", l));
        Assert.Equal(3UL, monitor.LastEpoch(1)!.Epoch);
        Assert.NotNull(monitor.LastEpoch(1)!.BalanceDeltaGwei);

        To(6 * c.SlotsPerEpoch);       // the next epoch follows as before
        Assert.Equal(4UL, monitor.LastEpoch(2)!.Epoch);
    }

    [Fact]
    public void ALongCatchUpRecordsOnlyTheLastEpochsAndSaysSo()
    {
        var b = new TestChainBuilder().BuildTo(10 * 8);
        var c = b.Config;
        using var chain = Open(b, "b");
        var lines = new List<string>();
        var monitor = new ValidatorMonitor(chain, lines.Add);
        monitor.AddIndex(5);
        chain.OnTick(b.TimeOf(c.SlotsPerEpoch + 1));
        foreach (var blk in b.Blocks.Where(x => x.Message.Slot <= c.SlotsPerEpoch + 1)) chain.ImportBlock(blk);
        monitor.OnSlot();
        chain.OnTick(b.TimeOf(10 * c.SlotsPerEpoch));
        foreach (var blk in b.Blocks.Where(x => x.Message.Slot > c.SlotsPerEpoch + 1)) chain.ImportBlock(blk);
        monitor.OnSlot();
        // head in epoch 10: 0 finished, 1..8 passed, the last 4 (5..8) rebuilt
        Assert.Contains("validator monitor: epochs 1..4 passed while the node caught up: not recorded", lines);
        var epochs = lines.Where(l => l.StartsWith("validator monitor: epoch ", StringComparison.Ordinal)).Select(l => l.Split(' ')[3].TrimEnd(':'));
        Assert.Equal(["0", "5", "6", "7", "8"], epochs);
    }

    [Fact]
    public void AnEpochWithoutBlocksDoesNotCostTheEpochBeforeItsRecord()
    {
        var b = new TestChainBuilder().BuildTo(15);
        b.AddBlock(24, attestations: []); // nothing in epoch 2; the last votes of epoch 1 are too old to include by then
        b.BuildTo(40);
        var c = b.Config;
        using var chain = Open(b, "c");
        var lines = new List<string>();
        var monitor = new ValidatorMonitor(chain, lines.Add);
        monitor.AddIndex(9);
        int imported = 0;
        for (ulong slot = 1; slot <= 5 * c.SlotsPerEpoch; slot++)
        {
            chain.OnTick(b.TimeOf(slot));
            for (; imported < b.Blocks.Count && b.Blocks[imported].Message.Slot <= slot; imported++) chain.ImportBlock(b.Blocks[imported]);
            monitor.OnSlot();
        }
        var epochs = lines.Where(l => l.StartsWith("validator monitor: epoch ", StringComparison.Ordinal)).Select(l => l.Split(' ')[3].TrimEnd(':'));
        Assert.Equal(["0", "1", "2", "3"], epochs);
        Assert.Contains(lines, l => l.StartsWith("validator monitor: epoch 1: 1 validator(s), 1 active | attestations included 1/1", StringComparison.Ordinal));
    }
}
