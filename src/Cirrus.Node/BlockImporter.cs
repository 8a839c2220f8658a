using Cirrus.Consensus.ForkChoice;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Transition.Block;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using Cirrus.Storage;

namespace Cirrus.Node;

/// <summary>
/// Imports one block in three steps so that no block, however far it is from its parent, holds the
/// chain lock for long: (1) under the lock, fork choice's checks and a copy of the parent state;
/// (2) outside it, the proposer signature against the parent's registry (cheap, so unsigned junk
/// never gets to advance slots), then the state transition with batched signatures and the
/// checkpoint states fork choice will want for the block's votes; (3) under the lock again, the
/// checks once more (the store may have moved), the store write, then fork choice.
/// </summary>
internal sealed class BlockImporter(ChainCore core)
{
    /// <summary>Post-states are stored in full at the first block of every this-many epochs.</summary>
    public const ulong SnapshotEveryEpochs = 2;
    /// <summary>Below finality one snapshot per this-many epochs is kept.</summary>
    public const ulong ArchiveSnapshotEpochs = 64;

    /// <summary>Imports <paramref name="block"/> (a no-op when known); events are added for the caller to raise.</summary>
    public Bytes32 Import(SignedBeaconBlock block, List<ChainEvent> events)
    {
        Bytes32 root;
        CachedBeaconState state;
        lock (core.Lock)
        {
            core.TickToNow();
            var parent = Validate(block, out root);
            if (parent is null) return root;
            state = parent.Copy();
        }
        List<(Checkpoint, CachedBeaconState)> checkpointStates;
        try
        {
            if (core.Verifier is { } verifier)
            {
                // Pubkeys never change and phase0 has one fork: the parent's registry and fork decide this signature.
                var sigs = new SignatureCollector(verifier);
                BlockProcessing.VerifyBlockSignature(state, block, sigs);
                sigs.VerifyAndClear(state.State.Validators);
            }
            StateTransition.Apply(state, block, core.Verifier, validateResult: true);
            checkpointStates = core.ComputeCheckpointStates(block.Message.Body.Attestations.Select(a => a.Data.Target));
        }
        catch (StateTransitionException e)
        {
            throw new BlockImportException($"invalid block at slot {block.Message.Slot}: {e.Message}");
        }
        lock (core.Lock) Commit(root, block, state, checkpointStates, events);
        return root;
    }

    private CachedBeaconState? Validate(SignedBeaconBlock block, out Bytes32 root)
    {
        try
        {
            return core.Store.ValidateOnBlock(block, out root);
        }
        catch (ForkChoiceException e)
        {
            throw new BlockImportException(e.Message, e.UnknownParent);
        }
    }

    private void Commit(Bytes32 root, SignedBeaconBlock block, CachedBeaconState post,
        List<(Checkpoint, CachedBeaconState)> checkpointStates, List<ChainEvent> events)
    {
        if (Validate(block, out _) is null) return; // imported by another caller meanwhile
        var store = core.Store;
        var c = core.Config;
        ulong finalizedBefore = store.FinalizedCheckpoint.Epoch;
        if (core.Db is { } db)
        {
            // On disk before fork choice sees it; the head follows in its own write (UpdateHead).
            ulong epoch = Misc.ComputeEpochAtSlot(c, block.Message.Slot);
            ulong parentEpoch = Misc.ComputeEpochAtSlot(c, core.SlotOf(block.Message.ParentRoot));
            bool snapshot = epoch > parentEpoch && epoch % SnapshotEveryEpochs == 0;
            db.ImportBlock(new BlockImport(root, block, snapshot ? post.State : null));
        }
        store.AddBlock(block, post);
        core.Blocks[root] = block;
        core.AddCheckpointStates(checkpointStates);
        ApplyBlockAttestations(core, block);
        events.Add(new BlockEvent(block.Message.Slot, root));
        if (store.FinalizedCheckpoint.Epoch > finalizedBefore)
        {
            var fin = store.FinalizedCheckpoint.Copy();
            var finState = store.GetBlockState(fin.Root);
            events.Add(new FinalizedCheckpointEvent(fin.Root, finState is null ? default : c.Schema.HashTreeRoot(finState.State), fin.Epoch));
            foreach (var r in core.Blocks.Keys.Where(r => !store.ContainsBlock(r)).ToList()) core.Blocks.Remove(r);
            if (core.Db is { } d)
            {
                var pruned = d.Prune(ArchiveSnapshotEpochs * c.SlotsPerEpoch);
                if (pruned.Blocks > 0) core.Log($"pruned {pruned.Blocks} blocks that finality made unreachable");
            }
        }
    }

    /// <summary>Attestations a block carries also count for fork choice when they still can (under the lock).</summary>
    public static void ApplyBlockAttestations(ChainCore core, SignedBeaconBlock block)
    {
        foreach (var att in block.Message.Body.Attestations)
        {
            try { core.Store.OnAttestation(att, null); }
            catch (ForkChoiceException) { }
            catch (StateTransitionException) { }
        }
    }
}
