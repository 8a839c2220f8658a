using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Types;
using Cirrus.Node.Duties;
using Cirrus.Node.Production;

namespace Cirrus.Node.Tests;

public class ProductionAndDutiesTests
{
    private static readonly Consensus.Config.ChainConfig C = Interop.Config;

    [Fact]
    public void ProducedBlocksImportWithSignaturesCheckedIncludingOverSkippedSlots()
    {
        var chain = Interop.NewChain();
        var b1 = Interop.ProposeAndImport(chain, 1);
        Assert.Equal(chain.Head, C.Schema.HashTreeRoot(b1.Message));
        var b4 = Interop.ProposeAndImport(chain, 4); // slots 2 and 3 empty
        Assert.Equal(C.Schema.HashTreeRoot(b1.Message), b4.Message.ParentRoot);
        Assert.Equal(chain.Head, C.Schema.HashTreeRoot(b4.Message));
        Assert.Equal(Interop.Genesis.Eth1Data.BlockHash, b4.Message.Body.Eth1Data.BlockHash); // votes the state's eth1 data
    }

    [Fact]
    public void ProductionRejectsBadSlotsAndRandao()
    {
        var chain = Interop.NewChain();
        Interop.ProposeAndImport(chain, 2);
        var reveal = Interop.RandaoReveal(chain, 3);
        Assert.Contains("not after the head", Assert.Throws<NodeRequestException>(() => BlockProducer.Produce(chain, 2, reveal, default)).Message);
        Assert.Contains("future", Assert.Throws<NodeRequestException>(() => BlockProducer.Produce(chain, 9, reveal, default)).Message);
        Interop.TickTo(chain, 3);
        var wrong = Interop.Sign(0, default);
        Assert.Contains("RANDAO", Assert.Throws<NodeRequestException>(() => BlockProducer.Produce(chain, 3, wrong, default)).Message);
    }

    [Fact]
    public void ProductionRefusesWhenTheStateExpectsDepositsItCannotProve()
    {
        var genesis = C.Schema.Copy(Interop.Genesis);
        genesis.Eth1Data.DepositCount += 2; // two deposits the node has no eth1 data for
        var chain = new BeaconChain(C, genesis, null);
        Interop.TickTo(chain, 1);
        var e = Assert.Throws<NodeRequestException>(() => BlockProducer.Produce(chain, 1, Interop.RandaoReveal(chain, 1), default));
        Assert.Contains("follows no eth1 chain", e.Message);
    }

    [Fact]
    public void AttesterDutiesPlaceEveryActiveValidatorOnceAsTheCommitteesDo()
    {
        var chain = Interop.NewChain();
        Interop.TickTo(chain, 3);
        var all = Enumerable.Range(0, Interop.Count).Select(i => (ulong)i).ToList();
        foreach (ulong epoch in new ulong[] { 0, 1 })
        {
            var (dependent, duties) = ValidatorDuties.GetAttesterDuties(chain, epoch, all);
            Assert.Equal(chain.GenesisBlockRoot, dependent);
            Assert.Equal(Interop.Count, duties.Count);
            Assert.Equal(Interop.Count, duties.Select(d => d.ValidatorIndex).Distinct().Count());
            var cs = chain.GetCanonicalState(3)!.Value.State;
            foreach (var d in duties)
            {
                Assert.Equal(epoch, d.Slot / C.SlotsPerEpoch);
                var committee = cs.GetShuffling(epoch).Committee(d.Slot, d.CommitteeIndex);
                Assert.Equal((ulong)committee.Length, d.CommitteeLength);
                Assert.Equal((int)d.ValidatorIndex, committee[(int)d.ValidatorCommitteeIndex]);
                Assert.Equal(BeaconStateAccessors.GetCommitteeCountPerSlot(cs, epoch), d.CommitteesAtSlot);
                Assert.Equal(Interop.Genesis.Validators[(int)d.ValidatorIndex].Pubkey, d.Pubkey);
            }
        }
        var some = ValidatorDuties.GetAttesterDuties(chain, 1, [5, 9]).Duties;
        Assert.Equal(new ulong[] { 5, 9 }, some.Select(d => d.ValidatorIndex).Order());
        Assert.Contains("not known yet", Assert.Throws<NodeRequestException>(() => ValidatorDuties.GetAttesterDuties(chain, 2, all)).Message);
        Assert.Contains("does not exist", Assert.Throws<NodeRequestException>(() => ValidatorDuties.GetAttesterDuties(chain, 0, [64])).Message);
    }

    [Fact]
    public void ProposerDutiesNameTheProposerTheBlockNeeds()
    {
        var chain = Interop.NewChain();
        Interop.TickTo(chain, 9);
        var (_, duties) = ValidatorDuties.GetProposerDuties(chain, 1);
        Assert.Equal((int)C.SlotsPerEpoch, duties.Count);
        Assert.Equal(Enumerable.Range(8, 8).Select(i => (ulong)i), duties.Select(d => d.Slot));
        foreach (var d in duties)
            Assert.Equal(d.ValidatorIndex, chain.GetCanonicalState(d.Slot)!.Value.State.GetBeaconProposerIndex());
        var block = Interop.ProposeAndImport(chain, 9);
        Assert.Equal(duties.Single(d => d.Slot == 9).ValidatorIndex, block.Message.ProposerIndex);
        Assert.Throws<NodeRequestException>(() => ValidatorDuties.GetProposerDuties(chain, 2));
    }

    [Fact]
    public void AttestationDataFollowsTheHead()
    {
        var chain = Interop.NewChain();
        var b1 = Interop.ProposeAndImport(chain, 1);
        Interop.TickTo(chain, 9);
        var root1 = C.Schema.HashTreeRoot(b1.Message);
        var d = AttestationDataProducer.Produce(chain, 1, 0);
        Assert.Equal(root1, d.BeaconBlockRoot);
        Assert.Equal(new Checkpoint { Epoch = 0, Root = chain.GenesisBlockRoot!.Value }, d.Target);
        Assert.Equal(Interop.Genesis.CurrentJustifiedCheckpoint, d.Source); // genesis: epoch 0, zero root
        // Slot 8 is empty: the head is still block 1, which is also the epoch-1 boundary block.
        var d8 = AttestationDataProducer.Produce(chain, 8, 1);
        Assert.Equal(root1, d8.BeaconBlockRoot);
        Assert.Equal(new Checkpoint { Epoch = 1, Root = root1 }, d8.Target);
        Assert.Contains("future", Assert.Throws<NodeRequestException>(() => AttestationDataProducer.Produce(chain, 10, 0)).Message);
        Assert.Contains("committee index", Assert.Throws<NodeRequestException>(() => AttestationDataProducer.Produce(chain, 9, 99)).Message);
    }
}
