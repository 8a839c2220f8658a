using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using Cirrus.Storage;

namespace Cirrus.Node;

/// <summary>
/// States for queries, block production, duties and attestation data. The head state advanced to
/// the current slot is computed once, outside the chain lock, and kept (as Lighthouse's state-advance
/// timer does): after the node was down for many epochs the first caller pays the epoch
/// transitions on the way, later callers copy the result. Other block states are advanced at most
/// <see cref="MaxSlotsToAdvance"/> slots (historical queries).
/// </summary>
internal sealed class StateProvider(ChainCore core, ulong maxSlotsToAdvance)
{
    private readonly Lock _advanceLock = new(); // one head advance at a time: callers wait for it, then reuse it
    private (Bytes32 BlockRoot, CachedBeaconState State)? _advanced; // under _advanceLock; never changed, only copied
    private int _backgroundRunning;

    public ulong MaxSlotsToAdvance => maxSlotsToAdvance;

    /// <summary>Post-state of a block (a copy), if it is held in memory or can be rebuilt from the store.</summary>
    public BeaconState? GetBlockState(Bytes32 blockRoot, StateReplayer replay)
    {
        lock (core.Lock)
        {
            var cs = core.Store.GetBlockState(blockRoot);
            if (cs is not null) return CachedBeaconState.CopyState(core.Config, cs.State);
        }
        if (core.Db?.GetBlockSummary(blockRoot) is not { } summary) return null;
        try { return core.Db.RegenerateState(summary.StateRoot, replay); }
        catch (StoreException) { return null; }
    }

    /// <summary>The canonical state at a slot not after the clock (see BeaconChain.GetStateAtSlot).</summary>
    public BeaconState? GetStateAtSlot(ulong slot, StateReplayer replay)
    {
        ulong current = core.CurrentSlot();
        if (slot > current) return null;
        ulong finalizedSlot;
        lock (core.Lock) finalizedSlot = core.SlotOf(core.Store.FinalizedCheckpoint.Root);
        var db = core.Db;
        if (slot >= finalizedSlot || db is null) return GetCanonicalState(slot, current)?.State.State;
        if (db.GetCanonicalBlockRootAtOrBefore(slot) is not { } at || slot - at.Slot > maxSlotsToAdvance) return null;
        var state = GetBlockState(at.Root, replay);
        if (state is null || state.Slot > slot) return null;
        var cs = new CachedBeaconState(core.Config, state);
        if (cs.State.Slot < slot) StateTransition.ProcessSlots(cs, slot);
        return cs.State;
    }

    /// <summary>
    /// The canonical block at or before <paramref name="slot"/> and a private copy of its state
    /// advanced to the slot. Null for slots more than <see cref="MaxSlotsToAdvance"/> after the clock,
    /// and for a non-head block's state that far behind the slot.
    /// </summary>
    public (Bytes32 BlockRoot, CachedBeaconState State)? GetCanonicalState(ulong slot, ulong currentSlot)
    {
        if (slot > currentSlot + maxSlotsToAdvance) return null;
        Bytes32 blockRoot;
        CachedBeaconState? copy = null;
        lock (core.Lock)
        {
            var root = core.Store.GetAncestor(core.Head, slot);
            if (root is null) return null;
            // a block in the middle of a synced segment has its state rebuilt
            var cs = core.Store.GetOrRebuildBlockState(root.Value);
            if (cs is null || cs.State.Slot > slot) return null;
            blockRoot = root.Value;
            bool advanceHead = blockRoot == core.Head && cs.State.Slot < slot;
            if (!advanceHead)
            {
                if (slot - cs.State.Slot > maxSlotsToAdvance) return null;
                copy = cs.Copy();
            }
        }
        if (copy is null) return AdvancedHead(blockRoot, slot, currentSlot) is { } advanced ? (blockRoot, advanced) : null;
        // Advancing is the costly part; the copy is private, so imports need not wait for it.
        if (copy.State.Slot < slot) StateTransition.ProcessSlots(copy, slot);
        return (blockRoot, copy);
    }

    /// <summary>A copy of the head block's state advanced to <paramref name="slot"/>, from the kept advance when it fits.</summary>
    private CachedBeaconState? AdvancedHead(Bytes32 headRoot, ulong slot, ulong currentSlot)
    {
        lock (_advanceLock)
        {
            CachedBeaconState state;
            if (_advanced is { } a && a.BlockRoot == headRoot && a.State.State.Slot <= slot)
            {
                state = a.State.Copy();
            }
            else
            {
                lock (core.Lock)
                {
                    if (core.Store.GetBlockState(headRoot) is not { } cs) return null;
                    state = cs.Copy();
                }
            }
            if (state.State.Slot < slot) StateTransition.ProcessSlots(state, slot);
            // Keep advances up to the next slot (production asks for it); later ones would not serve the current slot.
            if (slot <= currentSlot + 1 && (_advanced is not { } k || k.BlockRoot != headRoot || k.State.State.Slot < slot))
                _advanced = (headRoot, state.Copy());
            return state;
        }
    }

    /// <summary>Advances the head state to <paramref name="slot"/> on the thread pool, unless an advance is already running.</summary>
    public void AdvanceHeadInBackground(ulong slot)
    {
        if (Interlocked.Exchange(ref _backgroundRunning, 1) == 1) return;
        ThreadPool.UnsafeQueueUserWorkItem(_ =>
        {
            try { GetCanonicalState(slot, slot); }
            catch (Exception e) { core.Log($"advancing the head state to slot {slot} failed: {e.Message}"); }
            finally { Volatile.Write(ref _backgroundRunning, 0); }
        }, null);
    }
}
