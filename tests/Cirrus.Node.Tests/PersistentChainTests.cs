using Cirrus.Consensus.Config;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using Cirrus.Storage;
using Xunit;

namespace Cirrus.Node.Tests;

/// <summary>One finalizing 5-epoch chain, built once (signing is the slow part).</summary>
public sealed class ChainFixture
{
    public const ulong LastSlot = 40;
    public TestChainBuilder Builder { get; } = new TestChainBuilder().BuildTo(LastSlot, skip: s => s == 13 || s == 22);
}

public sealed class PersistentChainTests(ChainFixture f) : IClassFixture<ChainFixture>, IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cirrus-chain-" + Guid.NewGuid().ToString("N"));
    private ChainConfig C => f.Builder.Config;

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (DirectoryNotFoundException) { }
    }

    private BeaconChain Open(string name, ChainAnchor? anchor, ISignatureVerifier? verifier = null) =>
        BeaconChain.Open(C, BeaconStore.Open(Path.Combine(_dir, name), C.Schema), anchor, verifier);

    private void ImportAll(BeaconChain chain, IEnumerable<SignedBeaconBlock> blocks)
    {
        foreach (var b in blocks)
        {
            chain.OnTick(f.Builder.TimeOf(b.Message.Slot));
            chain.ImportBlock(b);
        }
        chain.OnTick(f.Builder.TimeOf(ChainFixture.LastSlot + 1));
    }

    [Fact]
    public void PerfectChainFinalizesAndARestartResumesExactly()
    {
        Bytes32 head;
        Checkpoint fin, just;
        using (var chain = Open("a", new ChainAnchor(f.Builder.Genesis), new BlsSignatureVerifier()))
        {
            ImportAll(chain, f.Builder.Blocks);
            head = chain.Head;
            fin = chain.FinalizedCheckpoint;
            just = chain.JustifiedCheckpoint;
            Assert.Equal(f.Builder.HeadRoot, head);
            Assert.True(fin.Epoch >= 3, $"finalized epoch {fin.Epoch}");
        }
        using (var again = Open("a", anchor: null))
        {
            Assert.Equal(head, again.Head);
            Assert.Equal(fin, again.FinalizedCheckpoint);
            Assert.Equal(just, again.JustifiedCheckpoint);
            // Started from genesis: genesis stays servable from the store without the genesis state being given again.
            Assert.Equal(C.Schema.HashTreeRoot(f.Builder.Genesis), C.Schema.HashTreeRoot(again.GenesisState!));
            Assert.NotNull(again.GenesisBlockRoot);
            Assert.NotNull(again.GetBlock(again.GenesisBlockRoot!.Value));
            // History below finality comes from the store: blocks, canonical index, regenerated states.
            var early = f.Builder.Blocks[2];
            var earlyRoot = C.Schema.HashTreeRoot(early.Message);
            Assert.Equal(earlyRoot, again.CanonicalRootAt(early.Message.Slot));
            Assert.NotNull(again.GetBlock(earlyRoot));
            var state = again.GetBlockState(earlyRoot);
            Assert.NotNull(state);
            Assert.Equal(early.Message.StateRoot, C.Schema.HashTreeRoot(state!));
            // A skipped slot below finality: the state is the one before, advanced.
            var at13 = again.GetStateAtSlot(13);
            Assert.NotNull(at13);
            Assert.Equal(13UL, at13!.Slot);
            Assert.Equal(C.Schema.HashTreeRoot(f.Builder.Blocks.Last(b => b.Message.Slot < 13).Message), again.CanonicalRootAt(13));
        }
        // The database is consistent after all of it.
        using var store = BeaconStore.Open(Path.Combine(_dir, "a"), C.Schema);
        Assert.Empty(store.CheckConsistency(decodeValues: true));
    }

    [Fact]
    public void GivenAnotherGenesisTheStoreRefuses()
    {
        using (Open("b", new ChainAnchor(f.Builder.Genesis))) { }
        var other = new TestChainBuilder(validators: 16).Genesis;
        var e = Assert.Throws<StoreException>(() => Open("b", new ChainAnchor(other)));
        Assert.Contains("another chain", e.Message);
    }

    [Fact]
    public void CheckpointStartReachesTheSameHeadAndFinality()
    {
        using var full = new BeaconChain(C, f.Builder.Genesis, null);
        ImportAll(full, f.Builder.Blocks.Where(b => b.Message.Slot <= 32));
        var fin = full.FinalizedCheckpoint;
        Assert.True(fin.Epoch >= 2);
        var finBlock = full.GetBlock(fin.Root)!;
        var finState = full.GetBlockState(fin.Root)!;

        using var cp = Open("cp", new ChainAnchor(finState, finBlock), new BlsSignatureVerifier());
        Assert.Equal(fin, cp.FinalizedCheckpoint);
        Assert.Null(cp.GenesisState);
        ImportAll(cp, f.Builder.Blocks.Where(b => b.Message.Slot > finBlock.Message.Slot));
        ImportAll(full, f.Builder.Blocks.Where(b => b.Message.Slot > 32));
        Assert.Equal(full.Head, cp.Head);
        Assert.Equal(full.FinalizedCheckpoint, cp.FinalizedCheckpoint);
        Assert.Equal(full.JustifiedCheckpoint, cp.JustifiedCheckpoint);
    }

    [Fact]
    public void ACheckpointBlockThatIsNotTheStatesBlockIsRefused()
    {
        using var full = new BeaconChain(C, f.Builder.Genesis, null);
        ImportAll(full, f.Builder.Blocks.Take(10));
        var state = full.GetBlockState(full.Head)!;
        var wrongBlock = f.Builder.Blocks[3];
        var e = Assert.Throws<BlockImportException>(() => Open("wrong", new ChainAnchor(state, wrongBlock)));
        Assert.Contains("not the latest block", e.Message);
    }

    [Fact]
    public void OutOfOrderAndEarlyBlocksAreHeldThenImported()
    {
        using var chain = new BeaconChain(C, f.Builder.Genesis, null);
        var blocks = f.Builder.Blocks.Take(12).ToList();
        chain.OnTick(f.Builder.TimeOf(blocks[^1].Message.Slot));
        for (int i = blocks.Count - 1; i >= 1; i--)
            Assert.Equal(BlockSubmitResult.Queued, chain.SubmitBlock(blocks[i]));
        Assert.Equal(blocks.Count - 1, chain.QueuedBlocks);
        Assert.Equal(BlockSubmitResult.Imported, chain.SubmitBlock(blocks[0]));
        Assert.Equal(0, chain.QueuedBlocks);
        Assert.Equal(C.Schema.HashTreeRoot(blocks[^1].Message), chain.Head);

        // One slot early: held until the clock reaches its slot.
        var next = f.Builder.Blocks[12];
        chain.OnTick(f.Builder.TimeOf(next.Message.Slot - 1));
        Assert.Equal(BlockSubmitResult.Queued, chain.SubmitBlock(next));
        Assert.NotEqual(C.Schema.HashTreeRoot(next.Message), chain.Head);
        chain.OnTick(f.Builder.TimeOf(next.Message.Slot));
        Assert.Equal(C.Schema.HashTreeRoot(next.Message), chain.Head);

        // Far in the future: refused outright.
        var far = f.Builder.Blocks[^1];
        Assert.Throws<BlockImportException>(() => chain.SubmitBlock(far));
    }

    [Fact]
    public void ABadSignatureIsRefusedAndNothingIsStored()
    {
        using var chain = Open("sig", new ChainAnchor(f.Builder.Genesis), new BlsSignatureVerifier());
        var good = f.Builder.Blocks[0];
        var bad = C.Schema.Copy(good);
        var sig = bad.Signature;
        sig.AsWritableSpan()[10] ^= 1;
        bad.Signature = sig;
        chain.OnTick(f.Builder.TimeOf(good.Message.Slot));
        Assert.Throws<BlockImportException>(() => chain.ImportBlock(bad));
        Assert.Equal(chain.AnchorRoot, chain.Head);
        Assert.Null(chain.GetBlock(C.Schema.HashTreeRoot(bad.Message)));
        chain.ImportBlock(good);
        Assert.Equal(C.Schema.HashTreeRoot(good.Message), chain.Head);
    }

    [Fact]
    public void ListenersHearBlocksHeadsAndFinality()
    {
        using var chain = new BeaconChain(C, f.Builder.Genesis, null);
        var events = new List<ChainEvent>();
        chain.Events += events.Add;
        ImportAll(chain, f.Builder.Blocks);
        Assert.Equal(f.Builder.Blocks.Count, events.OfType<BlockEvent>().Count());
        Assert.Equal(f.Builder.HeadRoot, events.OfType<HeadEvent>().Last().Block);
        var fins = events.OfType<FinalizedCheckpointEvent>().ToList();
        Assert.NotEmpty(fins);
        Assert.Equal(chain.FinalizedCheckpoint.Epoch, fins[^1].Epoch);
        Assert.Contains(events.OfType<HeadEvent>(), h => h.EpochTransition);
        Assert.Empty(events.OfType<ChainReorgEvent>());
    }

    [Fact]
    public void AReorgIsReported()
    {
        using var chain = new BeaconChain(C, f.Builder.Genesis, null);
        var events = new List<ChainEvent>();
        chain.Events += events.Add;
        // A fork at slot 3 off slot 1, then the main chain's attestations outweigh it.
        var fork = new TestChainBuilder();
        fork.BuildTo(1);
        fork.AddBlock(3, attestations: [], graffiti: Bytes32.FromHex("0x" + new string('1', 64)));
        chain.OnTick(f.Builder.TimeOf(3));
        chain.ImportBlock(fork.Blocks[0]);
        chain.ImportBlock(fork.Blocks[1]);
        Assert.Equal(fork.HeadRoot, chain.Head);
        ImportAll(chain, f.Builder.Blocks.Where(b => b.Message.Slot >= 2 && b.Message.Slot <= 5));
        Assert.Equal(C.Schema.HashTreeRoot(f.Builder.Blocks.Single(b => b.Message.Slot == 5).Message), chain.Head);
        var reorg = Assert.Single(events.OfType<ChainReorgEvent>());
        Assert.Equal(fork.HeadRoot, reorg.OldHeadBlock);
        Assert.True(reorg.Depth >= 1);
    }
}
