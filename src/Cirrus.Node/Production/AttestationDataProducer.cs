using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Types;

namespace Cirrus.Node.Production;

/// <summary>validator/attestation_data (spec: validator.md "Attestation data").</summary>
public static class AttestationDataProducer
{
    /// <summary>
    /// The data to attest to at <paramref name="slot"/> for committee <paramref name="committeeIndex"/>:
    /// the head block at that slot, the state's justified checkpoint as source, and the epoch
    /// boundary block as target. The slot must be within the last epoch and not after the clock.
    /// </summary>
    public static AttestationData Produce(BeaconChain chain, ulong slot, ulong committeeIndex)
    {
        var c = chain.Config;
        chain.FlushDeferredAttestations();
        ulong current = chain.CurrentSlot;
        if (slot > current) throw new NodeRequestException($"slot {slot} is in the future (the node's current slot is {current})");
        if (slot + c.SlotsPerEpoch < current) throw new NodeRequestException($"slot {slot} is more than an epoch in the past");
        var (root, cs) = chain.GetCanonicalState(slot) ?? throw new NodeRequestException($"no state for slot {slot}: too far past the head block");
        ulong epoch = Misc.ComputeEpochAtSlot(c, slot);
        ulong committees = cs.GetShuffling(epoch).CommitteesPerSlot;
        if (committeeIndex >= committees)
            throw new NodeRequestException($"committee index {committeeIndex} is not below the {committees} committees of slot {slot}");
        ulong start = Misc.ComputeStartSlotAtEpoch(c, epoch);
        var s = cs.State;
        var targetRoot = start == s.Slot ? root : BeaconStateAccessors.GetBlockRootAtSlot(c, s, start);
        return new AttestationData
        {
            Slot = slot,
            Index = committeeIndex,
            BeaconBlockRoot = root,
            Source = s.CurrentJustifiedCheckpoint.Copy(),
            Target = new Checkpoint { Epoch = epoch, Root = targetRoot },
        };
    }
}
