using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Crypto;
using Cirrus.Node.Pools;
using Cirrus.Ssz;

namespace Cirrus.Node.Tests;

public class OperationPoolTests
{
    private static readonly Consensus.Config.ChainConfig C = Interop.Config;

    private static SignedBeaconBlockHeader Header(BeaconState s, ulong proposer, ulong slot, byte tag)
    {
        Bytes32 body = default;
        body.AsWritableSpan()[0] = tag;
        var h = new BeaconBlockHeader { Slot = slot, ProposerIndex = proposer, BodyRoot = body };
        var root = Misc.ComputeSigningRoot(C, h, Interop.Domain(s, C.DomainBeaconProposer, slot / C.SlotsPerEpoch));
        return new SignedBeaconBlockHeader { Message = h, Signature = Interop.Sign(proposer, root) };
    }

    private static IndexedAttestation Indexed(BeaconState s, ulong[] validators, AttestationData data)
    {
        var root = Misc.ComputeSigningRoot(C, data, Interop.Domain(s, C.DomainBeaconAttester, data.Target.Epoch));
        var sigs = validators.Select(v => BlsSignature.FromBytes(Interop.Sign(v, root).AsSpan())).ToArray();
        return new IndexedAttestation { AttestingIndices = validators.ToList(), Data = data, Signature = Bytes96.FromSpan(BlsSignature.Aggregate(sigs).ToBytes()) };
    }

    [Fact]
    public void ProposerSlashingIsCheckedDeduplicatedPackedAndPruned()
    {
        var chain = Interop.NewChain();
        Interop.TickTo(chain, 2);
        var head = chain.GetCanonicalState(2)!.Value.State;
        var ps = new ProposerSlashing { SignedHeader1 = Header(head.State, 7, 1, 1), SignedHeader2 = Header(head.State, 7, 1, 2) };
        chain.Operations.AddProposerSlashing(ps, head);
        chain.Operations.AddProposerSlashing(ps, head);
        Assert.Single(chain.Operations.ProposerSlashings);
        Assert.False(head.State.Validators[7].Slashed); // the head state was only copied

        var forged = new ProposerSlashing { SignedHeader1 = Header(head.State, 9, 1, 1), SignedHeader2 = Header(head.State, 8, 1, 2) };
        forged.SignedHeader2.Message.ProposerIndex = 9; // signed by 8, claims 9
        var e = Assert.Throws<NodeRequestException>(() => chain.Operations.AddProposerSlashing(forged, head));
        Assert.Contains("signature", e.Message);
        var same = new ProposerSlashing { SignedHeader1 = Header(head.State, 9, 1, 1), SignedHeader2 = Header(head.State, 9, 1, 1) };
        Assert.Contains("equal", Assert.Throws<NodeRequestException>(() => chain.Operations.AddProposerSlashing(same, head)).Message);

        var block = Interop.ProposeAndImport(chain, 2);
        Assert.Single(block.Message.Body.ProposerSlashings);
        var after = chain.GetCanonicalState(2)!.Value.State;
        Assert.True(after.State.Validators[7].Slashed);
        // Included: no longer valid, so neither packed again nor kept.
        Assert.Empty(chain.Operations.SelectForBlock(chain.GetCanonicalState(3)!.Value.State).ProposerSlashings);
        Assert.Single(chain.Operations.ProposerSlashings);
        Interop.ProposeAndImport(chain, 3); // producing prunes what the chain already holds
        Assert.Empty(chain.Operations.ProposerSlashings);
    }

    [Fact]
    public void AttesterSlashingForADoubleVoteSlashesBothValidators()
    {
        var chain = Interop.NewChain();
        Interop.TickTo(chain, 3);
        var head = chain.GetCanonicalState(3)!.Value.State;
        var d1 = new AttestationData { Slot = 1, Index = 0, Target = new Checkpoint { Epoch = 0 } };
        var d2 = C.Schema.Copy(d1);
        Bytes32 other = default;
        other.AsWritableSpan()[0] = 1;
        d2.BeaconBlockRoot = other;
        var slashing = new AttesterSlashing { Attestation1 = Indexed(head.State, [3, 5], d1), Attestation2 = Indexed(head.State, [3, 5], d2) };
        chain.Operations.AddAttesterSlashing(slashing, head);
        chain.Operations.AddAttesterSlashing(slashing, head);
        Assert.Single(chain.Operations.AttesterSlashings);
        // Not slashable: the same data twice.
        var notSlashable = new AttesterSlashing { Attestation1 = Indexed(head.State, [4], d1), Attestation2 = Indexed(head.State, [4], d1) };
        Assert.Throws<NodeRequestException>(() => chain.Operations.AddAttesterSlashing(notSlashable, head));
        // A bad aggregate signature: 6's name on 3's and 5's signature.
        var bad = new AttesterSlashing { Attestation1 = Indexed(head.State, [3, 5], d1), Attestation2 = Indexed(head.State, [3, 5], d2) };
        bad.Attestation2.AttestingIndices = [3, 6];
        Assert.Contains("signature", Assert.Throws<NodeRequestException>(() => chain.Operations.AddAttesterSlashing(bad, head)).Message);

        var block = Interop.ProposeAndImport(chain, 3);
        Assert.Single(block.Message.Body.AttesterSlashings);
        var after = chain.GetCanonicalState(3)!.Value.State;
        Assert.True(after.State.Validators[3].Slashed && after.State.Validators[5].Slashed);
        chain.Operations.Prune(after);
        Assert.Empty(chain.Operations.AttesterSlashings);
    }

    [Fact]
    public void VoluntaryExitsNeedSeniorityAndAreDeduplicated()
    {
        var pool = new OperationPool(C, new Consensus.Signatures.BlsSignatureVerifier());
        var young = new CachedBeaconState(C, C.Schema.Copy(Interop.Genesis));
        SignedVoluntaryExit Exit(BeaconState s, ulong v, ulong epoch)
        {
            var exit = new VoluntaryExit { Epoch = epoch, ValidatorIndex = v };
            return new SignedVoluntaryExit { Message = exit, Signature = Interop.Sign(v, Misc.ComputeSigningRoot(C, exit, Interop.Domain(s, C.DomainVoluntaryExit, epoch))) };
        }
        var e = Assert.Throws<NodeRequestException>(() => pool.AddVoluntaryExit(Exit(young.State, 4, 0), young));
        Assert.Contains("active long enough", e.Message);

        var old = new CachedBeaconState(C, C.Schema.Copy(Interop.Genesis));
        StateTransition.ProcessSlots(old, C.ShardCommitteePeriod * C.SlotsPerEpoch);
        var ok = Exit(old.State, 4, C.ShardCommitteePeriod);
        pool.AddVoluntaryExit(ok, old);
        pool.AddVoluntaryExit(ok, old);
        Assert.Single(pool.VoluntaryExits);
        var wrongKey = Exit(old.State, 5, C.ShardCommitteePeriod);
        wrongKey.Message.ValidatorIndex = 6;
        Assert.Contains("signature", Assert.Throws<NodeRequestException>(() => pool.AddVoluntaryExit(wrongKey, old)).Message);
        var future = Exit(old.State, 7, C.ShardCommitteePeriod + 1);
        Assert.Contains("future", Assert.Throws<NodeRequestException>(() => pool.AddVoluntaryExit(future, old)).Message);
        var picked = pool.SelectForBlock(old).Exits;
        Assert.Equal(4UL, Assert.Single(picked).Message.ValidatorIndex);
        Assert.Equal(ChainConfigFar, old.State.Validators[4].ExitEpoch); // selection works on a copy
    }

    private const ulong ChainConfigFar = Consensus.Config.ChainConfig.FarFutureEpoch;
}
