using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Crypto;
using Cirrus.Node.Production;
using Cirrus.Ssz;

namespace Cirrus.Node.Tests;

/// <summary>A minimal-preset interop genesis of 64 validators and their keys, built once per test run.</summary>
public static class Interop
{
    public const int Count = 64;
    public const ulong GenesisTime = 1_600_000_000;
    public static readonly ChainConfig Config = Networks.Preset("minimal")!;
    private static readonly Lazy<(BeaconState State, BlsSecretKey[] Keys)> Built = new(() =>
    {
        var keys = new BlsSecretKey[Count];
        Parallel.For(0, Count, i => keys[i] = InteropGenesis.SecretKey((ulong)i));
        return (InteropGenesis.CreateGenesisState(Config, Count, GenesisTime), keys);
    });

    public static BeaconState Genesis => Built.Value.State;
    public static BlsSecretKey Key(ulong index) => Built.Value.Keys[index];

    public static BeaconChain NewChain(bool verify = true) => new(Config, Genesis, verify ? new BlsSignatureVerifier() : null);

    public static void TickTo(BeaconChain chain, ulong slot) => chain.OnTick(GenesisTime + slot * Config.SecondsPerSlot);

    public static Bytes96 Sign(ulong validator, Bytes32 root) => Bytes96.FromSpan(Key(validator).Sign(root.AsSpan()).ToBytes());

    public static Bytes32 Domain(BeaconState s, Bytes4 type, ulong epoch) => BeaconStateAccessors.GetDomain(Config, s, type, epoch);

    public static Bytes96 RandaoReveal(BeaconChain chain, ulong slot)
    {
        var cs = chain.GetCanonicalState(slot)!.Value.State;
        ulong epoch = slot / Config.SlotsPerEpoch;
        return Sign(cs.GetBeaconProposerIndex(), Misc.ComputeSigningRoot(Config, Misc.EpochRoot(epoch), Domain(cs.State, Config.DomainRandao, epoch)));
    }

    /// <summary>Produces, signs and imports a block at <paramref name="slot"/> (ticking the clock there).</summary>
    public static SignedBeaconBlock ProposeAndImport(BeaconChain chain, ulong slot)
    {
        TickTo(chain, slot);
        var block = BlockProducer.Produce(chain, slot, RandaoReveal(chain, slot), default);
        var signed = new SignedBeaconBlock
        {
            Message = block,
            Signature = Sign(block.ProposerIndex, Misc.ComputeSigningRoot(Config, block,
                Domain(Genesis, Config.DomainBeaconProposer, slot / Config.SlotsPerEpoch))),
        };
        chain.ImportBlock(signed);
        return signed;
    }

    /// <summary>A single-validator attestation by member <paramref name="position"/> of the committee.</summary>
    public static Attestation Attest(CachedBeaconState cs, AttestationData data, int position)
    {
        var committee = BeaconStateAccessors.GetBeaconCommittee(cs, data.Slot, data.Index);
        var bits = new Bitlist(committee.Length);
        bits[position] = true;
        var root = Misc.ComputeSigningRoot(Config, data, Domain(cs.State, Config.DomainBeaconAttester, data.Target.Epoch));
        return new Attestation { AggregationBits = bits, Data = data, Signature = Sign((ulong)committee[position], root) };
    }
}
