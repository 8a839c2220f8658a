using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Node;

/// <summary>What the chain tells its listeners (the API's event stream, logs, metrics).</summary>
public abstract record ChainEvent;

/// <summary>A block was imported (not necessarily the head).</summary>
public sealed record BlockEvent(ulong Slot, Bytes32 Block) : ChainEvent;

/// <summary>
/// The head changed. The duty dependent roots are the head chain's blocks at the last slot before the previous
/// and the current epoch (genesis when there is none): when one changes, duties computed against it are stale.
/// </summary>
public sealed record HeadEvent(ulong Slot, Bytes32 Block, Bytes32 State, bool EpochTransition) : ChainEvent
{
    public Bytes32 PreviousDutyDependentRoot { get; init; }
    public Bytes32 CurrentDutyDependentRoot { get; init; }
}

/// <summary>Finality advanced.</summary>
public sealed record FinalizedCheckpointEvent(Bytes32 Block, Bytes32 State, ulong Epoch) : ChainEvent;

/// <summary>The new head is not a descendant of the old one.</summary>
public sealed record ChainReorgEvent(ulong Slot, ulong Depth, Bytes32 OldHeadBlock, Bytes32 NewHeadBlock,
    Bytes32 OldHeadState, Bytes32 NewHeadState, ulong Epoch) : ChainEvent;

/// <summary>An attestation was accepted (from the API or a block producer's pool).</summary>
public sealed record AttestationEvent(Attestation Attestation) : ChainEvent;
