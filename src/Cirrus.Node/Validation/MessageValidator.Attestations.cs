using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Transition.Block;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Node.Validation;

// Topics beacon_attestation_{subnet_id} and beacon_aggregate_and_proof.
public sealed partial class MessageValidator
{
    private readonly Lock _statesLock = new();
    private readonly List<(Checkpoint Target, CachedBeaconState State)> _targetStates = []; // most recent last

    /// <summary>
    /// Gossip topic beacon_attestation_{subnet_id}; <paramref name="subnetId"/> is null for an
    /// attestation submitted through the API (then the subnet is not checked).
    /// </summary>
    public ValidationOutcome ValidateAttestation(Attestation attestation, ulong? subnetId)
    {
        try
        {
            return CheckAttestation(attestation, subnetId);
        }
        catch (StateTransitionException e)
        {
            return CannotCheck("attestation", e);
        }
    }

    /// <summary>Validates and, on Accept, adds the attestation to the pool and to fork choice.</summary>
    public ValidationOutcome ProcessAttestation(Attestation attestation, ulong? subnetId)
    {
        var outcome = ValidateAttestation(attestation, subnetId);
        if (outcome.IsAccept) Apply(attestation);
        return outcome;
    }

    /// <summary>Gossip topic beacon_aggregate_and_proof. The three signatures are verified in one batch.</summary>
    public ValidationOutcome ValidateAggregateAndProof(SignedAggregateAndProof signed)
    {
        try
        {
            return CheckAggregate(signed);
        }
        catch (StateTransitionException e)
        {
            return CannotCheck("aggregate", e);
        }
    }

    /// <summary>Validates and, on Accept, adds the aggregate to the pool and to fork choice.</summary>
    public ValidationOutcome ProcessAggregateAndProof(SignedAggregateAndProof signed)
    {
        var outcome = ValidateAggregateAndProof(signed);
        if (outcome.IsAccept) Apply(signed.Message.Aggregate);
        return outcome;
    }

    /// <summary>The subnet an attestation travels on (compute_subnet_for_attestation), or null when its target state is not held.</summary>
    public ulong? SubnetOf(AttestationData d)
    {
        try
        {
            return LoadCommittee(d, out _, out _, out ulong committeesPerSlot).IsAccept
                ? ComputeSubnetForAttestation(_config, committeesPerSlot, d.Slot, d.Index) : null;
        }
        catch (StateTransitionException)
        {
            return null;
        }
    }

    private void Apply(Attestation attestation)
    {
        _chain.Attestations.Prune(_chain.CurrentSlot);
        _chain.Attestations.Add(attestation);
        _chain.OnVerifiedAttestation(attestation);
    }

    private ValidationOutcome CheckAttestation(Attestation a, ulong? subnetId)
    {
        var d = a.Data;
        var outcome = CheckSlotRange(d, "attestation");
        if (!outcome.IsAccept) return outcome;
        if (d.Target.Epoch != EpochOf(d.Slot)) return TargetEpochMismatch(d);
        int bits = a.AggregationBits.PopCount();
        if (bits != 1)
            return ValidationOutcome.Reject(GossipError.NotUnaggregated,
                $"the attestation is unaggregated -- that is, it has exactly one participating validator: {bits} bits are set");
        outcome = CheckVotedBlock(d);
        if (!outcome.IsAccept) return outcome;
        outcome = LoadCommittee(d, out var state, out var committee, out ulong committeesPerSlot);
        if (!outcome.IsAccept) return outcome;
        if (subnetId is { } subnet && ComputeSubnetForAttestation(_config, committeesPerSlot, d.Slot, d.Index) is var expected && expected != subnet)
            return ValidationOutcome.Reject(GossipError.WrongSubnet,
                $"the attestation is for the correct subnet: compute_subnet_for_attestation gives {expected}, it came on {subnet}");
        if (a.AggregationBits.Count != committee.Length) return BitsLength(a, committee);
        var indexed = BeaconStateAccessors.GetIndexedAttestation(state, a);
        ulong validator = indexed.AttestingIndices[0];
        if (_seenAttesters.Contains(d.Target.Epoch, validator)) return AlreadySeenAttester(validator, d);
        if (_chain.SignatureVerifier is { } verifier)
        {
            var sigs = new SignatureCollector(verifier);
            BlockProcessing.IsValidIndexedAttestation(state, indexed, sigs);
            if (verifier.VerifyBatch(sigs.Sets, state.State.Validators) >= 0)
                return ValidationOutcome.Reject(GossipError.InvalidSignature,
                    $"the signature of attestation is valid: invalid for validator {validator}");
        }
        if (!_seenAttesters.TryAdd(d.Target.Epoch, validator)) return AlreadySeenAttester(validator, d);
        Prune(_chain.CurrentSlot);
        return ValidationOutcome.Accept();
    }

    private ValidationOutcome CheckAggregate(SignedAggregateAndProof signed)
    {
        var m = signed.Message;
        var aggregate = m.Aggregate;
        var d = aggregate.Data;
        var outcome = CheckSlotRange(d, "aggregate");
        if (!outcome.IsAccept) return outcome;
        var aggregateRoot = _config.Schema.HashTreeRoot(aggregate);
        if (_seenAggregates.Contains(d.Slot, aggregateRoot)) return AlreadySeenAggregate(aggregateRoot);
        if (_seenAggregators.Contains(d.Target.Epoch, m.AggregatorIndex)) return AlreadySeenAggregator(m.AggregatorIndex, d);
        if (d.Target.Epoch != EpochOf(d.Slot)) return TargetEpochMismatch(d);
        outcome = CheckVotedBlock(d);
        if (!outcome.IsAccept) return outcome;
        outcome = LoadCommittee(d, out var state, out var committee, out _);
        if (!outcome.IsAccept) return outcome;
        if (aggregate.AggregationBits.Count != committee.Length) return BitsLength(aggregate, committee);
        var indexed = BeaconStateAccessors.GetIndexedAttestation(state, aggregate);
        if (indexed.AttestingIndices.Count == 0)
            return ValidationOutcome.Reject(GossipError.NoParticipants,
                "the attestation has participants -- that is, len(get_attesting_indices(state, aggregate.data, aggregate.aggregation_bits)) >= 1");
        if (!ValidatorHelpers.IsAggregator(_config, committee.Length, m.SelectionProof))
            return ValidationOutcome.Reject(GossipError.NotAggregator,
                $"aggregate_and_proof.selection_proof selects the validator as an aggregator for the slot: validator {m.AggregatorIndex} is not selected for slot {d.Slot}");
        if (m.AggregatorIndex > int.MaxValue || Array.IndexOf(committee, (int)m.AggregatorIndex) < 0)
            return ValidationOutcome.Reject(GossipError.AggregatorNotInCommittee,
                $"the aggregator's validator index is within the committee: validator {m.AggregatorIndex} is not in committee {d.Index} of slot {d.Slot}");
        if (_chain.SignatureVerifier is { } verifier)
        {
            // One batch: the aggregate's own signature (set 0), the selection proof (1), the aggregator's signature (2).
            var s = state.State;
            var sigs = new SignatureCollector(verifier);
            BlockProcessing.IsValidIndexedAttestation(state, indexed, sigs);
            ulong epoch = EpochOf(d.Slot);
            var selectionRoot = ValidatorHelpers.SlotSigningRoot(_config, d.Slot,
                BeaconStateAccessors.GetDomain(_config, s, _config.DomainSelectionProof, epoch));
            var aggregatorRoot = Misc.ComputeSigningRoot(_config, m,
                BeaconStateAccessors.GetDomain(_config, s, _config.DomainAggregateAndProof, epoch));
            sigs.Add(new SignatureSet(SignatureKind.Attestation, 1, m.AggregatorIndex, selectionRoot, m.SelectionProof));
            sigs.Add(new SignatureSet(SignatureKind.Attestation, 2, m.AggregatorIndex, aggregatorRoot, signed.Signature));
            int bad = verifier.VerifyBatch(sigs.Sets, s.Validators);
            if (bad >= 0)
                return sigs.Sets[bad].OperationIndex switch
                {
                    1 => ValidationOutcome.Reject(GossipError.InvalidSelectionProof,
                        $"the aggregate_and_proof.selection_proof is a valid signature of the aggregate.data.slot by validator {m.AggregatorIndex}: invalid selection proof"),
                    2 => ValidationOutcome.Reject(GossipError.InvalidAggregatorSignature,
                        $"the aggregator signature, signed_aggregate_and_proof.signature, is valid: invalid for validator {m.AggregatorIndex}"),
                    _ => ValidationOutcome.Reject(GossipError.InvalidSignature, "the signature of aggregate is valid: invalid aggregate signature"),
                };
        }
        if (!_seenAggregators.TryAdd(d.Target.Epoch, m.AggregatorIndex)) return AlreadySeenAggregator(m.AggregatorIndex, d);
        _seenAggregates.TryAdd(d.Slot, aggregateRoot);
        Prune(_chain.CurrentSlot);
        return ValidationOutcome.Accept();
    }

    /// <summary>[IGNORE] data.slot + ATTESTATION_PROPAGATION_SLOT_RANGE >= current_slot >= data.slot (with the clock disparity).</summary>
    private ValidationOutcome CheckSlotRange(AttestationData d, string what)
    {
        var (earliest, latest) = CurrentSlots();
        if (d.Slot > latest)
            return ValidationOutcome.Ignore(GossipError.FutureSlot,
                $"{what}.data.slot is within the last ATTESTATION_PROPAGATION_SLOT_RANGE slots: slot {d.Slot} is after the current slot {latest}");
        if (d.Slot + AttestationPropagationSlotRange < earliest)
            return ValidationOutcome.Ignore(GossipError.PastSlot,
                $"{what}.data.slot is within the last ATTESTATION_PROPAGATION_SLOT_RANGE slots: slot {d.Slot} is too old (current slot {earliest})");
        return ValidationOutcome.Accept();
    }

    /// <summary>The conditions on the voted block, answered from the block tree alone: seen, valid, target and finalized ancestry.</summary>
    private ValidationOutcome CheckVotedBlock(AttestationData d)
    {
        if (IsKnownInvalid(d.BeaconBlockRoot))
            return ValidationOutcome.Reject(GossipError.BlockInvalid,
                $"the block being voted for (attestation.data.beacon_block_root) passes validation: block {d.BeaconBlockRoot} is invalid");
        if (_chain.GetBlock(d.BeaconBlockRoot) is null)
            return ValidationOutcome.Ignore(GossipError.UnknownBlock,
                $"the block being voted for (attestation.data.beacon_block_root) has been seen: block {d.BeaconBlockRoot} is unknown");
        var ancestor = GetAncestor(d.BeaconBlockRoot, StartSlot(d.Target.Epoch));
        if (ancestor != d.Target.Root)
            return ValidationOutcome.Reject(GossipError.TargetNotAncestor,
                $"the attestation's target block is an ancestor of the block named in the LMD vote: target {d.Target.Root}, ancestor {(ancestor is { } a ? a.ToString() : "unknown")}");
        var finalized = _chain.FinalizedCheckpoint;
        if (!DescendsFromFinalized(d.BeaconBlockRoot, finalized))
            return ValidationOutcome.Reject(GossipError.NotFinalizedDescendant,
                $"the current finalized_checkpoint is an ancestor of the block defined by attestation.data.beacon_block_root: {finalized.Root} is not");
        return ValidationOutcome.Accept();
    }

    /// <summary>The committee of the attestation from the target checkpoint's state: [REJECT] data.index &lt; get_committee_count_per_slot.</summary>
    private ValidationOutcome LoadCommittee(AttestationData d, out CachedBeaconState state, out int[] committee, out ulong committeesPerSlot)
    {
        committee = [];
        committeesPerSlot = 0;
        var s = TargetState(d.Target);
        if (s is null)
        {
            state = null!;
            return ValidationOutcome.Ignore(GossipError.StateUnavailable, $"the state of target {d.Target.Root} at epoch {d.Target.Epoch} is not held");
        }
        state = s;
        committeesPerSlot = BeaconStateAccessors.GetCommitteeCountPerSlot(s, d.Target.Epoch);
        if (d.Index >= committeesPerSlot)
            return ValidationOutcome.Reject(GossipError.CommitteeIndexOutOfRange,
                $"the committee index is within the expected range: {d.Index} is not below {committeesPerSlot}");
        committee = BeaconStateAccessors.GetBeaconCommittee(s, d.Slot, d.Index).ToArray();
        return ValidationOutcome.Accept();
    }

    /// <summary>
    /// The target checkpoint's block state, advanced to the target epoch when its shuffling is not
    /// yet determined there (at most <see cref="BeaconChain.MaxSlotsToAdvance"/> slots). Shared,
    /// read-only; cached per target (a few are live at a time).
    /// </summary>
    private CachedBeaconState? TargetState(Checkpoint target)
    {
        lock (_statesLock)
        {
            foreach (var (t, s) in _targetStates)
                if (t.Epoch == target.Epoch && t.Root == target.Root) return s;
        }
        var state = _chain.GetBlockState(target.Root);
        if (state is null) return null;
        var cs = new CachedBeaconState(_config, state);
        if (cs.CurrentEpoch + 1 < target.Epoch)
        {
            ulong start = StartSlot(target.Epoch);
            if (start - cs.State.Slot > _chain.MaxSlotsToAdvance) return null;
            StateTransition.ProcessSlots(cs, start);
        }
        cs.ReleaseHashCache();
        lock (_statesLock)
        {
            _targetStates.Add((target.Copy(), cs));
            if (_targetStates.Count > MaxCachedStates) _targetStates.RemoveAt(0);
        }
        return cs;
    }

    // Every condition a message can fail is checked before the helpers that would throw; this is the node failing to compute.
    private static ValidationOutcome CannotCheck(string what, StateTransitionException e) =>
        ValidationOutcome.Ignore(GossipError.StateUnavailable, $"the {what} cannot be checked: {e.Message}");

    private static ValidationOutcome TargetEpochMismatch(AttestationData d) => ValidationOutcome.Reject(GossipError.TargetEpochMismatch,
        $"the attestation's epoch matches its target: target epoch {d.Target.Epoch}, slot {d.Slot}");

    private static ValidationOutcome BitsLength(Attestation a, int[] committee) => ValidationOutcome.Reject(GossipError.AggregationBitsLength,
        $"the number of aggregation bits matches the committee size: {a.AggregationBits.Count} bits for a committee of {committee.Length}");

    private static ValidationOutcome AlreadySeenAttester(ulong validator, AttestationData d) => ValidationOutcome.Ignore(GossipError.AlreadySeen,
        $"there has been no other valid attestation seen on an attestation subnet that has an identical attestation.data.target.epoch and participating validator index: validator {validator}, epoch {d.Target.Epoch}");

    private static ValidationOutcome AlreadySeenAggregate(Bytes32 root) => ValidationOutcome.Ignore(GossipError.AggregateAlreadySeen,
        $"the valid aggregate attestation defined by hash_tree_root(aggregate) has not already been seen: {root} was");

    private static ValidationOutcome AlreadySeenAggregator(ulong aggregator, AttestationData d) => ValidationOutcome.Ignore(GossipError.AggregatorAlreadySeen,
        $"the aggregate is the first valid aggregate received for the aggregator {aggregator} for the epoch {d.Target.Epoch}");
}
