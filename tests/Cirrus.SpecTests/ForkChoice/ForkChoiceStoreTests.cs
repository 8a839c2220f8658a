using Cirrus.Consensus.ForkChoice;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using static Cirrus.SpecTests.StateTransitionVectors;

namespace Cirrus.SpecTests.ForkChoice;

/// <summary>
/// The fork-choice store driven by the chains of the sanity/blocks and finality vectors: every
/// valid chain is imported through on_block (and its attestations through on_attestation), and
/// the head is the chain's tip once the clock reaches the next epoch; invalid blocks change nothing.
/// </summary>
public class ForkChoiceStoreTests
{
    public static IEnumerable<object[]> Chains() => Both("sanity/blocks").Concat(Both("finality/finality"));

    [Theory, MemberData(nameof(Chains))]
    public void imports_chain(string caseRow)
    {
        string dir = SpecTestPaths.Resolve(caseRow);
        var c = Config(caseRow);
        var pre = Load<BeaconState>(c, dir, "pre.ssz");
        var store = ForkChoiceStore.GetForkchoiceStore(c, pre);
        var anchorHead = store.GetHead();
        int count = int.Parse(Meta(dir)["blocks_count"]);
        bool valid = Has(dir, "post.ssz");
        var verifier = Verifier(dir);
        Cirrus.Ssz.Bytes32 tip = anchorHead;
        for (int i = 0; i < count; i++)
        {
            var block = Load<SignedBeaconBlock>(c, dir, $"blocks_{i}.ssz");
            store.OnTick(store.GenesisTime + block.Message.Slot * c.SecondsPerSlot);
            if (!valid && i == count - 1)
            {
                // The invalid block of the case: rejected, and the head stays where it was.
                var before = store.GetHead();
                var e = Record.Exception(() => store.OnBlock(block, verifier));
                Assert.True(e is StateTransitionException or ForkChoiceException, $"unexpected {e?.GetType().Name}: {e?.Message}");
                Assert.False(store.ContainsBlock(c.Schema.HashTreeRoot(block.Message)));
                Assert.Equal(before, store.GetHead());
                return;
            }
            tip = store.OnBlock(block, verifier);
            Assert.Equal(c.Schema.HashTreeRoot(block.Message), tip);
            store.OnTick(store.GenesisTime + (block.Message.Slot + 1) * c.SecondsPerSlot);
            foreach (var att in block.Message.Body.Attestations)
            {
                // Attestations too old for fork choice are refused by validate_on_attestation; that is fine.
                try { store.OnAttestation(att, verifier); }
                catch (ForkChoiceException) { }
            }
        }
        if (!valid) return;
        var last = store.GetBlockState(tip)!.State;
        ulong nextEpochStart = (last.Slot / c.SlotsPerEpoch + 1) * c.SlotsPerEpoch;
        store.OnTick(store.GenesisTime + nextEpochStart * c.SecondsPerSlot);
        // filter_block_tree: the tip leads only if its checkpoints agree with the store's (or those
        // are at genesis); otherwise get_head stays at the justified root.
        bool tipViable = (store.JustifiedCheckpoint.Epoch == 0 || last.CurrentJustifiedCheckpoint.Equals(store.JustifiedCheckpoint))
            && (store.FinalizedCheckpoint.Epoch == 0 || last.FinalizedCheckpoint.Equals(store.FinalizedCheckpoint));
        Assert.Equal(tipViable ? tip : store.JustifiedCheckpoint.Root, store.GetHead());
        Assert.True(last.FinalizedCheckpoint.Epoch <= store.FinalizedCheckpoint.Epoch);
        Assert.True(store.JustifiedCheckpoint.Epoch >= last.CurrentJustifiedCheckpoint.Epoch || last.CurrentJustifiedCheckpoint.Epoch == 0);
    }

    [Fact]
    public void RefusesFutureBlocksAndUnknownParents()
    {
        string row = Both("sanity/blocks").Select(r => (string)r[0]).First(r => r.StartsWith("minimal/") && r.EndsWith("/skipped_slots"));
        string dir = SpecTestPaths.Resolve(row);
        var c = Config(row);
        var store = ForkChoiceStore.GetForkchoiceStore(c, Load<BeaconState>(c, dir, "pre.ssz"));
        var block = Load<SignedBeaconBlock>(c, dir, "blocks_0.ssz");
        // The clock is still at the anchor's slot: the block is from the future.
        var e = Assert.Throws<ForkChoiceException>(() => store.OnBlock(block, null));
        Assert.Contains("future", e.Message);
        store.OnTick(store.GenesisTime + block.Message.Slot * c.SecondsPerSlot);
        var orphan = c.Schema.Copy(block);
        orphan.Message.ParentRoot = Cirrus.Ssz.Bytes32.FromHex("0x" + new string('1', 64));
        var unknown = Assert.Throws<ForkChoiceException>(() => store.OnBlock(orphan, null));
        Assert.Contains("unknown parent", unknown.Message);
        Assert.True(unknown.UnknownParent);
        Assert.False(e.UnknownParent);
        var root = store.OnBlock(block, null);
        Assert.Equal(root, store.GetHead());
    }
}
