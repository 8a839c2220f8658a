using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Node.Validation;

// Topic beacon_block.
public sealed partial class MessageValidator
{
    private const int MaxCachedProposerEpochs = 16;
    private readonly Lock _proposersLock = new();
    private readonly List<(Bytes32 ParentRoot, ulong Epoch, ulong[] Proposers)> _proposers = [];

    /// <summary>
    /// Gossip topic beacon_block. On Accept the caller imports it (<see cref="BeaconChain.SubmitBlock"/>);
    /// on Ignore with <see cref="GossipError.FutureSlot"/> it may queue it, with
    /// <see cref="GossipError.UnknownParent"/> fetch the parent.
    /// <para>
    /// No state is advanced for an unverified block: the proposer signature is checked first, with
    /// the claimed proposer's key from the parent state's registry (indices never change their key;
    /// the block's slot adds no validators). The expected proposer is then computed on the parent
    /// state advanced to the block's epoch only when that is at most <see cref="BeaconChain.MaxSlotsToAdvance"/>
    /// slots away; a block further ahead of its parent is ignored and left to sync (which imports
    /// it through the state transition, checking the proposer there).
    /// </para>
    /// </summary>
    public ValidationOutcome ValidateBlock(SignedBeaconBlock signed)
    {
        var block = signed.Message;
        var (_, latest) = CurrentSlots();
        if (block.Slot > latest)
            return ValidationOutcome.Ignore(GossipError.FutureSlot,
                $"the block is not from a future slot: slot {block.Slot} is after the current slot {latest}");
        var finalized = _chain.FinalizedCheckpoint;
        ulong finalizedSlot = StartSlot(finalized.Epoch);
        if (block.Slot <= finalizedSlot)
            return ValidationOutcome.Ignore(GossipError.FinalizedSlot,
                $"the block is from a slot greater than the latest finalized slot: slot {block.Slot} is not after {finalizedSlot}");
        if (_seenBlockProposers.Contains(block.Slot, block.ProposerIndex))
            return AlreadySeenBlock(block);
        var root = _config.Schema.HashTreeRoot(block);
        if (_chain.GetBlock(root) is not null)
            return ValidationOutcome.Ignore(GossipError.AlreadySeen, $"block {root} is already known");

        if (IsKnownInvalid(block.ParentRoot))
        {
            MarkInvalidBlock(root);
            return ValidationOutcome.Reject(GossipError.ParentInvalid,
                $"the block's parent (defined by block.parent_root) passes validation: parent {block.ParentRoot} is invalid");
        }
        var parent = _chain.GetBlock(block.ParentRoot);
        if (parent is null)
            return ValidationOutcome.Ignore(GossipError.UnknownParent,
                $"the block's parent (defined by block.parent_root) has been seen: parent {block.ParentRoot} is unknown");
        if (block.Slot <= parent.Message.Slot)
        {
            MarkInvalidBlock(root);
            return ValidationOutcome.Reject(GossipError.NotLaterThanParent,
                $"the block is from a higher slot than its parent: slot {block.Slot}, parent slot {parent.Message.Slot}");
        }
        if (!DescendsFromFinalized(block.ParentRoot, finalized))
            return ValidationOutcome.Reject(GossipError.NotFinalizedDescendant,
                $"the current finalized_checkpoint is an ancestor of block: finalized block {finalized.Root} is not an ancestor of parent {block.ParentRoot}");

        var parentState = _chain.GetBlockState(block.ParentRoot);
        if (parentState is null)
            return ValidationOutcome.Ignore(GossipError.StateUnavailable, $"the state of parent {block.ParentRoot} is not held");
        if (block.ProposerIndex >= (ulong)parentState.Validators.Count)
            return ValidationOutcome.Reject(GossipError.InvalidSignature,
                $"the proposer signature is valid with respect to the proposer_index pubkey: validator {block.ProposerIndex} does not exist");
        if (_chain.SignatureVerifier is { } verifier)
        {
            var domain = BeaconStateAccessors.GetDomain(_config, parentState, _config.DomainBeaconProposer, EpochOf(block.Slot));
            var set = new SignatureSet(SignatureKind.BlockProposal, 0, block.ProposerIndex, Misc.ComputeSigningRoot(_config, block, domain), signed.Signature);
            if (verifier.VerifyBatch([set], parentState.Validators) >= 0)
                return ValidationOutcome.Reject(GossipError.InvalidSignature,
                    $"the proposer signature, signed_beacon_block.signature, is valid with respect to the proposer_index pubkey: invalid for validator {block.ProposerIndex}");
        }

        ulong epochStart = StartSlot(EpochOf(block.Slot));
        if (parentState.Slot < epochStart && epochStart - parentState.Slot > _chain.MaxSlotsToAdvance)
            return ValidationOutcome.Ignore(GossipError.TooFarAheadOfParent,
                $"block at slot {block.Slot} is too far ahead of its parent (slot {parent.Message.Slot}) to check its proposer here: left to sync");
        ulong expected;
        try
        {
            expected = ExpectedProposer(block.ParentRoot, parentState, block.Slot);
        }
        catch (StateTransitionException e)
        {
            return ValidationOutcome.Ignore(GossipError.StateUnavailable, $"the proposer of slot {block.Slot} cannot be computed: {e.Message}");
        }
        if (expected != block.ProposerIndex)
        {
            MarkInvalidBlock(root);
            return ValidationOutcome.Reject(GossipError.IncorrectProposer,
                $"the block is proposed by the expected proposer_index for the block's slot: expected {expected}, got {block.ProposerIndex}");
        }
        if (!_seenBlockProposers.TryAdd(block.Slot, block.ProposerIndex)) return AlreadySeenBlock(block);
        Prune(latest);
        return ValidationOutcome.Accept();
    }

    private static ValidationOutcome AlreadySeenBlock(BeaconBlock block) => ValidationOutcome.Ignore(GossipError.AlreadySeen,
        $"the block is the first block with valid signature received for the proposer for the slot: proposer {block.ProposerIndex} already has a block at slot {block.Slot}");

    /// <summary>
    /// get_beacon_proposer_index at <paramref name="slot"/> on the chain of <paramref name="parentRoot"/>:
    /// the parent state (a private copy, advanced here) at the start of the slot's epoch, where the
    /// seed and the effective balances are those of the whole epoch. Cached per (parent, epoch).
    /// </summary>
    private ulong ExpectedProposer(Bytes32 parentRoot, BeaconState parentState, ulong slot)
    {
        ulong epoch = EpochOf(slot);
        int at = (int)(slot % _config.SlotsPerEpoch);
        lock (_proposersLock)
        {
            foreach (var (r, e, p) in _proposers)
                if (r == parentRoot && e == epoch) return p[at];
        }
        var cs = new CachedBeaconState(_config, parentState);
        ulong start = StartSlot(epoch);
        if (cs.State.Slot < start) StateTransition.ProcessSlots(cs, start);
        var active = cs.GetShuffling(epoch).ActiveIndices;
        var proposers = new ulong[_config.SlotsPerEpoch];
        for (int i = 0; i < proposers.Length; i++)
            proposers[i] = BeaconStateAccessors.ComputeBeaconProposerIndex(_config, cs.State, active, start + (ulong)i);
        lock (_proposersLock)
        {
            _proposers.Add((parentRoot, epoch, proposers));
            if (_proposers.Count > MaxCachedProposerEpochs) _proposers.RemoveAt(0);
        }
        return proposers[at];
    }
}
