using System.Diagnostics;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Types;
using Cirrus.Node.Production;
using Cirrus.Node.Validation;
using Cirrus.Ssz;

namespace Cirrus.Node.Tests;

public class ValidationBlockTests
{
    private static readonly Consensus.Config.ChainConfig C = Interop.Config;

    private static SignedBeaconBlock Sign(BeaconBlock block, ulong signer) => new()
    {
        Message = block,
        Signature = Interop.Sign(signer, Misc.ComputeSigningRoot(C, block, Interop.Domain(Interop.Genesis, C.DomainBeaconProposer, block.Slot / C.SlotsPerEpoch))),
    };

    private static BeaconBlock Produce(BeaconChain chain, ulong slot)
    {
        Interop.TickTo(chain, slot);
        return BlockProducer.Produce(chain, slot, Interop.RandaoReveal(chain, slot), default);
    }

    [Fact]
    public void AValidBlockIsAcceptedOnceAndImports()
    {
        var chain = Interop.NewChain();
        var v = new MessageValidator(chain);
        var block = Produce(chain, 1);
        var signed = Sign(block, block.ProposerIndex);
        Assert.True(v.ValidateBlock(signed).IsAccept);
        // The same proposer and slot again (here the same block): the first one won.
        ValidationAssert.Outcome(ValidationAction.Ignore, GossipError.AlreadySeen, v.ValidateBlock(signed));
        Assert.Equal(BlockSubmitResult.Imported, chain.SubmitBlock(signed));
        ValidationAssert.Outcome(ValidationAction.Ignore, GossipError.AlreadySeen, new MessageValidator(chain).ValidateBlock(signed));
    }

    [Fact]
    public void BadSignatureWrongProposerFutureSlotAndUnknownParentAreRefused()
    {
        var chain = Interop.NewChain();
        var v = new MessageValidator(chain);
        var block = Produce(chain, 1);

        var badSig = Sign(block, (block.ProposerIndex + 1) % Interop.Count);
        ValidationAssert.Outcome(ValidationAction.Reject, GossipError.InvalidSignature, v.ValidateBlock(badSig));

        // Signed by the validator it names, but that validator is not the slot's proposer.
        var other = C.Schema.Copy(block);
        other.ProposerIndex = (block.ProposerIndex + 1) % Interop.Count;
        var wrong = v.ValidateBlock(Sign(other, other.ProposerIndex));
        ValidationAssert.Outcome(ValidationAction.Reject, GossipError.IncorrectProposer, wrong);
        Assert.Contains("expected proposer_index", wrong.Message);

        var future = C.Schema.Copy(block);
        future.Slot = 3;
        ValidationAssert.Outcome(ValidationAction.Ignore, GossipError.FutureSlot, v.ValidateBlock(Sign(future, future.ProposerIndex)));

        var orphan = C.Schema.Copy(block);
        Bytes32 unknown = default;
        unknown.AsWritableSpan()[0] = 7;
        orphan.ParentRoot = unknown;
        ValidationAssert.Outcome(ValidationAction.Ignore, GossipError.UnknownParent, v.ValidateBlock(Sign(orphan, orphan.ProposerIndex)));

        // None of those failures stopped the real block.
        Assert.True(v.ValidateBlock(Sign(block, block.ProposerIndex)).IsAccept);
    }

    [Fact]
    public void AFarFutureBlockOnAKnownParentIsRefusedWithoutAdvancingItsParent()
    {
        var chain = Interop.NewChain();
        var v = new MessageValidator(chain);
        const ulong slot = 100_000;
        Interop.TickTo(chain, slot);
        var block = new BeaconBlock { Slot = slot, ProposerIndex = 5, ParentRoot = chain.GenesisBlockRoot!.Value, Body = new BeaconBlockBody() };
        var sw = Stopwatch.StartNew();
        var forged = v.ValidateBlock(Sign(block, 6));
        var signedByItsProposer = v.ValidateBlock(Sign(block, 5));
        sw.Stop();
        ValidationAssert.Outcome(ValidationAction.Reject, GossipError.InvalidSignature, forged);
        // A good signature is not enough to make the node run 100,000 slots: left to sync.
        ValidationAssert.Outcome(ValidationAction.Ignore, GossipError.TooFarAheadOfParent, signedByItsProposer);
        // Advancing the genesis state through 12,500 epochs takes minutes; these checks take milliseconds.
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"took {sw.Elapsed}");
    }

    [Fact]
    public void ABlockAtOrBelowTheFinalizedSlotAndAChildOfAnInvalidBlockAreRefused()
    {
        var chain = Interop.NewChain();
        var v = new MessageValidator(chain);
        var block = Produce(chain, 1);
        var wrong = C.Schema.Copy(block);
        wrong.ProposerIndex = (block.ProposerIndex + 1) % Interop.Count;
        ValidationAssert.Outcome(ValidationAction.Reject, GossipError.IncorrectProposer, v.ValidateBlock(Sign(wrong, wrong.ProposerIndex)));
        var child = new BeaconBlock { Slot = 2, ProposerIndex = 1, ParentRoot = C.Schema.HashTreeRoot(wrong), Body = new BeaconBlockBody() };
        Interop.TickTo(chain, 2);
        ValidationAssert.Outcome(ValidationAction.Reject, GossipError.ParentInvalid, v.ValidateBlock(Sign(child, 1)));

        var genesisSlot = new BeaconBlock { Slot = 0, ProposerIndex = 1, ParentRoot = chain.GenesisBlockRoot!.Value, Body = new BeaconBlockBody() };
        ValidationAssert.Outcome(ValidationAction.Ignore, GossipError.FinalizedSlot, v.ValidateBlock(Sign(genesisSlot, 1)));
    }
}
