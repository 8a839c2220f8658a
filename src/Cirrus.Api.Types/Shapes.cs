using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Api.Types;

// The Beacon API's JSON shapes (eth2 beacon-APIs v1, late 2020) that have no spec container.
// Declared as SSZ containers so the SSZ JSON codecs give them the API's form for free:
// snake_case names, integers as decimal strings, bytes as 0x hex. Read and write them with
// ChainConfig.Schema.Get<T>(). Shapes holding free text (validator status, errors) are
// hand-written in ApiJson.cs.

/// <summary>GET /eth/v1/beacon/genesis.</summary>
public sealed class GenesisData
{
    public ulong GenesisTime { get; set; }
    public Bytes32 GenesisValidatorsRoot { get; set; }
    public Bytes4 GenesisForkVersion { get; set; }
}

/// <summary>GET /eth/v1/beacon/states/{state_id}/finality_checkpoints.</summary>
public sealed class FinalityCheckpoints
{
    public Checkpoint PreviousJustified { get; set; } = new();
    public Checkpoint CurrentJustified { get; set; } = new();
    public Checkpoint Finalized { get; set; } = new();
}

/// <summary>{root}: GET .../states/{id}/root, .../blocks/{id}/root.</summary>
public sealed class RootData
{
    public Bytes32 Root { get; set; }
}

/// <summary>GET /eth/v1/node/syncing.</summary>
public sealed class SyncingStatus
{
    public ulong HeadSlot { get; set; }
    public ulong SyncDistance { get; set; }
    /// <summary>Added to the API after phase0's first servers; absent (false) from older ones.</summary>
    public bool IsSyncing { get; set; }
}

/// <summary>One entry of GET /eth/v1/beacon/states/{state_id}/validator_balances.</summary>
public sealed class ValidatorBalance
{
    public ulong Index { get; set; }
    public ulong Balance { get; set; }
}

/// <summary>One entry of GET /eth/v1/beacon/states/{state_id}/committees.</summary>
public sealed class BeaconCommittee
{
    public ulong Index { get; set; }
    public ulong Slot { get; set; }
    [SszList("MAX_VALIDATORS_PER_COMMITTEE")] public List<ulong> Validators { get; set; } = [];
}

/// <summary>One entry of POST /eth/v1/validator/duties/attester/{epoch}.</summary>
public sealed class AttesterDuty
{
    public Bytes48 Pubkey { get; set; }
    public ulong ValidatorIndex { get; set; }
    public ulong CommitteeIndex { get; set; }
    public ulong CommitteeLength { get; set; }
    public ulong CommitteesAtSlot { get; set; }
    public ulong ValidatorCommitteeIndex { get; set; }
    public ulong Slot { get; set; }
}

/// <summary>One entry of GET /eth/v1/validator/duties/proposer/{epoch}.</summary>
public sealed class ProposerDuty
{
    public Bytes48 Pubkey { get; set; }
    public ulong ValidatorIndex { get; set; }
    public ulong Slot { get; set; }
}

/// <summary>One entry of POST /eth/v1/validator/beacon_committee_subscriptions.</summary>
public sealed class BeaconCommitteeSubscription
{
    public ulong ValidatorIndex { get; set; }
    public ulong CommitteeIndex { get; set; }
    public ulong CommitteesAtSlot { get; set; }
    public ulong Slot { get; set; }
    public bool IsAggregator { get; set; }
}

/// <summary>Duties with the block root they depend on (a re-org past it changes them).</summary>
public sealed record Duties<T>(Bytes32? DependentRoot, IReadOnlyList<T> Items);
