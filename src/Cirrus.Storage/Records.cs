using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Storage;

/// <summary>What the store keeps per block so the chain can be walked without decoding blocks.</summary>
/// <param name="Slot">The block's slot.</param>
/// <param name="ParentRoot">The block's parent root.</param>
/// <param name="StateRoot">The block's post-state root (<c>block.message.state_root</c>).</param>
public readonly record struct BlockSummary(ulong Slot, Bytes32 ParentRoot, Bytes32 StateRoot);

/// <summary>Where a state sits: its slot and the root of the latest block applied to it.</summary>
public readonly record struct StateSummary(ulong Slot, Bytes32 BlockRoot);

/// <summary>The head block and its slot.</summary>
public readonly record struct ChainHead(Bytes32 Root, ulong Slot);

/// <summary>Chain identity, fixed at initialization.</summary>
public readonly record struct GenesisInfo(ulong GenesisTime, Bytes32 GenesisValidatorsRoot);

/// <summary>
/// The block and state fork choice starts from (genesis, or a checkpoint-sync state), with the
/// checkpoint that is both justified and finalized there.
/// </summary>
public sealed record ForkChoiceAnchor(Bytes32 BlockRoot, Bytes32 StateRoot, ulong Slot, Checkpoint Checkpoint);

/// <summary>Head and finality after a fork-choice run; written together with whatever caused them.</summary>
public sealed record HeadUpdate(Bytes32 HeadRoot, Checkpoint Justified, Checkpoint Finalized);

/// <summary>
/// A state to record: its summary, and optionally the full state as a snapshot that later
/// regenerations start from.
/// </summary>
public sealed record StateRecord(Bytes32 StateRoot, ulong Slot, Bytes32 BlockRoot, BeaconState? Snapshot = null);

/// <summary>
/// One block import, committed as one atomic write: the block, its summary and slot index, its
/// post-state summary (root = <c>block.message.state_root</c>), an optional post-state snapshot,
/// optional further states (e.g. empty-slot states before the block), and optionally the new
/// head/finality with the canonical index updated to match.
/// </summary>
public sealed record BlockImport(
    Bytes32 BlockRoot,
    SignedBeaconBlock Block,
    BeaconState? PostStateSnapshot = null,
    HeadUpdate? Head = null,
    IReadOnlyList<StateRecord>? ExtraStates = null);

/// <summary>What one <see cref="BeaconStore.Prune"/> call removed.</summary>
public readonly record struct PruneResult(int Blocks, int States, int Snapshots, ulong FinalizedSlot);

/// <summary>
/// Rebuilds a state: starting from <paramref name="baseState"/> (a stored snapshot), apply
/// <paramref name="blocks"/> in order (oldest first; each with its empty slots processed first),
/// then advance with empty slots up to <paramref name="targetSlot"/>. Supplied by the caller so
/// that storage does not depend on the state transition. The base state may be mutated.
/// </summary>
public delegate BeaconState StateReplayer(BeaconState baseState, IReadOnlyList<SignedBeaconBlock> blocks, ulong targetSlot);
