using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Types;
using Cirrus.Crypto;
using Cirrus.Node.Pools;
using Cirrus.Node.Production;
using Cirrus.Ssz;

namespace Cirrus.Node.Tests;

public class AttestationPoolTests
{
    private static (BeaconChain Chain, AttestationData Data, Consensus.Transition.CachedBeaconState State) ChainWithData(ulong slot = 1)
    {
        var chain = Interop.NewChain();
        Interop.ProposeAndImport(chain, slot);
        var data = AttestationDataProducer.Produce(chain, slot, 0);
        return (chain, data, chain.GetCanonicalState(slot)!.Value.State);
    }

    [Fact]
    public void AggregatesDisjointAttestationsIntoOneValidAggregate()
    {
        var (chain, data, cs) = ChainWithData();
        var pool = new AttestationPool(Interop.Config);
        var committee = BeaconStateAccessors.GetBeaconCommittee(cs, data.Slot, data.Index).ToArray();
        Assert.True(committee.Length >= 3);
        var a0 = Interop.Attest(cs, data, 0);
        var a1 = Interop.Attest(cs, data, 1);
        Assert.True(pool.Add(a0));
        Assert.True(pool.Add(a1));
        Assert.False(pool.Add(a0)); // already held
        var agg = pool.GetAggregate(Interop.Config.Schema.HashTreeRoot(data), data.Slot)!;
        Assert.Equal(2, agg.AggregationBits.PopCount());
        Assert.True(agg.AggregationBits[0] && agg.AggregationBits[1]);
        // The aggregate signature verifies for both members, and the chain's own check agrees.
        var keys = new[] { Interop.Key((ulong)committee[0]).PublicKey, Interop.Key((ulong)committee[1]).PublicKey };
        var root = Misc.ComputeSigningRoot(Interop.Config, data, Interop.Domain(cs.State, Interop.Config.DomainBeaconAttester, data.Target.Epoch));
        Assert.True(Bls.FastAggregateVerify(keys, root.AsSpan(), BlsSignature.FromBytes(agg.Signature.AsSpan())));
        var indexed = BeaconStateAccessors.GetIndexedAttestation(cs, agg);
        var sigs = new Consensus.Signatures.SignatureCollector(chain.SignatureVerifier!);
        Consensus.Transition.Block.BlockProcessing.IsValidIndexedAttestation(cs, indexed, sigs);
        sigs.VerifyAndClear(cs.State.Validators);
        Assert.Equal(new[] { (ulong)committee[0], (ulong)committee[1] }.Order(), indexed.AttestingIndices);
        // Wrong slot for that root: nothing.
        Assert.Null(pool.GetAggregate(Interop.Config.Schema.HashTreeRoot(data), data.Slot + 1));
    }

    [Fact]
    public void OverlappingAggregatesAreKeptApartAndTheLargestIsServed()
    {
        var (_, data, cs) = ChainWithData();
        var pool = new AttestationPool(Interop.Config);
        var a01 = Interop.Attest(cs, data, 0);
        pool.Add(a01);
        var a1 = Interop.Attest(cs, data, 1);
        pool.Add(a1); // merged: {0,1}
        var a2 = Interop.Attest(cs, data, 2);
        // {1,2}-style overlap: build an aggregate of 1 and 2 outside the pool.
        var sig = BlsSignature.Aggregate([BlsSignature.FromBytes(a1.Signature.AsSpan()), BlsSignature.FromBytes(a2.Signature.AsSpan())]);
        var bits = a1.AggregationBits.Clone();
        bits.Or(a2.AggregationBits);
        Assert.True(pool.Add(new Attestation { AggregationBits = bits, Data = data, Signature = Bytes96.FromSpan(sig.ToBytes()) }));
        var all = pool.GetAll(data.Slot, data.Index);
        Assert.Equal(2, all.Count);
        Assert.All(all, a => Assert.Equal(2, a.AggregationBits.PopCount()));
        var a3 = Interop.Attest(cs, data, 3 % a1.AggregationBits.Count);
        pool.Add(a3); // joins the first disjoint aggregate: now 3 bits
        Assert.Equal(3, pool.GetAggregate(Interop.Config.Schema.HashTreeRoot(data), data.Slot)!.AggregationBits.PopCount());
        Assert.Equal(3, pool.GetBestAggregate(data.Slot, data.Index)!.AggregationBits.PopCount());
        Assert.Null(pool.GetBestAggregate(data.Slot, data.Index + 1));
    }

    [Fact]
    public void IsAggregatorSelectsAboutOneInModuloOfLargeCommittees()
    {
        var c = Interop.Config;
        var proofs = Enumerable.Range(0, 400).Select(i => Interop.Sign((ulong)(i % Interop.Count), MathHelpers.Hash(BitConverter.GetBytes(i)))).ToList();
        // Small committees: every member aggregates (modulo 1).
        Assert.All(proofs, p => Assert.True(ValidatorHelpers.IsAggregator(c, (int)c.TargetAggregatorsPerCommittee * 2 - 1, p)));
        // A committee of 10 * TARGET: modulo 10, decided by the first 8 bytes of hash(proof), little-endian.
        int length = (int)c.TargetAggregatorsPerCommittee * 10;
        int selected = proofs.Count(p => ValidatorHelpers.IsAggregator(c, length, p));
        Assert.Equal(proofs.Count(p => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(MathHelpers.Hash(p.AsSpan()).AsSpan()) % 10 == 0), selected);
        Assert.InRange(selected, 15, 70); // about 40 of 400
    }

    [Fact]
    public void PruneDropsSlotsNoBlockCanInclude()
    {
        var (_, data, cs) = ChainWithData();
        var pool = new AttestationPool(Interop.Config);
        pool.Add(Interop.Attest(cs, data, 0));
        pool.Prune(data.Slot + Interop.Config.SlotsPerEpoch);
        Assert.Equal(1, pool.DataCount);
        pool.Prune(data.Slot + Interop.Config.SlotsPerEpoch + 1);
        Assert.Equal(0, pool.DataCount);
    }

    [Fact]
    public void SelectsOnlyIncludableAttestationsPreferringNewValidators()
    {
        var (chain, data, cs) = ChainWithData();
        var pool = chain.Attestations; // the pool the block producer packs from
        int n = BeaconStateAccessors.GetBeaconCommittee(cs, data.Slot, data.Index).Length;
        for (int i = 0; i < n; i++) pool.Add(Interop.Attest(cs, data, i));
        // A lone vote of member 0 with other data (a different head) is covered by the full aggregate.
        var other = Interop.Config.Schema.Copy(data);
        other.BeaconBlockRoot = chain.GenesisBlockRoot!.Value;
        pool.Add(Interop.Attest(cs, other, 0));
        // A vote with a wrong source can never be included.
        var badSource = Interop.Config.Schema.Copy(data);
        badSource.Source = new Checkpoint { Epoch = 0, Root = data.BeaconBlockRoot };
        pool.Add(Interop.Attest(cs, badSource, 1));

        // Too early in the attestation's own slot.
        Assert.Empty(pool.SelectForBlock(chain.GetCanonicalState(data.Slot)!.Value.State));
        var next = chain.GetCanonicalState(data.Slot + 1)!.Value.State;
        var chosen = pool.SelectForBlock(next);
        var only = Assert.Single(chosen);
        Assert.Equal(n, only.AggregationBits.PopCount());
        Assert.Equal(data.BeaconBlockRoot, only.Data.BeaconBlockRoot);

        // Once a block holds them, the state's pending attestations cover them: nothing new to add.
        var block = Interop.ProposeAndImport(chain, data.Slot + 1);
        Assert.Contains(block.Message.Body.Attestations, a => a.Data.Index == data.Index && a.AggregationBits.PopCount() == n);
        Assert.DoesNotContain(pool.SelectForBlock(chain.GetCanonicalState(data.Slot + 2)!.Value.State),
            a => a.Data.Slot == data.Slot && a.Data.Index == data.Index);
        // Past the inclusion window (SLOTS_PER_EPOCH after the slot): not selectable.
        var late = chain.GetCanonicalState(data.Slot + Interop.Config.SlotsPerEpoch + 1)!.Value.State;
        Assert.Empty(pool.SelectForBlock(late));
    }
}
