using Cirrus.Consensus.Config;
using Cirrus.Consensus.ForkChoice;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using Cirrus.Storage;

namespace Cirrus.Node;

/// <summary>
/// What the chain's parts share: the fork-choice store, the blocks above finality, the head and
/// the database, all guarded by <see cref="Lock"/>. Holders of the lock only do cheap things
/// (lookups, copies, fork-choice updates, store writes); state transitions run outside it.
/// </summary>
internal sealed class ChainCore(ChainConfig config, BeaconStore? db, ISignatureVerifier? verifier, Func<DateTimeOffset>? clock, Action<string> log)
{
    public readonly Lock Lock = new();
    public ChainConfig Config { get; } = config;
    public BeaconStore? Db { get; } = db;
    public ISignatureVerifier? Verifier { get; } = verifier;
    public Action<string> Log { get; } = log;
    public ForkChoiceStore Store
    {
        get => _store;
        set
        {
            _store = value;
            _store.StateResolver = RebuildState;
        }
    }
    private ForkChoiceStore _store = null!;
    public Dictionary<Bytes32, SignedBeaconBlock> Blocks { get; } = [];
    public Bytes32 Head { get; set; }
    public ulong GenesisTime { get; set; }

    /// <summary>Unix seconds from the clock, or null for a chain driven only by OnTick.</summary>
    public ulong? NowSeconds() => clock is null ? null : (ulong)Math.Max(0, clock().ToUnixTimeSeconds());

    /// <summary>
    /// The slot the clock shows, never behind fork choice's (which only OnTick and imports move).
    /// Reads the store's time under the lock, briefly.
    /// </summary>
    public ulong CurrentSlot()
    {
        ulong forkChoice;
        lock (Lock) forkChoice = Store.GetCurrentSlot();
        if (NowSeconds() is not { } now || now < GenesisTime) return forkChoice;
        return Math.Max(forkChoice, (now - GenesisTime) / Config.SecondsPerSlot);
    }

    /// <summary>Moves fork choice's time to the clock's; call under the lock, from write paths only.</summary>
    public void TickToNow()
    {
        if (NowSeconds() is { } now) Store.OnTick(now);
    }

    /// <summary>
    /// The post-state of a block fork choice holds without its state (the middle of a sync
    /// segment): its blocks replayed, signatures unchecked (they were checked on import), onto
    /// the nearest ancestor whose state is held. Under the lock; null if a block is missing.
    /// </summary>
    private CachedBeaconState? RebuildState(Bytes32 root)
    {
        var path = new List<SignedBeaconBlock>();
        CachedBeaconState? baseState;
        for (var r = root; (baseState = _store.GetBlockState(r)) is null;)
        {
            if (!Blocks.TryGetValue(r, out var block)) return null;
            path.Add(block);
            r = block.Message.ParentRoot;
        }
        var state = baseState.Copy(withHashCache: false);
        for (int i = path.Count - 1; i >= 0; i--) StateTransition.Apply(state, path[i], null, validateResult: false);
        return state;
    }

    /// <summary>Slot of a held block (under the lock).</summary>
    public ulong SlotOf(Bytes32 root) => Store.Blocks.GetSlot(root) ?? Blocks.GetValueOrDefault(root)?.Message.Slot ?? 0;

    /// <summary>
    /// The checkpoint states fork choice will need for these attestation targets and does not
    /// hold, computed outside the lock (after downtime one is the head state advanced by many
    /// epochs). Hand the result to <see cref="AddCheckpointStates"/> under the lock.
    /// </summary>
    /// <remarks><paramref name="local"/>: states not in the store yet (a segment's kept states), looked at first.</remarks>
    public List<(Checkpoint Target, CachedBeaconState State)> ComputeCheckpointStates(IEnumerable<Checkpoint> targets,
        IReadOnlyDictionary<Bytes32, CachedBeaconState>? local = null)
    {
        ulong currentEpoch = Misc.ComputeEpochAtSlot(Config, CurrentSlot());
        var result = new List<(Checkpoint, CachedBeaconState)>();
        var seen = new HashSet<Checkpoint>();
        foreach (var target in targets)
        {
            // Fork choice only takes targets of the current and previous epochs: nothing to prepare for others.
            if (target.Epoch > currentEpoch || target.Epoch + 1 < currentEpoch || !seen.Add(target)) continue;
            CachedBeaconState copy;
            if (local != null && local.TryGetValue(target.Root, out var localState)) copy = localState.Copy();
            else
                lock (Lock)
                {
                    if (Store.HasCheckpointState(target) || Store.GetBlockState(target.Root) is not { } baseState) continue;
                    copy = baseState.Copy();
                }
            ulong start = Misc.ComputeStartSlotAtEpoch(Config, target.Epoch);
            if (copy.State.Slot < start) StateTransition.ProcessSlots(copy, start);
            copy.ReleaseHashCache(); // a checkpoint state is only read
            result.Add((target, copy));
        }
        return result;
    }

    /// <summary>Gives fork choice the checkpoint states computed by <see cref="ComputeCheckpointStates"/> (under the lock).</summary>
    public void AddCheckpointStates(List<(Checkpoint Target, CachedBeaconState State)> states)
    {
        foreach (var (target, state) in states) Store.AddCheckpointState(target, state);
    }
}
