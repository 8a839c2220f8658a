using Cirrus.Consensus.Types;

namespace Cirrus.Node;

/// <summary>One peer as node/peers shows it.</summary>
public sealed record PeerSummary(string PeerId, string? Enr, string LastSeenP2pAddress, string State, string Direction);

/// <summary>Sync state as node/syncing and node/health report it.</summary>
public readonly record struct SyncState(ulong HeadSlot, ulong SyncDistance, bool IsSyncing);

/// <summary>
/// What the REST API needs of the peer-to-peer layer, declared here so the API never references
/// the network project: identity, peers, sync state, and publishing what local validators submit.
/// The network layer implements it; a node without networking passes none.
/// </summary>
public interface INodeNetwork
{
    NodeIdentity Identity { get; }
    IReadOnlyList<PeerSummary> Peers { get; }
    SyncState Sync { get; }
    /// <summary>Range sync's progress in words (rate, slots to go, ETA) while it runs; null otherwise.</summary>
    string? SyncProgress => null;

    void PublishBlock(SignedBeaconBlock block);
    /// <summary>Publishes on beacon_attestation_{subnetId} (see MessageValidator.ComputeSubnetForAttestation).</summary>
    void PublishAttestation(Attestation attestation, ulong subnetId);
    void PublishAggregateAndProof(SignedAggregateAndProof aggregate);
    void PublishVoluntaryExit(SignedVoluntaryExit exit);
    void PublishProposerSlashing(ProposerSlashing slashing);
    void PublishAttesterSlashing(AttesterSlashing slashing);
}
