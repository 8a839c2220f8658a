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
        => Run(cs, signedBlock, verifier is null ? null : new SignatureCollector(verifier), verifyNow: true, validateResult);

    /// <summary>
    /// spec: state_transition with every signature of the block (the proposer's included) left in
    /// <paramref name="sigs"/> for the caller to verify later, in one batch with other blocks'
    /// (a sync segment). Deposit signatures are still checked at once. The state is only valid
    /// once those signatures are.
    /// </summary>
    /// <remarks>
    /// <paramref name="stateRoot"/>, when given, must be hash_tree_root of <paramref name="cs"/> as it
    /// is (e.g. the state root of the block just applied to it, which the transition checked): the
    /// first process_slot uses it instead of hashing the state again.
    /// </remarks>
    public static void ApplyCollecting(CachedBeaconState cs, SignedBeaconBlock signedBlock, SignatureCollector sigs, Bytes32? stateRoot = null)
        => Run(cs, signedBlock, sigs, verifyNow: false, validateResult: true, stateRoot);

    private static void Run(CachedBeaconState cs, SignedBeaconBlock signedBlock, SignatureCollector? sigs, bool verifyNow, bool validateResult,
        Bytes32? stateRoot = null)
    {
        var block = signedBlock.Message;
        ProcessSlots(cs, block.Slot, stateRoot);
        if (validateResult && sigs != null) BlockProcessing.VerifyBlockSignature(cs, signedBlock, sigs);
        BlockProcessing.ProcessBlock(cs, block, sigs);
        if (verifyNow) sigs?.VerifyAndClear(cs.State.Validators);
        if (validateResult)
        {
            var root = cs.HashTreeRoot();
            Check(block.StateRoot == root, TransitionError.StateRootMismatch,
                $"block state root {block.StateRoot} does not match the post-state root {root}");
        }
    }

    /// <summary>spec: process_slots (<paramref name="stateRoot"/>: see <see cref="ApplyCollecting"/>).</summary>
    public static void ProcessSlots(CachedBeaconState cs, ulong slot, Bytes32? stateRoot = null)
    {
        var s = cs.State;
        Check(s.Slot < slot, TransitionError.SlotNotInFuture, $"target slot {slot} is not after the state slot {s.Slot}");
        ulong spe = cs.Config.SlotsPerEpoch;
        while (s.Slot < slot)
        {
            ProcessSlot(cs, stateRoot);
            stateRoot = null;
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
    public static void ProcessSlot(CachedBeaconState cs, Bytes32? stateRoot = null)
    {
        var c = cs.Config;
        var s = cs.State;
        var previousStateRoot = stateRoot ?? cs.HashTreeRoot();
        int at = (int)(s.Slot % c.SlotsPerHistoricalRoot);
        s.StateRoots[at] = previousStateRoot;
        if (s.LatestBlockHeader.StateRoot == default(Bytes32)) s.LatestBlockHeader.StateRoot = previousStateRoot;
        s.BlockRoots[at] = c.Schema.HashTreeRoot(s.LatestBlockHeader);
    }
}
