using System.Diagnostics;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Types;
using Cirrus.Node.Duties;
using Cirrus.Node.Production;
using Cirrus.Ssz;

namespace Cirrus.Node.Tests;

public class DowntimeAndImportTests
{
    private static readonly Consensus.Config.ChainConfig C = Interop.Config;

    [Fact]
    public void AfterManyEpochsOfDowntimeValidatorsProposeAgainAndTheChainFinalizes()
    {
        ulong now = Interop.GenesisTime;
        var chain = new BeaconChain(C, Interop.Genesis, new BlsSignatureVerifier(), () => DateTimeOffset.FromUnixTimeSeconds((long)now));
        void At(ulong slot)
        {
            now = Interop.GenesisTime + slot * C.SecondsPerSlot;
            Interop.TickTo(chain, slot);
        }
        At(1);
        Interop.ProposeAndImport(chain, 1);
        Interop.ProposeAndImport(chain, 3);

        // Down for six epochs: far more than the four epochs states used to be advanced for.
        ulong back = 3 + 6 * C.SlotsPerEpoch;
        Assert.True(back - chain.HeadSlot > chain.MaxSlotsToAdvance);
        At(back);
        ulong epoch = back / C.SlotsPerEpoch;
        var all = Enumerable.Range(0, Interop.Count).Select(i => (ulong)i).ToList();
        var (_, proposers) = ValidatorDuties.GetProposerDuties(chain, epoch);
        Assert.Equal((int)C.SlotsPerEpoch, proposers.Count);
        Assert.Equal(Interop.Count, ValidatorDuties.GetAttesterDuties(chain, epoch, all).Duties.Count);
        Assert.Equal(Interop.Count, ValidatorDuties.GetAttesterDuties(chain, epoch + 1, all).Duties.Count);
        var data = AttestationDataProducer.Produce(chain, back, 0);
        Assert.Equal(chain.Head, data.BeaconBlockRoot);

        var first = Interop.ProposeAndImport(chain, back);
        Assert.Equal(proposers.Single(p => p.Slot == back).ValidatorIndex, first.Message.ProposerIndex);
        Assert.Equal(C.Schema.HashTreeRoot(first.Message), chain.Head);
        Assert.Equal(back, chain.HeadSlot);

        // Everyone attests to every block from here on: justification and finality come back.
        var votes = new TestChainBuilder();
        ulong last = back + 4 * C.SlotsPerEpoch;
        for (ulong slot = back; ; slot++)
        {
            var (root, state) = chain.GetCanonicalState(slot)!.Value;
            foreach (var a in votes.Attest(state, slot, root)) chain.Attestations.Add(a);
            if (slot == last) break;
            At(slot + 1);
            var block = Interop.ProposeAndImport(chain, slot + 1);
            Assert.Equal(C.Schema.HashTreeRoot(block.Message), chain.Head);
        }
        Assert.True(chain.FinalizedCheckpoint.Epoch > epoch, $"finalized epoch {chain.FinalizedCheckpoint.Epoch}");
    }

    [Fact]
    public void AFarAheadBlockDoesNotHoldTheChainWhileItImportsAndAnUnsignedOneIsRejectedAtOnce()
    {
        var chain = Interop.NewChain();
        ulong far = 1000 * C.SlotsPerEpoch;
        Interop.TickTo(chain, far);

        // Validly signed by a validator, on the genesis block: the node has to advance 1000 epochs to judge it.
        var genesisRoot = chain.GenesisBlockRoot!.Value;
        var block = new BeaconBlock { Slot = far, ProposerIndex = 5, ParentRoot = genesisRoot, Body = new BeaconBlockBody() };
        var signed = new SignedBeaconBlock
        {
            Message = block,
            Signature = Interop.Sign(5, Misc.ComputeSigningRoot(C, block,
                Interop.Domain(Interop.Genesis, C.DomainBeaconProposer, far / C.SlotsPerEpoch))),
        };
        BlockImportException? error = null;
        var importing = new Thread(() =>
        {
            try { chain.ImportBlock(signed); }
            catch (BlockImportException e) { error = e; }
        });
        importing.Start();
        var worst = TimeSpan.Zero;
        int calls = 0;
        var clock = Stopwatch.StartNew();
        while (importing.IsAlive)
        {
            var sw = Stopwatch.StartNew();
            Assert.Equal(0UL, chain.HeadSlot);
            Assert.Equal(far, chain.CurrentSlot);
            chain.OnTick(Interop.GenesisTime + far * C.SecondsPerSlot);
            Assert.Equal(genesisRoot, chain.Head);
            if (sw.Elapsed > worst) worst = sw.Elapsed;
            calls++;
            Thread.Sleep(10);
        }
        importing.Join();
        // Invalid beyond its signature (its proposer and state root), which only the transition finds.
        Assert.NotNull(error);
        Assert.DoesNotContain("signature", error.Message);
        Assert.True(clock.Elapsed > TimeSpan.FromMilliseconds(300), $"the import took only {clock.Elapsed}: too short to show anything");
        Assert.True(calls > 10, $"{calls} calls while the block was imported");
        Assert.True(worst < TimeSpan.FromMilliseconds(200), $"a query waited {worst} while the block was imported");

        // The same block unsigned: the proposer signature is checked against the parent state before any slot is advanced.
        var unsigned = new SignedBeaconBlock { Message = block };
        var t = Stopwatch.StartNew();
        var e = Assert.Throws<BlockImportException>(() => chain.ImportBlock(unsigned));
        t.Stop();
        Assert.Contains("signature", e.Message);
        Assert.True(t.Elapsed < TimeSpan.FromMilliseconds(500), $"rejecting an unsigned block took {t.Elapsed}");
        Assert.Equal(genesisRoot, chain.Head);
    }
}
