using Cirrus.Consensus.Config;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Consensus.Helpers;

/// <summary>spec: beacon-chain.md "Misc" helpers.</summary>
public static class Misc
{
    public static ulong ComputeEpochAtSlot(ChainConfig c, ulong slot) => slot / c.SlotsPerEpoch;

    public static ulong ComputeStartSlotAtEpoch(ChainConfig c, ulong epoch) => epoch * c.SlotsPerEpoch;

    public static ulong ComputeActivationExitEpoch(ChainConfig c, ulong epoch) => epoch + 1 + c.MaxSeedLookahead;

    public static Bytes32 ComputeForkDataRoot(ChainConfig c, Bytes4 currentVersion, Bytes32 genesisValidatorsRoot) =>
        c.Schema.HashTreeRoot(new ForkData { CurrentVersion = currentVersion, GenesisValidatorsRoot = genesisValidatorsRoot });

    /// <summary>spec: compute_fork_digest.</summary>
    public static Bytes4 ComputeForkDigest(ChainConfig c, Bytes4 currentVersion, Bytes32 genesisValidatorsRoot) =>
        Bytes4.FromSpan(ComputeForkDataRoot(c, currentVersion, genesisValidatorsRoot).AsSpan()[..4]);

    /// <summary>spec: compute_domain (defaults: GENESIS_FORK_VERSION, zero genesis_validators_root).</summary>
    public static Bytes32 ComputeDomain(ChainConfig c, Bytes4 domainType, Bytes4? forkVersion = null, Bytes32? genesisValidatorsRoot = null)
    {
        var root = ComputeForkDataRoot(c, forkVersion ?? c.GenesisForkVersion, genesisValidatorsRoot ?? default);
        Bytes32 d = default;
        domainType.AsSpan().CopyTo(d.AsWritableSpan());
        root.AsSpan()[..28].CopyTo(d.AsWritableSpan()[4..]);
        return d;
    }

    /// <summary>spec: compute_signing_root.</summary>
    public static Bytes32 ComputeSigningRoot<T>(ChainConfig c, T obj, Bytes32 domain) =>
        ComputeSigningRoot(c, c.Schema.HashTreeRoot(obj), domain);

    public static Bytes32 ComputeSigningRoot(ChainConfig c, Bytes32 objectRoot, Bytes32 domain) =>
        c.Schema.HashTreeRoot(new SigningData { ObjectRoot = objectRoot, Domain = domain });

    /// <summary>The signing root of an epoch number (RANDAO reveal): hash_tree_root(uint64) is the value padded to 32 bytes.</summary>
    public static Bytes32 EpochRoot(ulong epoch)
    {
        Bytes32 r = default;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(r.AsWritableSpan(), epoch);
        return r;
    }
}

/// <summary>spec: beacon-chain.md "Predicates".</summary>
public static class Predicates
{
    public static bool IsActiveValidator(Validator v, ulong epoch) => v.ActivationEpoch <= epoch && epoch < v.ExitEpoch;

    public static bool IsEligibleForActivationQueue(ChainConfig c, Validator v) =>
        v.ActivationEligibilityEpoch == ChainConfig.FarFutureEpoch && v.EffectiveBalance == c.MaxEffectiveBalance;

    public static bool IsEligibleForActivation(BeaconState state, Validator v) =>
        v.ActivationEligibilityEpoch <= state.FinalizedCheckpoint.Epoch && v.ActivationEpoch == ChainConfig.FarFutureEpoch;

    public static bool IsSlashableValidator(Validator v, ulong epoch) =>
        !v.Slashed && v.ActivationEpoch <= epoch && epoch < v.WithdrawableEpoch;

    public static bool AttestationDataEquals(AttestationData a, AttestationData b) =>
        a.Slot == b.Slot && a.Index == b.Index && a.BeaconBlockRoot == b.BeaconBlockRoot
        && a.Source.Equals(b.Source) && a.Target.Equals(b.Target);

    public static bool IsSlashableAttestationData(AttestationData d1, AttestationData d2) =>
        (!AttestationDataEquals(d1, d2) && d1.Target.Epoch == d2.Target.Epoch) // double vote
        || (d1.Source.Epoch < d2.Source.Epoch && d2.Target.Epoch < d1.Target.Epoch); // surround vote

    public static bool BlockHeaderEquals(BeaconBlockHeader a, BeaconBlockHeader b) =>
        a.Slot == b.Slot && a.ProposerIndex == b.ProposerIndex && a.ParentRoot == b.ParentRoot
        && a.StateRoot == b.StateRoot && a.BodyRoot == b.BodyRoot;
}
