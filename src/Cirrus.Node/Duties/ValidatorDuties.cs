using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Node.Duties;

/// <summary>One validator's attestation duty in an epoch (the API's AttesterDuty).</summary>
public sealed record AttesterAssignment(ulong ValidatorIndex, Bytes48 Pubkey, ulong Slot, ulong CommitteeIndex, ulong CommitteeLength,
    ulong CommitteesAtSlot, ulong ValidatorCommitteeIndex);

/// <summary>The proposer of one slot (the API's ProposerDuty).</summary>
public sealed record ProposerAssignment(ulong ValidatorIndex, Bytes48 Pubkey, ulong Slot);

/// <summary>
/// Attester and proposer duties (spec: validator.md get_committee_assignment and
/// get_beacon_proposer_index over an epoch), from the chain's canonical state.
/// </summary>
public static class ValidatorDuties
{
    /// <summary>
    /// Attester duties in <paramref name="epoch"/> (at most the clock's next epoch) of the given
    /// validators; inactive validators have none. Unknown indices are an error.
    /// </summary>
    public static (Bytes32 DependentRoot, List<AttesterAssignment> Duties) GetAttesterDuties(BeaconChain chain, ulong epoch, IReadOnlyList<ulong> indices)
    {
        var c = chain.Config;
        ulong currentEpoch = chain.CurrentSlot / c.SlotsPerEpoch;
        if (epoch > currentEpoch + 1)
            throw new NodeRequestException($"attester duties for epoch {epoch} are not known yet (current epoch {currentEpoch})");
        // Any state from epoch-1 on has the epoch's shuffling; take the latest one up to the epoch's end.
        var cs = StateFor(chain, Math.Min(chain.CurrentSlot, (epoch + 1) * c.SlotsPerEpoch - 1));
        var duties = AttesterDuties(cs, epoch, indices);
        return (DependentRoot(chain, cs, epoch == 0 ? 0 : (epoch - 1) * c.SlotsPerEpoch), duties);
    }

    /// <summary>Attester duties from a state whose shuffling covers <paramref name="epoch"/>.</summary>
    public static List<AttesterAssignment> AttesterDuties(CachedBeaconState cs, ulong epoch, IReadOnlyList<ulong> indices)
    {
        var s = cs.State;
        foreach (ulong i in indices)
            if (i >= (ulong)s.Validators.Count) throw new NodeRequestException($"validator {i} does not exist");
        EpochShuffling shuffling;
        try
        {
            shuffling = cs.GetShuffling(epoch);
        }
        catch (StateTransitionException e)
        {
            throw new NodeRequestException(e.Message);
        }
        var wanted = new HashSet<ulong>(indices);
        var result = new List<AttesterAssignment>();
        ulong start = epoch * cs.Config.SlotsPerEpoch;
        for (ulong slot = start; slot < start + cs.Config.SlotsPerEpoch; slot++)
        {
            for (ulong ci = 0; ci < shuffling.CommitteesPerSlot; ci++)
            {
                var committee = shuffling.Committee(slot, ci);
                for (int k = 0; k < committee.Length; k++)
                {
                    ulong v = (ulong)committee[k];
                    if (!wanted.Contains(v)) continue;
                    result.Add(new AttesterAssignment(v, s.Validators[(int)v].Pubkey, slot, ci, (ulong)committee.Length,
                        shuffling.CommitteesPerSlot, (ulong)k));
                }
            }
        }
        return result;
    }

    /// <summary>The proposer of every slot of <paramref name="epoch"/>, which must not be after the clock's epoch.</summary>
    public static (Bytes32 DependentRoot, List<ProposerAssignment> Duties) GetProposerDuties(BeaconChain chain, ulong epoch)
    {
        var c = chain.Config;
        ulong currentEpoch = chain.CurrentSlot / c.SlotsPerEpoch;
        if (epoch > currentEpoch)
            throw new NodeRequestException($"proposer duties for epoch {epoch} are not known yet (current epoch {currentEpoch})");
        var cs = StateFor(chain, Math.Min(chain.CurrentSlot, (epoch + 1) * c.SlotsPerEpoch - 1));
        return (DependentRoot(chain, cs, epoch * c.SlotsPerEpoch), ProposerDuties(cs, epoch));
    }

    /// <summary>Proposers of <paramref name="epoch"/> from a state in that epoch.</summary>
    public static List<ProposerAssignment> ProposerDuties(CachedBeaconState cs, ulong epoch)
    {
        if (cs.CurrentEpoch != epoch) throw new NodeRequestException($"the state is in epoch {cs.CurrentEpoch}, not {epoch}");
        var c = cs.Config;
        var s = cs.State;
        var active = cs.GetShuffling(epoch).ActiveIndices;
        var result = new List<ProposerAssignment>();
        ulong start = epoch * c.SlotsPerEpoch;
        try
        {
            for (ulong slot = start; slot < start + c.SlotsPerEpoch; slot++)
            {
                ulong p = BeaconStateAccessors.ComputeBeaconProposerIndex(c, s, active, slot);
                result.Add(new ProposerAssignment(p, s.Validators[(int)p].Pubkey, slot));
            }
        }
        catch (StateTransitionException e)
        {
            throw new NodeRequestException(e.Message);
        }
        return result;
    }

    private static CachedBeaconState StateFor(BeaconChain chain, ulong slot) =>
        (chain.GetCanonicalState(slot) ?? throw new NodeRequestException($"no state for slot {slot}: too far past the head block")).State;

    /// <summary>The block root at slot <paramref name="dependentSlotEnd"/>-1 (the last block the duties depend on), or genesis.</summary>
    private static Bytes32 DependentRoot(BeaconChain chain, CachedBeaconState cs, ulong dependentSlotEnd)
    {
        if (dependentSlotEnd == 0) return chain.GenesisBlockRoot ?? chain.AnchorRoot;
        ulong slot = dependentSlotEnd - 1;
        if (slot < cs.State.Slot && cs.State.Slot <= slot + chain.Config.SlotsPerHistoricalRoot)
            return BeaconStateAccessors.GetBlockRootAtSlot(chain.Config, cs.State, slot);
        return chain.CanonicalRootAt(slot) ?? chain.AnchorRoot;
    }
}
