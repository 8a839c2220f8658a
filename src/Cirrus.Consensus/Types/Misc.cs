using Cirrus.Ssz;

namespace Cirrus.Consensus.Types;

// spec v0.12.3 beacon-chain.md "Containers / Misc dependencies". Slot, Epoch, Gwei,
// ValidatorIndex and CommitteeIndex are uint64; Root and Domain are Bytes32; Version is Bytes4.

public sealed class Fork
{
    public Bytes4 PreviousVersion { get; set; }
    public Bytes4 CurrentVersion { get; set; }
    public ulong Epoch { get; set; }
}

public sealed class ForkData
{
    public Bytes4 CurrentVersion { get; set; }
    public Bytes32 GenesisValidatorsRoot { get; set; }
}

public sealed class Checkpoint : IEquatable<Checkpoint>
{
    public ulong Epoch { get; set; }
    public Bytes32 Root { get; set; }

    public bool Equals(Checkpoint? other) => other is not null && other.Epoch == Epoch && other.Root == Root;
    public override bool Equals(object? obj) => Equals(obj as Checkpoint);
    public override int GetHashCode() => HashCode.Combine(Epoch, Root);
    public Checkpoint Copy() => new() { Epoch = Epoch, Root = Root };
    public override string ToString() => $"epoch {Epoch} {Root}";
}

public sealed class Validator
{
    // Fixed once the record exists (phase0 never changes them; the state hasher relies on it).
    public Bytes48 Pubkey { get; init; }
    public Bytes32 WithdrawalCredentials { get; init; }
    public ulong EffectiveBalance { get; set; }
    public bool Slashed { get; set; }
    public ulong ActivationEligibilityEpoch { get; set; }
    public ulong ActivationEpoch { get; set; }
    public ulong ExitEpoch { get; set; }
    public ulong WithdrawableEpoch { get; set; }
}

public sealed class AttestationData
{
    public ulong Slot { get; set; }
    public ulong Index { get; set; }
    public Bytes32 BeaconBlockRoot { get; set; }
    public Checkpoint Source { get; set; } = new();
    public Checkpoint Target { get; set; } = new();
}

public sealed class IndexedAttestation
{
    [SszList("MAX_VALIDATORS_PER_COMMITTEE")] public List<ulong> AttestingIndices { get; set; } = [];
    public AttestationData Data { get; set; } = new();
    public Bytes96 Signature { get; set; }
}

public sealed class PendingAttestation
{
    [SszList("MAX_VALIDATORS_PER_COMMITTEE")] public Bitlist AggregationBits { get; set; } = new(0);
    public AttestationData Data { get; set; } = new();
    public ulong InclusionDelay { get; set; }
    public ulong ProposerIndex { get; set; }
}

public sealed class Eth1Data
{
    public Bytes32 DepositRoot { get; set; }
    public ulong DepositCount { get; set; }
    public Bytes32 BlockHash { get; set; }
}

public sealed class HistoricalBatch
{
    [SszVector("SLOTS_PER_HISTORICAL_ROOT")] public Bytes32[] BlockRoots { get; set; } = [];
    [SszVector("SLOTS_PER_HISTORICAL_ROOT")] public Bytes32[] StateRoots { get; set; } = [];
}

public sealed class DepositMessage
{
    public Bytes48 Pubkey { get; set; }
    public Bytes32 WithdrawalCredentials { get; set; }
    public ulong Amount { get; set; }
}

public sealed class DepositData
{
    public Bytes48 Pubkey { get; set; }
    public Bytes32 WithdrawalCredentials { get; set; }
    public ulong Amount { get; set; }
    public Bytes96 Signature { get; set; }
}

public sealed class BeaconBlockHeader
{
    public ulong Slot { get; set; }
    public ulong ProposerIndex { get; set; }
    public Bytes32 ParentRoot { get; set; }
    public Bytes32 StateRoot { get; set; }
    public Bytes32 BodyRoot { get; set; }
}

public sealed class SigningData
{
    public Bytes32 ObjectRoot { get; set; }
    public Bytes32 Domain { get; set; }
}

// spec: validator.md
public sealed class Eth1Block
{
    public ulong Timestamp { get; set; }
    public Bytes32 DepositRoot { get; set; }
    public ulong DepositCount { get; set; }
}
