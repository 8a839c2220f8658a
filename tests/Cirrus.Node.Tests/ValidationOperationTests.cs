using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Types;
using Cirrus.Crypto;
using Cirrus.Node.Validation;
using Cirrus.Ssz;

namespace Cirrus.Node.Tests;

public class ValidationOperationTests
{
    private static readonly Consensus.Config.ChainConfig C = Interop.Config;

    private static SignedBeaconBlockHeader Header(ulong proposer, byte tag)
    {
        Bytes32 body = default;
        body.AsWritableSpan()[0] = tag;
        var h = new BeaconBlockHeader { Slot = 1, ProposerIndex = proposer, BodyRoot = body };
        return new SignedBeaconBlockHeader { Message = h, Signature = Interop.Sign(proposer, Misc.ComputeSigningRoot(C, h, Interop.Domain(Interop.Genesis, C.DomainBeaconProposer, 0))) };
    }

    private static IndexedAttestation Indexed(ulong[] validators, AttestationData data)
    {
        var root = Misc.ComputeSigningRoot(C, data, Interop.Domain(Interop.Genesis, C.DomainBeaconAttester, data.Target.Epoch));
        var sigs = validators.Select(v => BlsSignature.FromBytes(Interop.Sign(v, root).AsSpan())).ToArray();
        return new IndexedAttestation { AttestingIndices = validators.ToList(), Data = data, Signature = Bytes96.FromSpan(BlsSignature.Aggregate(sigs).ToBytes()) };
    }

    [Fact]
    public void ProposerSlashingsAreCheckedAndTheFirstPerProposerKept()
    {
        var chain = Interop.NewChain();
        var v = new MessageValidator(chain);
        Interop.TickTo(chain, 2);
        var forged = new ProposerSlashing { SignedHeader1 = Header(9, 1), SignedHeader2 = Header(8, 2) };
        forged.SignedHeader2.Message.ProposerIndex = 9; // signed by 8, claims 9
        ValidationAssert.Outcome(ValidationAction.Reject, GossipError.InvalidSignature, v.ProcessProposerSlashing(forged));
        var same = new ProposerSlashing { SignedHeader1 = Header(9, 1), SignedHeader2 = Header(9, 1) };
        ValidationAssert.Outcome(ValidationAction.Reject, GossipError.InvalidProposerSlashing, v.ProcessProposerSlashing(same));

        var ps = new ProposerSlashing { SignedHeader1 = Header(7, 1), SignedHeader2 = Header(7, 2) };
        Assert.True(v.ProcessProposerSlashing(ps).IsAccept);
        Assert.Single(chain.Operations.ProposerSlashings);
        var again = new ProposerSlashing { SignedHeader1 = Header(7, 3), SignedHeader2 = Header(7, 4) };
        ValidationAssert.Outcome(ValidationAction.Ignore, GossipError.AlreadySeen, v.ProcessProposerSlashing(again));
        Assert.Single(chain.Operations.ProposerSlashings);
    }

    [Fact]
    public void AttesterSlashingsAreIgnoredOnceEveryIndexWasSeen()
    {
        var chain = Interop.NewChain();
        var v = new MessageValidator(chain);
        Interop.TickTo(chain, 3);
        var d1 = new AttestationData { Slot = 1, Index = 0, Target = new Checkpoint { Epoch = 0 } };
        var d2 = C.Schema.Copy(d1);
        Bytes32 other = default;
        other.AsWritableSpan()[0] = 1;
        d2.BeaconBlockRoot = other;
        var bad = new AttesterSlashing { Attestation1 = Indexed([3, 5], d1), Attestation2 = Indexed([3, 5], d2) };
        bad.Attestation2.AttestingIndices = [3, 6];
        bad.Attestation1.AttestingIndices = [3, 6];
        ValidationAssert.Outcome(ValidationAction.Reject, GossipError.InvalidSignature, v.ProcessAttesterSlashing(bad));
        var notSlashable = new AttesterSlashing { Attestation1 = Indexed([4], d1), Attestation2 = Indexed([4], d1) };
        ValidationAssert.Outcome(ValidationAction.Reject, GossipError.InvalidAttesterSlashing, v.ProcessAttesterSlashing(notSlashable));

        var slashing = new AttesterSlashing { Attestation1 = Indexed([3, 5], d1), Attestation2 = Indexed([3, 5], d2) };
        Assert.True(v.ProcessAttesterSlashing(slashing).IsAccept);
        Assert.Single(chain.Operations.AttesterSlashings);
        var subset = new AttesterSlashing { Attestation1 = Indexed([5], d1), Attestation2 = Indexed([5], d2) };
        ValidationAssert.Outcome(ValidationAction.Ignore, GossipError.SlashedIndicesAlreadySeen, v.ProcessAttesterSlashing(subset));
        // A new index in the intersection makes it worth checking again.
        var wider = new AttesterSlashing { Attestation1 = Indexed([5, 6], d1), Attestation2 = Indexed([5, 6], d2) };
        Assert.True(v.ProcessAttesterSlashing(wider).IsAccept);
    }

    private static SignedVoluntaryExit Exit(ulong validator, ulong epoch, ulong signer)
    {
        var exit = new VoluntaryExit { Epoch = epoch, ValidatorIndex = validator };
        return new SignedVoluntaryExit { Message = exit, Signature = Interop.Sign(signer, Misc.ComputeSigningRoot(C, exit, Interop.Domain(Interop.Genesis, C.DomainVoluntaryExit, epoch))) };
    }

    [Fact]
    public void VoluntaryExitsOfUnknownOrYoungValidatorsAreRejectedAndTheFirstValidOneKept()
    {
        var chain = Interop.NewChain();
        var v = new MessageValidator(chain);
        Interop.TickTo(chain, 1);
        var unknown = v.ProcessVoluntaryExit(Exit(Interop.Count + 10, 0, 1));
        ValidationAssert.Outcome(ValidationAction.Reject, GossipError.InvalidVoluntaryExit, unknown);
        ValidationAssert.Outcome(ValidationAction.Reject, GossipError.InvalidVoluntaryExit, v.ProcessVoluntaryExit(Exit(4, 0, 4))); // not active long enough

        // SHARD_COMMITTEE_PERIOD epochs later (a block every 32 slots keeps the head close to the clock).
        ulong epoch = C.ShardCommitteePeriod;
        for (ulong slot = 32; slot <= epoch * C.SlotsPerEpoch; slot += 32) Interop.ProposeAndImport(chain, slot);
        ValidationAssert.Outcome(ValidationAction.Reject, GossipError.InvalidSignature, v.ProcessVoluntaryExit(Exit(4, epoch, 5)));
        Assert.True(v.ProcessVoluntaryExit(Exit(4, epoch, 4)).IsAccept);
        Assert.Equal(4UL, Assert.Single(chain.Operations.VoluntaryExits).Message.ValidatorIndex);
        ValidationAssert.Outcome(ValidationAction.Ignore, GossipError.AlreadySeen, v.ProcessVoluntaryExit(Exit(4, epoch, 4)));
    }
}
