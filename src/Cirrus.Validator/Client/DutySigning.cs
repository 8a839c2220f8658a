using Cirrus.Consensus.Config;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Types;
using Cirrus.Crypto;
using Cirrus.Ssz;

namespace Cirrus.Validator.Client;

/// <summary>
/// Domains and signing roots of every message a validator signs (spec validator.md), from the
/// node's fork and the chain's genesis validators root: no beacon state needed.
/// </summary>
public sealed class DutySigning(ChainConfig config, Bytes32 genesisValidatorsRoot, Fork fork)
{
    public ChainConfig Config { get; } = config;
    public Bytes32 GenesisValidatorsRoot { get; } = genesisValidatorsRoot;
    public Fork Fork { get; set; } = fork;

    /// <summary>spec: get_domain, with the fork version in force at <paramref name="epoch"/>.</summary>
    public Bytes32 Domain(Bytes4 domainType, ulong epoch)
    {
        var f = Fork;
        return Misc.ComputeDomain(Config, domainType, epoch < f.Epoch ? f.PreviousVersion : f.CurrentVersion, GenesisValidatorsRoot);
    }

    private ulong Epoch(ulong slot) => Misc.ComputeEpochAtSlot(Config, slot);

    /// <summary>spec: get_epoch_signature (the RANDAO reveal).</summary>
    public Bytes32 RandaoRoot(ulong epoch) => Misc.ComputeSigningRoot(Config, Misc.EpochRoot(epoch), Domain(Config.DomainRandao, epoch));

    /// <summary>spec: get_block_signature.</summary>
    public Bytes32 BlockRoot(BeaconBlock block) =>
        Misc.ComputeSigningRoot(Config, block, Domain(Config.DomainBeaconProposer, Epoch(block.Slot)));

    /// <summary>spec: get_attestation_signature.</summary>
    public Bytes32 AttestationRoot(AttestationData data) =>
        Misc.ComputeSigningRoot(Config, data, Domain(Config.DomainBeaconAttester, data.Target.Epoch));

    /// <summary>spec: get_slot_signature (the selection proof).</summary>
    public Bytes32 SelectionProofRoot(ulong slot) =>
        ValidatorHelpers.SlotSigningRoot(Config, slot, Domain(Config.DomainSelectionProof, Epoch(slot)));

    /// <summary>spec: get_aggregate_and_proof_signature.</summary>
    public Bytes32 AggregateAndProofRoot(AggregateAndProof message) =>
        Misc.ComputeSigningRoot(Config, message, Domain(Config.DomainAggregateAndProof, Epoch(message.Aggregate.Data.Slot)));

    public static Bytes96 Sign(BlsSecretKey key, Bytes32 signingRoot) => Bytes96.FromSpan(key.Sign(signingRoot.AsSpan()).ToBytes());
}
