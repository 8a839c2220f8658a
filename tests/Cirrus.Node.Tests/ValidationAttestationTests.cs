using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Node.Production;
using Cirrus.Node.Validation;
using Cirrus.Ssz;

namespace Cirrus.Node.Tests;

public class ValidationAttestationTests
{
    private static readonly Consensus.Config.ChainConfig C = Interop.Config;

    private static (BeaconChain Chain, MessageValidator Validator, AttestationData Data, CachedBeaconState State, ulong Subnet) Setup()
    {
        var chain = Interop.NewChain();
        Interop.ProposeAndImport(chain, 1);
        var data = AttestationDataProducer.Produce(chain, 1, 1);
        var cs = chain.GetCanonicalState(1)!.Value.State;
        ulong subnet = MessageValidator.ComputeSubnetForAttestation(C, BeaconStateAccessors.GetCommitteeCountPerSlot(cs, 0), 1, 1);
        return (chain, new MessageValidator(chain), data, cs, subnet);
    }

    private sealed class CountingVerifier : Consensus.Signatures.ISignatureVerifier
    {
        private readonly Consensus.Signatures.BlsSignatureVerifier _inner = new();
        public int Batches;
        public int VerifyBatch(IReadOnlyList<Consensus.Signatures.SignatureSet> sets, IReadOnlyList<Validator> validators)
        {
            Interlocked.Increment(ref Batches);
            return _inner.VerifyBatch(sets, validators);
        }
        public bool Verify(Bytes48 pubkey, Bytes32 signingRoot, Bytes96 signature) => _inner.Verify(pubkey, signingRoot, signature);
    }

    [Fact]
    public void AFloodOfOneValidAttestationCostsOneSignatureCheck()
    {
        // hardening: 4 x 17,000 copies of one valid attestation froze the node when each was verified
        var counting = new CountingVerifier();
        var chain = new BeaconChain(C, Interop.Genesis, counting);
        Interop.ProposeAndImport(chain, 1);
        var data = AttestationDataProducer.Produce(chain, 1, 1);
        var cs = chain.GetCanonicalState(1)!.Value.State;
        var v = new MessageValidator(chain);
        var a = Interop.Attest(cs, data, 0);
        int before = counting.Batches;
        var outcomes = new ValidationOutcome[17_000];
        for (int i = 0; i < outcomes.Length; i++) outcomes[i] = v.ProcessAttestation(a, null);
        Assert.Equal(1, outcomes.Count(o => o.IsAccept));
        Assert.All(outcomes.Where(o => !o.IsAccept), o => Assert.Equal(GossipError.AlreadySeen, o.Error));
        Assert.Equal(1, counting.Batches - before);
    }

    [Fact]
    public void ComputeSubnetForAttestationFollowsTheSpec()
    {
        // (committees_per_slot * (slot % SLOTS_PER_EPOCH) + index) % ATTESTATION_SUBNET_COUNT, minimal: 8 slots per epoch.
        Assert.Equal(6UL, MessageValidator.ComputeSubnetForAttestation(C, 4, 9, 2));
        Assert.Equal(3UL, MessageValidator.ComputeSubnetForAttestation(C, 64, 7, 3));
        Assert.Equal(0UL, MessageValidator.ComputeSubnetForAttestation(C, 2, 16, 0));
    }

    [Fact]
    public void AnAttestationIsAcceptedOncePooledAndCountedAndBadOnesAreRefused()
    {
        var (chain, v, data, cs, subnet) = Setup();
        var a0 = Interop.Attest(cs, data, 0);
        Assert.True(v.ProcessAttestation(a0, subnet).IsAccept);
        Assert.Contains(chain.Attestations.GetAll(1, 1), a => a.AggregationBits[0]);
        ValidationAssert.Outcome(ValidationAction.Ignore, GossipError.AlreadySeen, v.ValidateAttestation(a0, subnet));

        var wrongSubnet = v.ValidateAttestation(Interop.Attest(cs, data, 1), (subnet + 1) % MessageValidator.AttestationSubnetCount);
        ValidationAssert.Outcome(ValidationAction.Reject, GossipError.WrongSubnet, wrongSubnet);
        // Through the API no subnet is given, so none is checked.
        Assert.True(v.ValidateAttestation(Interop.Attest(cs, data, 1), null).IsAccept);

        // Position 2, signed with position 3's key.
        var forged = Interop.Attest(cs, data, 3);
        forged.AggregationBits = Interop.Attest(cs, data, 2).AggregationBits;
        ValidationAssert.Outcome(ValidationAction.Reject, GossipError.InvalidSignature, v.ValidateAttestation(forged, subnet));

        var two = Interop.Attest(cs, data, 2);
        two.AggregationBits[3] = true;
        ValidationAssert.Outcome(ValidationAction.Reject, GossipError.NotUnaggregated, v.ValidateAttestation(two, subnet));

        var future = C.Schema.Copy(data);
        future.Slot = 3;
        ValidationAssert.Outcome(ValidationAction.Ignore, GossipError.FutureSlot, v.ValidateAttestation(Interop.Attest(cs, future, 2), null));

        var unknown = C.Schema.Copy(data);
        Bytes32 root = default;
        root.AsWritableSpan()[0] = 9;
        unknown.BeaconBlockRoot = root;
        ValidationAssert.Outcome(ValidationAction.Ignore, GossipError.UnknownBlock, v.ValidateAttestation(Interop.Attest(cs, unknown, 2), null));

        // The vote is for the block at slot 1, the target (epoch 0) is genesis: naming the slot-1 block as target is inconsistent.
        var badTarget = C.Schema.Copy(data);
        Assert.Equal(chain.GenesisBlockRoot!.Value, data.Target.Root);
        badTarget.Target.Root = data.BeaconBlockRoot;
        ValidationAssert.Outcome(ValidationAction.Reject, GossipError.TargetNotAncestor, v.ValidateAttestation(Interop.Attest(cs, badTarget, 2), null));

        var badEpoch = C.Schema.Copy(data);
        badEpoch.Target.Epoch = 1;
        ValidationAssert.Outcome(ValidationAction.Reject, GossipError.TargetEpochMismatch, v.ValidateAttestation(Interop.Attest(cs, badEpoch, 2), null));

        // ATTESTATION_PROPAGATION_SLOT_RANGE (32) slots later it is too old.
        Interop.TickTo(chain, 1 + MessageValidator.AttestationPropagationSlotRange + 1);
        ValidationAssert.Outcome(ValidationAction.Ignore, GossipError.PastSlot, v.ValidateAttestation(Interop.Attest(cs, data, 2), null));
    }

    private static SignedAggregateAndProof SignedAggregate(CachedBeaconState cs, Attestation aggregate, ulong aggregator, Bytes96? proof = null)
    {
        ulong epoch = aggregate.Data.Slot / C.SlotsPerEpoch;
        var selection = proof ?? Interop.Sign(aggregator, ValidatorHelpers.SlotSigningRoot(C, aggregate.Data.Slot, Interop.Domain(cs.State, C.DomainSelectionProof, epoch)));
        var m = new AggregateAndProof { AggregatorIndex = aggregator, Aggregate = aggregate, SelectionProof = selection };
        return new SignedAggregateAndProof { Message = m, Signature = Interop.Sign(aggregator, Misc.ComputeSigningRoot(C, m, Interop.Domain(cs.State, C.DomainAggregateAndProof, epoch))) };
    }

    [Fact]
    public void AnAggregateIsAcceptedOnceAndBadProofsAndSignaturesAreRefused()
    {
        var (chain, v, data, cs, _) = Setup();
        var committee = BeaconStateAccessors.GetBeaconCommittee(cs, data.Slot, data.Index).ToArray();
        chain.Attestations.Add(Interop.Attest(cs, data, 0));
        chain.Attestations.Add(Interop.Attest(cs, data, 1));
        var aggregate = chain.Attestations.GetAggregate(C.Schema.HashTreeRoot(data), data.Slot)!;
        ulong aggregator = (ulong)committee[0];

        var badProof = SignedAggregate(cs, aggregate, aggregator, Interop.Sign(aggregator, default));
        ValidationAssert.Outcome(ValidationAction.Reject, GossipError.InvalidSelectionProof, v.ValidateAggregateAndProof(badProof));
        var badOuter = SignedAggregate(cs, aggregate, aggregator);
        badOuter.Signature = badProof.Signature; // that signature is over the message with the bad proof
        ValidationAssert.Outcome(ValidationAction.Reject, GossipError.InvalidAggregatorSignature, v.ValidateAggregateAndProof(badOuter));
        var claimsThree = C.Schema.Copy(aggregate);
        claimsThree.AggregationBits[2] = true; // a third signer who did not sign
        ValidationAssert.Outcome(ValidationAction.Reject, GossipError.InvalidSignature, v.ValidateAggregateAndProof(SignedAggregate(cs, claimsThree, aggregator)));
        var outsider = Enumerable.Range(0, Interop.Count).Select(i => (ulong)i).First(i => Array.IndexOf(committee, (int)i) < 0);
        ValidationAssert.Outcome(ValidationAction.Reject, GossipError.AggregatorNotInCommittee, v.ValidateAggregateAndProof(SignedAggregate(cs, aggregate, outsider)));

        var good = SignedAggregate(cs, aggregate, aggregator);
        Assert.True(v.ProcessAggregateAndProof(good).IsAccept);
        ValidationAssert.Outcome(ValidationAction.Ignore, GossipError.AggregateAlreadySeen, v.ValidateAggregateAndProof(good));
        // Another aggregate by the same aggregator in the same epoch.
        var smaller = SignedAggregate(cs, Interop.Attest(cs, data, 1), aggregator);
        ValidationAssert.Outcome(ValidationAction.Ignore, GossipError.AggregatorAlreadySeen, v.ValidateAggregateAndProof(smaller));
        // Another aggregator may send other votes.
        Assert.True(v.ValidateAggregateAndProof(SignedAggregate(cs, Interop.Attest(cs, data, 1), (ulong)committee[1])).IsAccept);
    }

    [Fact]
    public void AnAggregatorTheSelectionProofDoesNotSelectIsRejected()
    {
        // 1024 validators make committees of 32 on the minimal preset: is_aggregator's modulo is 2.
        var genesis = InteropGenesis.CreateGenesisState(C, 1024, Interop.GenesisTime);
        var chain = new BeaconChain(C, genesis, null);
        var v = new MessageValidator(chain);
        Interop.TickTo(chain, 1);
        var cs = new CachedBeaconState(C, C.Schema.Copy(genesis));
        var committee = BeaconStateAccessors.GetBeaconCommittee(cs, 0, 0).ToArray();
        Assert.Equal(32, committee.Length);
        var root = chain.GenesisBlockRoot!.Value;
        var data = new AttestationData { Slot = 0, Index = 0, BeaconBlockRoot = root, Target = new Checkpoint { Epoch = 0, Root = root } };
        var bits = new Bitlist(committee.Length);
        bits[0] = true;
        var aggregate = new Attestation { AggregationBits = bits, Data = data };
        Bytes96 Proof(bool selected) => Enumerable.Range(0, 100)
            .Select(i => Bytes96.FromSpan([.. MathHelpers.Hash(BitConverter.GetBytes(i)).AsSpan(), .. new byte[64]]))
            .First(p => ValidatorHelpers.IsAggregator(C, committee.Length, p) == selected);
        var m = new AggregateAndProof { AggregatorIndex = (ulong)committee[0], Aggregate = aggregate, SelectionProof = Proof(false) };
        ValidationAssert.Outcome(ValidationAction.Reject, GossipError.NotAggregator, v.ValidateAggregateAndProof(new SignedAggregateAndProof { Message = m }));
        m.SelectionProof = Proof(true);
        Assert.True(v.ValidateAggregateAndProof(new SignedAggregateAndProof { Message = m }).IsAccept); // no verifier: no signatures
        var empty = C.Schema.Copy(m);
        empty.AggregatorIndex = (ulong)committee[1];
        empty.Aggregate.AggregationBits = new Bitlist(committee.Length);
        ValidationAssert.Outcome(ValidationAction.Reject, GossipError.NoParticipants, v.ValidateAggregateAndProof(new SignedAggregateAndProof { Message = empty }));
    }
}
