using Cirrus.Consensus.Eth1;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Transition.Block;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Node.Production;

/// <summary>
/// Builds unsigned blocks for validator/blocks/{slot} (spec: validator.md "Block proposal") on the
/// chain's head, packing the pools' operations. Errors are <see cref="NodeRequestException"/>.
/// </summary>
public static class BlockProducer
{
    /// <summary>
    /// An unsigned block for <paramref name="slot"/> on the current head, with its state_root
    /// filled in. The RANDAO reveal is checked against the slot's proposer (when the chain checks
    /// signatures). The slot must be after the head block (however far: the head state is advanced
    /// through the empty slots, so a chain that stalled can always resume) and at most one slot past the clock.
    /// </summary>
    public static BeaconBlock Produce(BeaconChain chain, ulong slot, Bytes96 randaoReveal, Bytes32 graffiti)
    {
        var c = chain.Config;
        chain.FlushDeferredAttestations();
        ulong current = chain.CurrentSlot;
        if (slot > current + 1)
            throw new NodeRequestException($"slot {slot} is in the future (the node's current slot is {current})");
        var headRoot = chain.Head;
        var headBlock = chain.GetBlock(headRoot) ?? throw new NodeRequestException("the head block is not held");
        ulong headSlot = headBlock.Message.Slot;
        if (slot <= headSlot)
            throw new NodeRequestException($"slot {slot} is not after the head block's slot {headSlot}");
        var at = chain.GetCanonicalState(slot) ?? throw new NodeRequestException($"no state to build slot {slot} on");
        if (at.BlockRoot != headRoot) throw new NodeRequestException("the head changed while building; try again");
        var state = at.State;

        ulong proposer;
        try
        {
            proposer = state.GetBeaconProposerIndex();
        }
        catch (StateTransitionException e)
        {
            throw new NodeRequestException(e.Message);
        }
        if (chain.SignatureVerifier is { } verifier)
        {
            var root = Misc.ComputeSigningRoot(c, Misc.EpochRoot(state.CurrentEpoch),
                BeaconStateAccessors.GetDomain(c, state.State, c.DomainRandao));
            if (!verifier.Verify(state.State.Validators[(int)proposer].Pubkey, root, randaoReveal))
                throw new NodeRequestException($"the RANDAO reveal is not validator {proposer}'s signature of epoch {state.CurrentEpoch}");
        }

        var s = state.State;
        Eth1Data eth1Vote;
        List<Deposit> deposits;
        if (chain.Eth1 is { } eth1)
        {
            // spec: get_eth1_vote; the deposits are those due under the eth1_data this block's vote leaves in the state.
            eth1Vote = eth1.GetEth1Vote(s);
            deposits = eth1.GetDeposits(s, Eth1Voting.Eth1DataAfterVote(c, s, eth1Vote));
        }
        else
        {
            // No eth1 follower: vote for the eth1 data the state already has, which never changes it.
            eth1Vote = c.Schema.Copy(s.Eth1Data);
            deposits = [];
            // Deposits need proofs from the deposit contract's tree, which only an eth1 follower has.
            if (s.Eth1DepositIndex < s.Eth1Data.DepositCount)
                throw new NodeRequestException(
                    $"the state expects deposits {s.Eth1DepositIndex}..{s.Eth1Data.DepositCount - 1}, and this node follows no eth1 chain (--eth1-endpoint) to include them");
        }

        chain.Attestations.Prune(current);
        chain.Operations.Prune(state); // included or moot by now
        var (proposerSlashings, attesterSlashings, exits) = chain.Operations.SelectForBlock(state);
        var attestations = CheckedAttestations(state, chain.Attestations.SelectForBlock(state));

        var block = new BeaconBlock
        {
            Slot = slot,
            ProposerIndex = proposer,
            ParentRoot = headRoot,
            Body = new BeaconBlockBody
            {
                RandaoReveal = randaoReveal,
                Eth1Data = eth1Vote,
                Graffiti = graffiti,
                ProposerSlashings = proposerSlashings,
                AttesterSlashings = attesterSlashings,
                Attestations = attestations,
                VoluntaryExits = exits,
                Deposits = deposits,
            },
        };
        try
        {
            // The pools' copies are the node's; the post-state root comes from this state.
            BlockProcessing.ProcessBlock(state, block, null);
            block.StateRoot = state.HashTreeRoot();
        }
        catch (StateTransitionException e)
        {
            throw new NodeRequestException($"the built block does not apply to the head state: {e.Message}");
        }
        return block;
    }

    /// <summary>Keeps the attestations process_attestation accepts, applied in order to a scratch copy.</summary>
    private static List<Attestation> CheckedAttestations(CachedBeaconState state, List<Attestation> selected)
    {
        var scratch = state.Copy();
        var kept = new List<Attestation>(selected.Count);
        foreach (var a in selected)
        {
            try
            {
                BlockProcessing.ProcessAttestation(scratch, a, null);
                kept.Add(a);
            }
            catch (StateTransitionException)
            {
            }
        }
        return kept;
    }
}
