namespace Cirrus.Node.Validation;

/// <summary>The gossipsub v1.1 extended-validator verdict for a message.</summary>
public enum ValidationAction
{
    /// <summary>Valid: forward it and use it.</summary>
    Accept,
    /// <summary>Not useful now (late, early, a duplicate, not checkable yet): drop it without blaming the sender.</summary>
    Ignore,
    /// <summary>Invalid: drop it; the sender may be penalized.</summary>
    Reject,
}

/// <summary>
/// Which condition of the phase0 p2p-interface gossip domain (v0.12.3) a message failed. Names
/// are shared between topics where the condition is the same (e.g. <see cref="FutureSlot"/>);
/// values after <see cref="StateUnavailable"/> are the node's own limits, not spec conditions.
/// </summary>
public enum GossipError
{
    None,

    // Timing.
    /// <summary>[IGNORE] the message's slot is after the current slot (with MAXIMUM_GOSSIP_CLOCK_DISPARITY).</summary>
    FutureSlot,
    /// <summary>[IGNORE] an attestation's slot is more than ATTESTATION_PROPAGATION_SLOT_RANGE slots old.</summary>
    PastSlot,
    /// <summary>[IGNORE] a block is not from a slot greater than the latest finalized slot.</summary>
    FinalizedSlot,

    // Seen caches.
    /// <summary>[IGNORE] not the first valid message for its key: block per (proposer, slot), attestation per
    /// (validator, target epoch), exit per validator, proposer slashing per proposer.</summary>
    AlreadySeen,
    /// <summary>[IGNORE] an aggregate with this hash_tree_root(aggregate) was already seen.</summary>
    AggregateAlreadySeen,
    /// <summary>[IGNORE] the aggregator already sent a valid aggregate for the target epoch.</summary>
    AggregatorAlreadySeen,
    /// <summary>[IGNORE] every index an attester slashing would slash was seen in an earlier attester slashing.</summary>
    SlashedIndicesAlreadySeen,

    // Blocks.
    /// <summary>[IGNORE] the block's parent has not been seen.</summary>
    UnknownParent,
    /// <summary>[REJECT] the block's parent failed validation.</summary>
    ParentInvalid,
    /// <summary>[REJECT] the block is not after its parent (from later spec versions; needed before advancing a state).</summary>
    NotLaterThanParent,
    /// <summary>[REJECT] the current finalized_checkpoint is not an ancestor of the block (or of the voted block).</summary>
    NotFinalizedDescendant,
    /// <summary>[REJECT] the block is not proposed by the expected proposer_index for its slot.</summary>
    IncorrectProposer,

    // Attestations and aggregates.
    /// <summary>[REJECT] data.index is not below get_committee_count_per_slot(state, data.target.epoch).</summary>
    CommitteeIndexOutOfRange,
    /// <summary>[REJECT] compute_subnet_for_attestation does not give the subnet the attestation came on.</summary>
    WrongSubnet,
    /// <summary>[REJECT] attestation.data.target.epoch != compute_epoch_at_slot(attestation.data.slot).</summary>
    TargetEpochMismatch,
    /// <summary>[REJECT] a subnet attestation does not have exactly one aggregation bit set.</summary>
    NotUnaggregated,
    /// <summary>[REJECT] len(aggregation_bits) is not the committee's size.</summary>
    AggregationBitsLength,
    /// <summary>[IGNORE] the block voted for (beacon_block_root, or the target) has not been seen.</summary>
    UnknownBlock,
    /// <summary>[REJECT] the block voted for failed validation.</summary>
    BlockInvalid,
    /// <summary>[REJECT] the target block is not the ancestor of the LMD vote at the target epoch's start.</summary>
    TargetNotAncestor,
    /// <summary>[REJECT] an aggregate has no participants.</summary>
    NoParticipants,
    /// <summary>[REJECT] is_aggregator(state, slot, index, selection_proof) is false.</summary>
    NotAggregator,
    /// <summary>[REJECT] aggregator_index is not in get_beacon_committee(state, slot, index).</summary>
    AggregatorNotInCommittee,
    /// <summary>[REJECT] the selection proof is not the aggregator's signature of the slot.</summary>
    InvalidSelectionProof,
    /// <summary>[REJECT] the aggregator's signature of the AggregateAndProof is invalid.</summary>
    InvalidAggregatorSignature,

    /// <summary>[REJECT] the message's own signature is invalid (block proposer, attestation, aggregate, operation).</summary>
    InvalidSignature,

    // Operations: "all of the conditions within process_* pass validation" (signatures: InvalidSignature).
    /// <summary>[REJECT] a condition of process_voluntary_exit fails.</summary>
    InvalidVoluntaryExit,
    /// <summary>[REJECT] a condition of process_proposer_slashing fails.</summary>
    InvalidProposerSlashing,
    /// <summary>[REJECT] a condition of process_attester_slashing fails.</summary>
    InvalidAttesterSlashing,

    // Node limits (IGNORE: cannot be checked now, not the sender's fault).
    /// <summary>[IGNORE] the state to check against is not held (e.g. the head is far behind the clock).</summary>
    StateUnavailable,
    /// <summary>[IGNORE] the block's expected proposer needs the parent state advanced too far; left to sync.</summary>
    TooFarAheadOfParent,
}

/// <summary>A validation verdict: the action, the failed condition and, for a failure, why in words.</summary>
public readonly record struct ValidationOutcome(ValidationAction Action, GossipError Error, string Message)
{
    public static ValidationOutcome Accept() => new(ValidationAction.Accept, GossipError.None, "");

    public static ValidationOutcome Ignore(GossipError error, string message) => new(ValidationAction.Ignore, error, message);

    public static ValidationOutcome Reject(GossipError error, string message) => new(ValidationAction.Reject, error, message);

    public bool IsAccept => Action == ValidationAction.Accept;

    public override string ToString() => IsAccept ? "accept" : $"{Action.ToString().ToLowerInvariant()} ({Error}): {Message}";
}
