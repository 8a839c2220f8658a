using Cirrus.Consensus.Config;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Transition.Block;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Node.Pools;

/// <summary>
/// Checks of attestations and aggregates submitted to the node (the structural part of
/// process_attestation and is_valid_indexed_attestation, plus the validator.md aggregation rules),
/// against a state whose shuffling covers the attestation's epoch.
/// </summary>
public static class AttestationChecks
{
    /// <summary>
    /// Verifies an attestation against <paramref name="state"/>: target epoch, committee, bits and
    /// (with a verifier) its signature. Returns the attesting indices, sorted. Throws
    /// <see cref="NodeRequestException"/>.
    /// </summary>
    public static List<ulong> VerifyAttestation(CachedBeaconState state, Attestation attestation, ISignatureVerifier? verifier)
    {
        var indexed = Indexed(state, attestation);
        if (indexed.AttestingIndices.Count == 0) throw new NodeRequestException("attestation has no aggregation bits set");
        Run(() =>
        {
            var sigs = verifier is null ? null : new SignatureCollector(verifier);
            BlockProcessing.IsValidIndexedAttestation(state, indexed, sigs);
            sigs?.VerifyAndClear(state.State.Validators);
        });
        return indexed.AttestingIndices;
    }

    /// <summary>
    /// Verifies a signed aggregate: the aggregator is in the committee, its selection proof is valid
    /// and selects it (is_aggregator), and both the aggregate's and the aggregator's signatures are valid.
    /// </summary>
    public static void VerifyAggregateAndProof(CachedBeaconState state, SignedAggregateAndProof signed, ISignatureVerifier? verifier)
    {
        var c = state.Config;
        var s = state.State;
        var msg = signed.Message;
        var data = msg.Aggregate.Data;
        var indexed = Indexed(state, msg.Aggregate);
        if (indexed.AttestingIndices.Count == 0) throw new NodeRequestException("aggregate has no aggregation bits set");
        var committee = Committee(state, data);
        if (Array.IndexOf(committee, (int)Math.Min(msg.AggregatorIndex, int.MaxValue)) < 0 || msg.AggregatorIndex >= (ulong)s.Validators.Count)
            throw new NodeRequestException($"aggregator {msg.AggregatorIndex} is not in committee {data.Index} of slot {data.Slot}");
        if (!IsAggregator(c, committee.Length, msg.SelectionProof))
            throw new NodeRequestException($"validator {msg.AggregatorIndex} is not an aggregator of slot {data.Slot} by its selection proof");
        Run(() => BlockProcessing.IsValidIndexedAttestation(state, indexed, null));
        if (verifier is null) return;
        ulong epoch = Misc.ComputeEpochAtSlot(c, data.Slot);
        var selectionRoot = ValidatorHelpers.SlotSigningRoot(c, data.Slot, BeaconStateAccessors.GetDomain(c, s, c.DomainSelectionProof, epoch));
        var outerRoot = Misc.ComputeSigningRoot(c, msg, BeaconStateAccessors.GetDomain(c, s, c.DomainAggregateAndProof, epoch));
        var attRoot = Misc.ComputeSigningRoot(c, data, BeaconStateAccessors.GetDomain(c, s, c.DomainBeaconAttester, data.Target.Epoch));
        var sets = new List<SignatureSet>
        {
            new(SignatureKind.Attestation, 0, msg.AggregatorIndex, selectionRoot, msg.SelectionProof),
            new(SignatureKind.Attestation, 1, msg.AggregatorIndex, outerRoot, signed.Signature),
            new(SignatureKind.Attestation, 2, indexed.AttestingIndices, attRoot, msg.Aggregate.Signature),
        };
        int bad = verifier.VerifyBatch(sets, s.Validators);
        if (bad >= 0)
            throw new NodeRequestException(bad switch
            {
                0 => "invalid selection proof",
                1 => "invalid aggregate-and-proof signature",
                _ => "invalid aggregate signature",
            });
    }

    /// <summary>spec (validator.md): is_aggregator; see <see cref="ValidatorHelpers.IsAggregator"/>.</summary>
    public static bool IsAggregator(ChainConfig c, int committeeLength, Bytes96 selectionProof) =>
        ValidatorHelpers.IsAggregator(c, committeeLength, selectionProof);

    private static IndexedAttestation Indexed(CachedBeaconState state, Attestation attestation)
    {
        var data = attestation.Data;
        var committee = Committee(state, data);
        if (attestation.AggregationBits.Count != committee.Length)
            throw new NodeRequestException($"{attestation.AggregationBits.Count} aggregation bits for a committee of {committee.Length}");
        var indices = new List<ulong>();
        for (int i = 0; i < committee.Length; i++)
            if (attestation.AggregationBits[i]) indices.Add((ulong)committee[i]);
        indices.Sort();
        return new IndexedAttestation { AttestingIndices = indices, Data = data, Signature = attestation.Signature };
    }

    private static int[] Committee(CachedBeaconState state, AttestationData data)
    {
        var c = state.Config;
        if (data.Target.Epoch != Misc.ComputeEpochAtSlot(c, data.Slot))
            throw new NodeRequestException($"target epoch {data.Target.Epoch} does not contain slot {data.Slot}");
        if (data.Target.Epoch > state.CurrentEpoch + 1)
            throw new NodeRequestException($"attestation epoch {data.Target.Epoch} is too far ahead of the node's state (epoch {state.CurrentEpoch})");
        EpochShuffling shuffling = null!;
        Run(() => shuffling = state.GetShuffling(data.Target.Epoch));
        if (data.Index >= shuffling.CommitteesPerSlot)
            throw new NodeRequestException($"committee index {data.Index} is not below {shuffling.CommitteesPerSlot}");
        return shuffling.Committee(data.Slot, data.Index).ToArray();
    }

    private static void Run(Action a)
    {
        try { a(); }
        catch (StateTransitionException e) { throw new NodeRequestException(e.Message); }
    }
}
