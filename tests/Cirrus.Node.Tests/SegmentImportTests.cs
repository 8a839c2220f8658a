using Cirrus.Consensus.Config;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using Cirrus.Storage;
using Xunit;

namespace Cirrus.Node.Tests;

/// <summary>
/// Range-sync segments (<see cref="BeaconChain.ImportBlocks"/>): one signature batch and one store
/// write per segment, states kept only where fork choice needs them.
/// </summary>
public sealed class SegmentImportTests(ChainFixture f) : IClassFixture<ChainFixture>, IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cirrus-segment-" + Guid.NewGuid().ToString("N"));
    private ChainConfig C => f.Builder.Config;
    private List<SignedBeaconBlock> Blocks => f.Builder.Blocks;

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (DirectoryNotFoundException) { }
    }

    private BeaconChain Open(string name) =>
        BeaconChain.Open(C, BeaconStore.Open(Path.Combine(_dir, name), C.Schema), new ChainAnchor(f.Builder.Genesis),
            new BlsSignatureVerifier(), () => DateTimeOffset.FromUnixTimeSeconds((long)f.Builder.TimeOf(ChainFixture.LastSlot + 1)));

    private Bytes32 Root(SignedBeaconBlock b) => C.Schema.HashTreeRoot(b.Message);

    [Fact]
    public void SegmentsEndWhereBlockByBlockImportEndsAndEveryStateIsThere()
    {
        Checkpoint finalized, justified;
        using (var single = Open("single"))
        {
            foreach (var b in Blocks) single.ImportBlock(b);
            finalized = single.FinalizedCheckpoint;
            justified = single.JustifiedCheckpoint;
        }
        using (var chain = Open("segments"))
        {
            for (int k = 0; k < Blocks.Count; k += 16)
            {
                var segment = Blocks.GetRange(k, Math.Min(16, Blocks.Count - k));
                var result = chain.ImportBlocks(segment);
                Assert.Null(result.Error);
                Assert.Equal(segment.Count, result.Imported);
            }
            Assert.Equal(f.Builder.HeadRoot, chain.Head);
            Assert.Equal(finalized, chain.FinalizedCheckpoint);
            Assert.Equal(justified, chain.JustifiedCheckpoint);
            // States fork choice did not keep are rebuilt on demand, and are right.
            foreach (var b in Blocks)
                Assert.Equal(b.Message.StateRoot, C.Schema.HashTreeRoot(chain.GetBlockState(Root(b))!));
            // States at slots above finality, blocks kept or not, come from fork choice (rebuilt where needed).
            ulong finalizedSlot = chain.FinalizedCheckpoint.Epoch * C.SlotsPerEpoch;
            foreach (var b in Blocks.Where(b => b.Message.Slot > finalizedSlot))
                Assert.Equal(b.Message.StateRoot, C.Schema.HashTreeRoot(chain.GetStateAtSlot(b.Message.Slot)!));
            // Importing blocks above finality again changes nothing.
            var again = chain.ImportBlocks(Blocks.GetRange(Blocks.Count - 8, 8));
            Assert.Null(again.Error);
            Assert.Equal(8, again.Imported);
            Assert.Equal(f.Builder.HeadRoot, chain.Head);
        }
        using (var reopened = Open("segments"))
            Assert.Equal(f.Builder.HeadRoot, reopened.Head);
        using var store = BeaconStore.Open(Path.Combine(_dir, "segments"), C.Schema);
        Assert.Empty(store.CheckConsistency(decodeValues: true));
    }

    [Fact]
    public void ABadSignatureInASegmentKeepsTheValidPrefixAndNamesTheBlock()
    {
        var segment = Blocks.GetRange(0, 12).Select(b => C.Schema.Copy(b)).ToList();
        var bad = segment[7];
        bad.Signature = segment[6].Signature; // a valid signature, of another block
        using (var chain = Open("bad"))
        {
            var result = chain.ImportBlocks(segment);
            Assert.Equal(7, result.Imported);
            Assert.NotNull(result.Error);
            Assert.Contains($"slot {bad.Message.Slot}", result.Error!.Message);
            Assert.Equal(Root(segment[6]), chain.Head);
            Assert.Null(chain.GetBlock(Root(bad)));
            Assert.Null(chain.GetBlock(Root(segment[8])));
        }
        using var store = BeaconStore.Open(Path.Combine(_dir, "bad"), C.Schema);
        Assert.Empty(store.CheckConsistency(decodeValues: true));
        Assert.Null(store.GetBlock(Root(bad)));
    }

    [Fact]
    public void ASegmentWithAGapStopsAtTheGapAndOneThatDoesNotAttachIsDetached()
    {
        using var chain = Open("gap");
        var gapped = Blocks.GetRange(0, 5).Concat(Blocks.GetRange(6, 5)).ToList();
        var result = chain.ImportBlocks(gapped);
        Assert.Equal(5, result.Imported);
        Assert.True(result.Error!.UnknownParent);
        Assert.Equal(Root(Blocks[4]), chain.Head);

        var detached = chain.ImportBlocks(Blocks.GetRange(20, 5));
        Assert.Equal(0, detached.Imported);
        Assert.True(detached.Error!.UnknownParent);
    }

    [Fact]
    public void AForkFromABlockWhoseStateWasNotKeptImports()
    {
        using var chain = Open("fork");
        Assert.Null(chain.ImportBlocks(Blocks.GetRange(0, 16)).Error);
        // A second chain, identical up to its 6th block, then a block of its own on that block.
        var other = new TestChainBuilder();
        foreach (var b in Blocks.Take(6)) other.AddBlock(b.Message.Slot);
        Assert.Equal(Root(Blocks[5]), other.HeadRoot);
        var graffiti = default(Bytes32);
        graffiti.AsWritableSpan()[0] = 0x66;
        var fork = other.AddBlock(Blocks[7].Message.Slot, attestations: [], graffiti: graffiti);
        Assert.NotEqual(Root(Blocks[7]), Root(fork));
        chain.ImportBlock(fork); // its parent's state is rebuilt from the nearest kept one
        Assert.NotNull(chain.GetBlock(Root(fork)));
        Assert.Equal(fork.Message.StateRoot, C.Schema.HashTreeRoot(chain.GetBlockState(Root(fork))!));
    }
}
