using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition.Block;
using Cirrus.Consensus.Transition.Epoch;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using static Cirrus.Consensus.Transition.StateTransitionException;

namespace Cirrus.Consensus.Transition;

/// <summary>spec: state_transition, process_slots, process_slot.</summary>
public static class StateTransition
{
    /// <summary>
    /// spec: state_transition. With a <paramref name="verifier"/>, every signature of the block is
    /// collected while processing and verified in one batch at the end (deposits one by one); with
    /// null, no signature is checked. <paramref name="validateResult"/> checks the proposer
    /// signature and the state root as the spec's validate_result does.
    /// </summary>
    public static void Apply(CachedBeaconState cs, SignedBeaconBlock signedBlock, ISignatureVerifier? verifier, bool validateResult = true)
    {
        var block = signedBlock.Message;
        ProcessSlots(cs, block.Slot);
        var sigs = verifier is null ? null : new SignatureCollector(verifier);
        if (validateResult && sigs != null) BlockProcessing.VerifyBlockSignature(cs, signedBlock, sigs);
        BlockProcessing.ProcessBlock(cs, block, sigs);
        sigs?.VerifyAndClear(cs.State.Validators);
        if (validateResult)
        {
            var root = cs.Config.Schema.HashTreeRoot(cs.State);
            Check(block.StateRoot == root, TransitionError.StateRootMismatch,
                $"block state root {block.StateRoot} does not match the post-state root {root}");
        }
    }

    /// <summary>spec: process_slots.</summary>
    public static void ProcessSlots(CachedBeaconState cs, ulong slot)
    {
        var s = cs.State;
        Check(s.Slot < slot, TransitionError.SlotNotInFuture, $"target slot {slot} is not after the state slot {s.Slot}");
        ulong spe = cs.Config.SlotsPerEpoch;
        while (s.Slot < slot)
        {
            ProcessSlot(cs);
            if ((s.Slot + 1) % spe == 0)
            {
                EpochProcessing.ProcessEpoch(cs);
                s.Slot++;
                cs.OnEpochProcessed(s.Slot / spe);
            }
            else s.Slot++;
        }
    }

    /// <summary>spec: process_slot.</summary>
    public static void ProcessSlot(CachedBeaconState cs)
    {
        var c = cs.Config;
        var s = cs.State;
        var previousStateRoot = c.Schema.HashTreeRoot(s);
        int at = (int)(s.Slot % c.SlotsPerHistoricalRoot);
        s.StateRoots[at] = previousStateRoot;
        if (s.LatestBlockHeader.StateRoot == default(Bytes32)) s.LatestBlockHeader.StateRoot = previousStateRoot;
        s.BlockRoots[at] = c.Schema.HashTreeRoot(s.LatestBlockHeader);
    }
}
