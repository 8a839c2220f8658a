using Cirrus.Consensus.ForkChoice;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Transition.Block;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using Cirrus.Storage;

namespace Cirrus.Node;

/// <summary>What became of a segment: how many blocks from its start are in the chain, and why the next one is not.</summary>
public readonly record struct SegmentImport(int Imported, BlockImportException? Error);

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
    /// <summary>A sync segment's signatures are verified in chunks of about this many sets, beside the transitions.</summary>
    public const int SignatureChunk = 128;
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

    /// <summary>
    /// Imports consecutive blocks (a range-sync segment, each the parent of the next) with one
    /// signature batch and one store write for all of them. The transitions run outside the lock
    /// on one working state, copied only where fork choice keeps a state: at the blocks that can
    /// be epoch targets and at the last block (the others are rebuilt on demand). Nothing is
    /// written or given to fork choice before every block and signature is checked; on the
    /// first failure the segment is imported block by block, which keeps the valid prefix and
    /// names the bad block.
    /// </summary>
    public SegmentImport ImportSegment(IReadOnlyList<SignedBeaconBlock> blocks, List<ChainEvent> events)
    {
        if (blocks.Count < 2 || core.Verifier is not { } verifier) return ImportEach(blocks, 0, events);
        var c = core.Config;
        var roots = new Bytes32[blocks.Count];
        int first = 0;
        CachedBeaconState working;
        ulong currentSlot;
        lock (core.Lock)
        {
            core.TickToNow();
            CachedBeaconState? parent = null;
            for (; first < blocks.Count && parent is null; first++)
            {
                try { parent = core.Store.ValidateOnBlock(blocks[first], out roots[first]); }
                catch (ForkChoiceException e) { return new SegmentImport(first, new BlockImportException(e.Message, e.UnknownParent)); }
            }
            if (parent is null) return new SegmentImport(blocks.Count, null); // all known
            first--;
            working = parent.Copy();
            currentSlot = core.Store.GetCurrentSlot();
        }
        int n = blocks.Count;
        var sigs = new SignatureCollector(verifier);
        var kept = new CachedBeaconState?[n];
        var snapshots = new BeaconState?[n];
        var checkpoints = new (Checkpoint Justified, Checkpoint Finalized)[n];
        ulong parentSlot = working.State.Slot;
        // Signatures are verified in chunks on the thread pool while the transitions go on.
        var checks = new List<Task<bool>>();
        int handedOff = 0;
        Validator[] registry = [];
        void HandOff()
        {
            if (handedOff == sigs.Sets.Count) return;
            var chunk = sigs.Sets.Skip(handedOff).ToArray();
            handedOff = sigs.Sets.Count;
            // The checks read pubkeys from a snapshot, since the transition goes on changing the list;
            // pubkeys never change, so one snapshot serves until deposits add validators.
            if (registry.Length != working.State.Validators.Count) registry = working.State.Validators.ToArray();
            var keys = registry;
            checks.Add(Task.Run(() => verifier.VerifyBatch(chunk, keys) < 0));
        }
        bool SignaturesValid()
        {
            HandOff();
            Task.WaitAll(checks);
            return checks.All(t => t.Result);
        }
        // one by one, which keeps the valid prefix and names the bad block (the checks finish first)
        SegmentImport Fallback()
        {
            SignaturesValid();
            return ImportEach(blocks, first, events);
        }
        try
        {
            for (int i = first; i < n; i++)
            {
                var block = blocks[i].Message;
                if (i > first)
                {
                    roots[i] = c.Schema.HashTreeRoot(block);
                    if (block.ParentRoot != roots[i - 1]) return Fallback();
                }
                if (block.Slot > currentSlot) return Fallback();
                // after the first block, the state is the previous block's post-state, whose root that block names and the transition checked
                StateTransition.ApplyCollecting(working, blocks[i], sigs, i > first ? blocks[i - 1].Message.StateRoot : null);
                var st = working.State;
                checkpoints[i] = (st.CurrentJustifiedCheckpoint.Copy(), st.FinalizedCheckpoint.Copy());
                ulong epoch = Misc.ComputeEpochAtSlot(c, block.Slot);
                if (epoch > Misc.ComputeEpochAtSlot(c, parentSlot) && epoch % SnapshotEveryEpochs == 0)
                    snapshots[i] = CachedBeaconState.CopyState(c, st);
                if (i == n - 1) kept[i] = working;
                else if (Misc.ComputeStartSlotAtEpoch(c, Misc.ComputeEpochAtSlot(c, blocks[i + 1].Message.Slot - 1)) >= block.Slot)
                    kept[i] = working.Copy(withHashCache: false); // the target of the epochs that start before the next block
                parentSlot = block.Slot;
                if (sigs.Sets.Count - handedOff >= SignatureChunk) HandOff();
            }
        }
        catch (StateTransitionException)
        {
            return Fallback();
        }
        if (!SignaturesValid()) return ImportEach(blocks, first, events);
        var checkpointStates = SegmentCheckpointStates(blocks, first, roots, kept);
        lock (core.Lock)
        {
            bool stillValid;
            try { stillValid = core.Store.ValidateOnBlock(blocks[first], out _) is not null; }
            catch (ForkChoiceException) { stillValid = false; }
            if (stillValid)
            {
                var store = core.Store;
                ulong finalizedBefore = store.FinalizedCheckpoint.Epoch;
                if (core.Db is { } db)
                {
                    var imports = new List<BlockImport>(n - first);
                    for (int i = first; i < n; i++) imports.Add(new BlockImport(roots[i], blocks[i], snapshots[i]));
                    db.ImportBlocks(imports); // on disk, all at once, before fork choice sees any of them
                }
                for (int i = first; i < n; i++)
                {
                    if (kept[i] is { } state) store.AddBlock(blocks[i], state, roots[i]);
                    else store.AddBlockWithoutState(blocks[i], checkpoints[i].Justified, checkpoints[i].Finalized, roots[i]);
                    core.Blocks[roots[i]] = blocks[i];
                }
                core.AddCheckpointStates(checkpointStates);
                for (int i = first; i < n; i++)
                {
                    ApplyBlockAttestations(core, blocks[i]);
                    events.Add(new BlockEvent(blocks[i].Message.Slot, roots[i]));
                }
                AfterImport(finalizedBefore, events);
                return new SegmentImport(n, null);
            }
        }
        return ImportEach(blocks, first, events); // the store moved meanwhile (another import, finality)
    }

    /// <summary>Blocks one at a time from <paramref name="from"/>, stopping at the first that fails.</summary>
    private SegmentImport ImportEach(IReadOnlyList<SignedBeaconBlock> blocks, int from, List<ChainEvent> events)
    {
        for (int i = from; i < blocks.Count; i++)
        {
            try { Import(blocks[i], events); }
            catch (BlockImportException e) { return new SegmentImport(i, e); }
        }
        return new SegmentImport(blocks.Count, null);
    }

    /// <summary>Checkpoint states for the segment's attestation targets (outside the lock), from the segment's kept states or the store's.</summary>
    private List<(Checkpoint, CachedBeaconState)> SegmentCheckpointStates(IReadOnlyList<SignedBeaconBlock> blocks, int first,
        Bytes32[] roots, CachedBeaconState?[] kept)
    {
        var local = new Dictionary<Bytes32, CachedBeaconState>();
        for (int i = first; i < blocks.Count; i++)
            if (kept[i] is { } k) local[roots[i]] = k;
        var targets = blocks.Skip(first).SelectMany(b => b.Message.Body.Attestations.Select(a => a.Data.Target));
        return core.ComputeCheckpointStates(targets, local);
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
        AfterImport(finalizedBefore, events);
    }

    /// <summary>When finality moved: the event, and blocks and states finality made unreachable pruned (under the lock).</summary>
    private void AfterImport(ulong finalizedBefore, List<ChainEvent> events)
    {
        var store = core.Store;
        var c = core.Config;
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
