using Cirrus.Consensus.Config;
using Cirrus.Consensus.ForkChoice;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using Cirrus.Storage;

namespace Cirrus.Node;

/// <summary>Why a block was not imported, in words for logs and API errors.</summary>
public sealed class BlockImportException(string message, bool unknownParent = false) : Exception(message)
{
    /// <summary>True when the block may become importable once its parent arrives.</summary>
    public bool UnknownParent { get; } = unknownParent;
}

/// <summary>What became of a submitted block.</summary>
public enum BlockSubmitResult
{
    /// <summary>Imported now (or already known).</summary>
    Imported,
    /// <summary>Held until its slot starts or its parent arrives, then imported.</summary>
    Queued,
}

/// <summary>
/// Where a chain starts: a genesis state (the genesis block is derived from it) or a trusted
/// finalized state with its block (checkpoint sync).
/// </summary>
public sealed record ChainAnchor(BeaconState State, SignedBeaconBlock? Block = null)
{
    public bool IsGenesis => Block is null;
}

/// <summary>
/// The chain as the node sees it: the fork-choice store over the blocks above finality, and (when
/// opened on a <see cref="BeaconStore"/>) everything persisted so that a restart resumes exactly
/// where it stopped. Import runs the state transition with batched signature checks, writes the
/// block, its post-state summary and the new head in one atomic store write, then tells listeners.
/// Thread-safe: one lock orders imports, attestations, ticks and reads; events fire outside it.
/// </summary>
public sealed class BeaconChain : IDisposable
{
    /// <summary>Post-states are stored in full at the first block of every this-many epochs.</summary>
    public const ulong SnapshotEveryEpochs = 2;
    /// <summary>Below finality one snapshot per this-many epochs is kept, so any historical state regenerates with bounded replay.</summary>
    public const ulong ArchiveSnapshotEpochs = 64;
    /// <summary>Blocks may arrive this many slots ahead of the clock; they wait for their slot.</summary>
    public const ulong MaxEarlySlots = 2;
    /// <summary>Blocks held for a missing parent or an early slot, at most.</summary>
    public const int MaxQueuedBlocks = 256;

    private readonly Lock _lock = new();
    private ForkChoiceStore _store = null!;
    private readonly Dictionary<Bytes32, SignedBeaconBlock> _blocks = [];
    private readonly Dictionary<Bytes32, SignedBeaconBlock> _queued = []; // by block root
    private readonly ISignatureVerifier? _verifier;
    private readonly BeaconStore? _db;
    private readonly Func<DateTimeOffset>? _clock;
    private readonly Action<string> _log;
    private Bytes32 _storedHead; // the head the store holds (saves a synced write per block)

    public ChainConfig Config { get; }
    /// <summary>The genesis state, when the chain started from genesis (null after a checkpoint start).</summary>
    public BeaconState? GenesisState { get; private set; }
    /// <summary>The genesis block root, when known.</summary>
    public Bytes32? GenesisBlockRoot { get; private set; }
    public ulong GenesisTime { get; private set; }
    public Bytes32 GenesisValidatorsRoot { get; private set; }
    /// <summary>The block the chain was started from (genesis or the checkpoint block).</summary>
    public Bytes32 AnchorRoot { get; private set; }
    public Bytes32 Head { get; private set; }

    /// <summary>Chain events (blocks, head changes, reorgs, finality, attestations). Handlers must be quick.</summary>
    public event Action<ChainEvent>? Events;

    /// <summary>An in-memory chain from a genesis state (tests, tools).</summary>
    public BeaconChain(ChainConfig config, BeaconState genesisState, ISignatureVerifier? verifier)
        : this(config, null, verifier, null, null)
    {
        StartFromAnchor(new ChainAnchor(genesisState));
    }

    private BeaconChain(ChainConfig config, BeaconStore? db, ISignatureVerifier? verifier, Func<DateTimeOffset>? clock, Action<string>? log)
    {
        Config = config;
        _db = db;
        _verifier = verifier;
        _clock = clock;
        _log = log ?? (_ => { });
    }

    /// <summary>
    /// Opens the chain on a store. A new store is initialized from <paramref name="anchor"/>
    /// (required then); an initialized one resumes: fork choice is rebuilt from the finalized
    /// state and every stored block above it is replayed (signatures were checked at import).
    /// A given anchor must then be of the same chain. Throws <see cref="StoreException"/> for a
    /// store that cannot be used and <see cref="BlockImportException"/> for a bad anchor.
    /// </summary>
    public static BeaconChain Open(ChainConfig config, BeaconStore db, ChainAnchor? anchor, ISignatureVerifier? verifier,
        Func<DateTimeOffset>? clock = null, Action<string>? log = null)
    {
        var chain = new BeaconChain(config, db, verifier, clock, log);
        if (!db.IsInitialized)
        {
            if (anchor is null) throw new StoreException($"database '{db.Path}' is empty: a genesis or checkpoint state is needed to start");
            chain.StartFromAnchor(anchor);
        }
        else
        {
            if (anchor is not null && anchor.State.GenesisValidatorsRoot != db.Genesis!.Value.GenesisValidatorsRoot)
                throw new StoreException($"database '{db.Path}' holds another chain (genesis validators root {db.Genesis.Value.GenesisValidatorsRoot}, given {anchor.State.GenesisValidatorsRoot})");
            chain.Resume(anchor is { IsGenesis: true } ? anchor.State : null);
        }
        return chain;
    }

    /// <summary>Computes the anchor block root and checks that a checkpoint block matches its state.</summary>
    public static Bytes32 AnchorBlockRoot(ChainConfig config, ChainAnchor anchor, out SignedBeaconBlock block)
    {
        var header = config.Schema.Copy(anchor.State.LatestBlockHeader);
        if (header.StateRoot.IsZero) header.StateRoot = config.Schema.HashTreeRoot(anchor.State);
        var root = config.Schema.HashTreeRoot(header);
        if (anchor.Block is null)
        {
            if (anchor.State.Slot != ChainConfig.GenesisSlot)
                throw new BlockImportException($"a state at slot {anchor.State.Slot} is not a genesis state: give its block too (checkpoint start)");
            block = new SignedBeaconBlock { Message = new BeaconBlock { Slot = header.Slot, StateRoot = header.StateRoot } };
        }
        else
        {
            block = anchor.Block;
            var blockRoot = config.Schema.HashTreeRoot(block.Message);
            if (blockRoot != root)
                throw new BlockImportException($"checkpoint block {blockRoot} (slot {block.Message.Slot}) is not the latest block of the checkpoint state (expected {root})");
        }
        if (config.Schema.HashTreeRoot(block.Message) != root)
            throw new BlockImportException("the genesis state's latest block header is not an empty genesis block");
        return root;
    }

    private void StartFromAnchor(ChainAnchor anchor)
    {
        var root = AnchorBlockRoot(Config, anchor, out var block);
        var state = anchor.State;
        // Fork choice starts at the anchor's epoch boundary (a checkpoint state may still be at its block's slot).
        var cs = new CachedBeaconState(Config, Config.Schema.Copy(state));
        ulong epochStart = Misc.ComputeStartSlotAtEpoch(Config, Misc.ComputeEpochAtSlot(Config, state.Slot));
        if (state.Slot > epochStart && !anchor.IsGenesis)
            StateTransition.ProcessSlots(cs, Misc.ComputeStartSlotAtEpoch(Config, Misc.ComputeEpochAtSlot(Config, state.Slot) + 1));
        _store = ForkChoiceStore.GetForkchoiceStore(Config, cs.State);
        GenesisTime = state.GenesisTime;
        GenesisValidatorsRoot = state.GenesisValidatorsRoot;
        AnchorRoot = root;
        if (anchor.IsGenesis)
        {
            GenesisState = state;
            GenesisBlockRoot = root;
        }
        _blocks[root] = block;
        Head = root;
        if (_db is not null)
        {
            var anchorState = cs.State;
            _db.Initialize(new GenesisInfo(GenesisTime, GenesisValidatorsRoot),
                new ForkChoiceAnchor(root, Config.Schema.HashTreeRoot(anchorState), anchorState.Slot, _store.FinalizedCheckpoint.Copy()),
                block, anchorState);
            _storedHead = root;
        }
        TickToNow();
    }

    private void Resume(BeaconState? genesisState)
    {
        var db = _db!;
        var anchor = db.Anchor!;
        var fin = db.Finalized!;
        GenesisTime = db.Genesis!.Value.GenesisTime;
        GenesisValidatorsRoot = db.Genesis.Value.GenesisValidatorsRoot;
        AnchorRoot = anchor.BlockRoot;
        if (genesisState is not null && anchor.Slot == ChainConfig.GenesisSlot)
        {
            GenesisState = genesisState;
            GenesisBlockRoot = anchor.BlockRoot;
        }

        BeaconState finState;
        ulong finBlockSlot;
        if (fin.Root == anchor.BlockRoot || fin.Root.IsZero)
        {
            finState = db.GetStateSnapshot(anchor.StateRoot)
                ?? db.RegenerateState(anchor.StateRoot, Replay)
                ?? throw new StoreException($"database '{db.Path}': the anchor state {anchor.StateRoot} is missing");
            finBlockSlot = db.GetBlockSummary(anchor.BlockRoot)?.Slot ?? anchor.Slot;
        }
        else
        {
            var summary = db.GetBlockSummary(fin.Root)
                ?? throw new StoreException($"database '{db.Path}': the finalized block {fin.Root} is missing");
            finState = db.RegenerateState(summary.StateRoot, Replay)
                ?? throw new StoreException($"database '{db.Path}': the finalized state {summary.StateRoot} is missing");
            finBlockSlot = summary.Slot;
        }
        var cs = new CachedBeaconState(Config, finState);
        ulong checkpointSlot = Misc.ComputeStartSlotAtEpoch(Config, fin.Epoch);
        if (cs.State.Slot < checkpointSlot) StateTransition.ProcessSlots(cs, checkpointSlot);
        _store = ForkChoiceStore.GetForkchoiceStore(Config, cs.State);
        var finRoot = _store.FinalizedCheckpoint.Root;
        if (finRoot != (fin.Root.IsZero ? anchor.BlockRoot : fin.Root))
            throw new StoreException($"database '{db.Path}': the regenerated finalized state belongs to block {finRoot}, not {fin.Root}");
        _blocks[finRoot] = db.GetBlock(finRoot) ?? throw new StoreException($"database '{db.Path}': block {finRoot} is missing");

        // Replay the blocks above finality, forks included, so fork choice sees what it saw before.
        var roots = db.GetBlockRootsAfter(finBlockSlot).ToList();
        ulong lastSlot = roots.Count > 0 ? roots[^1].Slot : cs.State.Slot;
        _store.OnTick(Math.Max(NowSeconds() ?? 0, GenesisTime + lastSlot * Config.SecondsPerSlot));
        int replayed = 0;
        foreach (var (_, root) in roots)
        {
            var block = db.GetBlock(root);
            if (block is null || !_store.ContainsBlock(block.Message.ParentRoot)) continue;
            try
            {
                _store.OnBlock(block, null);
            }
            catch (Exception e) when (e is ForkChoiceException or StateTransitionException)
            {
                _log($"stored block {root} no longer imports: {e.Message}");
                continue;
            }
            _blocks[root] = block;
            ApplyBlockAttestations(block);
            replayed++;
        }
        Head = _store.GetHead();
        _storedHead = db.Head!.Value.Root;
        _log($"resumed from {db.Path}: finalized epoch {fin.Epoch}, {replayed} blocks replayed, head {Head} at slot {SlotOf(Head)}");
    }

    /// <summary>Rebuilds a stored state by replaying its blocks (signatures were checked at import).</summary>
    private BeaconState Replay(BeaconState baseState, IReadOnlyList<SignedBeaconBlock> blocks, ulong targetSlot)
    {
        var cs = new CachedBeaconState(Config, baseState);
        foreach (var b in blocks) StateTransition.Apply(cs, b, null, validateResult: false);
        if (cs.State.Slot < targetSlot) StateTransition.ProcessSlots(cs, targetSlot);
        return cs.State;
    }

    private ulong? NowSeconds() => _clock is null ? null : (ulong)Math.Max(0, _clock().ToUnixTimeSeconds());

    private void TickToNow()
    {
        if (NowSeconds() is { } now) _store.OnTick(now);
    }

    public Checkpoint FinalizedCheckpoint { get { lock (_lock) return _store.FinalizedCheckpoint.Copy(); } }

    public Checkpoint JustifiedCheckpoint { get { lock (_lock) return _store.JustifiedCheckpoint.Copy(); } }

    public ulong CurrentSlot { get { lock (_lock) { TickToNow(); return _store.GetCurrentSlot(); } } }

    /// <summary>Slot of the head block.</summary>
    public ulong HeadSlot { get { lock (_lock) return SlotOf(Head); } }

    private ulong SlotOf(Bytes32 root) => _store.Blocks.GetSlot(root) ?? _blocks.GetValueOrDefault(root)?.Message.Slot ?? 0;

    /// <summary>Blocks waiting for their slot or their parent.</summary>
    public int QueuedBlocks { get { lock (_lock) return _queued.Count; } }

    /// <summary>Advances the fork-choice clock (unix seconds) and imports blocks whose slot has come.</summary>
    public void OnTick(ulong unixTime)
    {
        var events = new List<ChainEvent>();
        lock (_lock)
        {
            _store.OnTick(unixTime);
            ImportReadyQueued(events);
            UpdateHead(events);
        }
        Raise(events);
        FlushDeferredAttestations(); // votes from the slot that just ended now count
    }

    /// <summary>Imports a block now; throws <see cref="BlockImportException"/> if it cannot be.</summary>
    public Bytes32 ImportBlock(SignedBeaconBlock block)
    {
        var events = new List<ChainEvent>();
        Bytes32 root;
        lock (_lock)
        {
            TickToNow();
            root = ImportLocked(block, events);
            ImportChildrenOf(root, events);
            UpdateHead(events);
        }
        Raise(events);
        return root;
    }

    /// <summary>
    /// Imports a block, or holds it when it is early (up to <see cref="MaxEarlySlots"/>) or its
    /// parent is unknown. Throws <see cref="BlockImportException"/> for a block that is invalid.
    /// </summary>
    public BlockSubmitResult SubmitBlock(SignedBeaconBlock block)
    {
        var events = new List<ChainEvent>();
        BlockSubmitResult result;
        lock (_lock)
        {
            TickToNow();
            ulong current = _store.GetCurrentSlot();
            var root = Config.Schema.HashTreeRoot(block.Message);
            if (_store.ContainsBlock(root)) return BlockSubmitResult.Imported;
            if (block.Message.Slot > current)
            {
                if (block.Message.Slot > current + MaxEarlySlots)
                    throw new BlockImportException($"block at slot {block.Message.Slot} is too far ahead of the current slot {current}");
                Enqueue(root, block);
                return BlockSubmitResult.Queued;
            }
            try
            {
                ImportLocked(block, events);
                ImportChildrenOf(root, events);
                result = BlockSubmitResult.Imported;
            }
            catch (BlockImportException e) when (e.UnknownParent)
            {
                Enqueue(root, block);
                result = BlockSubmitResult.Queued;
            }
            UpdateHead(events);
        }
        Raise(events);
        return result;
    }

    private void Enqueue(Bytes32 root, SignedBeaconBlock block)
    {
        if (_queued.Count >= MaxQueuedBlocks)
        {
            // Drop the block furthest ahead: the nearest ones are the likeliest to import.
            var drop = _queued.MaxBy(kv => kv.Value.Message.Slot);
            _queued.Remove(drop.Key);
        }
        _queued[root] = block;
    }

    private void ImportReadyQueued(List<ChainEvent> events)
    {
        if (_queued.Count == 0) return;
        ulong current = _store.GetCurrentSlot();
        foreach (var (root, block) in _queued.Where(kv => kv.Value.Message.Slot <= current).OrderBy(kv => kv.Value.Message.Slot).ToList())
        {
            if (!_queued.ContainsKey(root)) continue; // imported as a child meanwhile
            if (!_store.ContainsBlock(block.Message.ParentRoot))
            {
                if (block.Message.Slot + Config.SlotsPerEpoch * 2 < current) _queued.Remove(root); // parent never came
                continue;
            }
            _queued.Remove(root);
            try
            {
                ImportLocked(block, events);
                ImportChildrenOf(root, events);
            }
            catch (BlockImportException e)
            {
                _log($"queued block {root} at slot {block.Message.Slot} dropped: {e.Message}");
            }
        }
    }

    private void ImportChildrenOf(Bytes32 parent, List<ChainEvent> events)
    {
        var stack = new Stack<Bytes32>();
        stack.Push(parent);
        ulong current = _store.GetCurrentSlot();
        while (stack.Count > 0)
        {
            var p = stack.Pop();
            foreach (var (root, block) in _queued.Where(kv => kv.Value.Message.ParentRoot == p && kv.Value.Message.Slot <= current).ToList())
            {
                _queued.Remove(root);
                try
                {
                    ImportLocked(block, events);
                    stack.Push(root);
                }
                catch (BlockImportException e)
                {
                    _log($"queued block {root} at slot {block.Message.Slot} dropped: {e.Message}");
                }
            }
        }
    }

    private Bytes32 ImportLocked(SignedBeaconBlock block, List<ChainEvent> events)
    {
        var root = Config.Schema.HashTreeRoot(block.Message);
        if (_store.ContainsBlock(root)) return root;
        ulong finalizedBefore = _store.FinalizedCheckpoint.Epoch;
        try
        {
            _store.OnBlock(block, _verifier);
        }
        catch (ForkChoiceException e)
        {
            throw new BlockImportException(e.Message, e.UnknownParent);
        }
        catch (StateTransitionException e)
        {
            throw new BlockImportException($"invalid block at slot {block.Message.Slot}: {e.Message}");
        }
        _blocks[root] = block;
        ApplyBlockAttestations(block);
        var newHead = _store.GetHead();
        if (_db is not null)
        {
            var post = _store.GetBlockState(root)!.State;
            ulong epoch = Misc.ComputeEpochAtSlot(Config, block.Message.Slot);
            ulong parentEpoch = Misc.ComputeEpochAtSlot(Config, SlotOf(block.Message.ParentRoot));
            bool snapshot = epoch > parentEpoch && epoch % SnapshotEveryEpochs == 0;
            _db.ImportBlock(new BlockImport(root, block, snapshot ? post : null,
                new HeadUpdate(newHead, _store.JustifiedCheckpoint.Copy(), _store.FinalizedCheckpoint.Copy())));
            _storedHead = newHead;
        }
        events.Add(new BlockEvent(block.Message.Slot, root));
        if (_store.FinalizedCheckpoint.Epoch > finalizedBefore)
        {
            var fin = _store.FinalizedCheckpoint.Copy();
            var finState = _store.GetBlockState(fin.Root);
            events.Add(new FinalizedCheckpointEvent(fin.Root, finState is null ? default : Config.Schema.HashTreeRoot(finState.State), fin.Epoch));
            foreach (var r in _blocks.Keys.Where(r => !_store.ContainsBlock(r)).ToList()) _blocks.Remove(r);
            if (_db is not null)
            {
                var pruned = _db.Prune(ArchiveSnapshotEpochs * Config.SlotsPerEpoch);
                if (pruned.Blocks > 0) _log($"pruned {pruned.Blocks} blocks that finality made unreachable");
            }
        }
        return root;
    }

    private void ApplyBlockAttestations(SignedBeaconBlock block)
    {
        foreach (var att in block.Message.Body.Attestations)
        {
            // Attestations a block carries also count for fork choice when they still can.
            try { _store.OnAttestation(att, null); }
            catch (ForkChoiceException) { }
            catch (StateTransitionException) { }
        }
    }

    /// <summary>Re-runs fork choice; records a new head (and a reorg) in events and the store.</summary>
    private void UpdateHead(List<ChainEvent> events)
    {
        var newHead = _store.GetHead();
        if (newHead == Head) return;
        var old = Head;
        Head = newHead;
        ulong newSlot = SlotOf(newHead), oldSlot = SlotOf(old);
        var newStateRoot = _blocks.GetValueOrDefault(newHead)?.Message.StateRoot ?? default;
        bool epochTransition = Misc.ComputeEpochAtSlot(Config, newSlot) > Misc.ComputeEpochAtSlot(Config, oldSlot);
        if (_store.ContainsBlock(old) && _store.GetAncestor(newHead, oldSlot) != old)
        {
            ulong common = oldSlot;
            while (common > 0 && _store.GetAncestor(newHead, common) != _store.GetAncestor(old, common)) common--;
            events.Add(new ChainReorgEvent(newSlot, oldSlot - common, old, newHead,
                _blocks.GetValueOrDefault(old)?.Message.StateRoot ?? default, newStateRoot, Misc.ComputeEpochAtSlot(Config, newSlot)));
        }
        events.Add(new HeadEvent(newSlot, newHead, newStateRoot, epochTransition));
        if (_db is not null && newHead != _storedHead)
        {
            // Written with the block when an import moved it; otherwise (votes, ticks) here.
            _db.UpdateHead(new HeadUpdate(newHead, _store.JustifiedCheckpoint.Copy(), _store.FinalizedCheckpoint.Copy()));
            _storedHead = newHead;
        }
    }

    private void Raise(List<ChainEvent> events)
    {
        var handlers = Events;
        if (handlers is null) return;
        foreach (var e in events)
        {
            try { handlers(e); }
            catch (Exception ex) { _log($"event listener failed: {ex.Message}"); }
        }
    }

    public SignedBeaconBlock? GetBlock(Bytes32 root)
    {
        lock (_lock)
        {
            if (_blocks.TryGetValue(root, out var b)) return b;
        }
        return _db?.GetBlock(root);
    }

    /// <summary>The canonical block root at a slot (the latest block at or before it on the head chain).</summary>
    public Bytes32? CanonicalRootAt(ulong slot)
    {
        lock (_lock)
        {
            var fin = _store.FinalizedCheckpoint.Root;
            if (slot >= SlotOf(fin) || _db is null) return slot < SlotOf(AnchorRoot) ? null : _store.GetAncestor(Head, slot);
        }
        return _db.GetCanonicalBlockRootAtOrBefore(slot)?.Root;
    }

    /// <summary>Post-state of a block (a copy), if it is held in memory or can be rebuilt from the store.</summary>
    public BeaconState? GetBlockState(Bytes32 blockRoot)
    {
        lock (_lock)
        {
            var cs = _store.GetBlockState(blockRoot);
            if (cs is not null) return CachedBeaconState.CopyState(Config, cs.State);
        }
        if (_db?.GetBlockSummary(blockRoot) is not { } summary) return null;
        try { return _db.RegenerateState(summary.StateRoot, Replay); }
        catch (StoreException) { return null; }
    }

    /// <summary>
    /// The canonical state at a slot: the block state at or before it, advanced through empty slots
    /// (at most <see cref="MaxSlotsToAdvance"/>). Below finality it is rebuilt from the store. Null for
    /// future slots and for slots too far past the last block to be worth computing.
    /// </summary>
    public BeaconState? GetStateAtSlot(ulong slot)
    {
        ulong finalizedSlot;
        lock (_lock)
        {
            TickToNow();
            if (slot > _store.GetCurrentSlot()) return null;
            finalizedSlot = SlotOf(_store.FinalizedCheckpoint.Root);
        }
        if (slot >= finalizedSlot || _db is null) return GetCanonicalState(slot)?.State.State;
        if (_db.GetCanonicalBlockRootAtOrBefore(slot) is not { } at || slot - at.Slot > MaxSlotsToAdvance) return null;
        var state = GetBlockState(at.Root);
        if (state is null || state.Slot > slot) return null;
        var cs = new CachedBeaconState(Config, state);
        if (cs.State.Slot < slot) StateTransition.ProcessSlots(cs, slot);
        return cs.State;
    }

    /// <summary>Leaves of the block tree (debug/beacon/heads).</summary>
    public IReadOnlyList<(Bytes32 Root, ulong Slot)> Heads()
    {
        lock (_lock) return _store.Blocks.Nodes().Where(n => n.IsLeaf).Select(n => (n.Root, n.Slot)).ToList();
    }

    public void Dispose() => _db?.Dispose();

    // --- block production support ---

    private Pools.AttestationPool? _attestationPool;
    private Pools.OperationPool? _operationPool;
    private readonly List<Attestation> _deferredForkChoice = [];

    /// <summary>Current-slot attestations queued for fork choice at most.</summary>
    public const int MaxDeferredAttestations = 1 << 16;

    /// <summary>Verified attestations waiting for blocks (created on first use).</summary>
    public Pools.AttestationPool Attestations =>
        LazyInitializer.EnsureInitialized(ref _attestationPool, () => new Pools.AttestationPool(Config));

    /// <summary>Slashings and exits waiting for blocks, checked with the chain's signature verifier.</summary>
    public Pools.OperationPool Operations =>
        LazyInitializer.EnsureInitialized(ref _operationPool, () => new Pools.OperationPool(Config, _verifier));

    /// <summary>The chain's signature verifier (null when the chain checks no signatures).</summary>
    public ISignatureVerifier? SignatureVerifier => _verifier;

    /// <summary>How far past its block a state is advanced for production, duties and attestation data.</summary>
    public ulong MaxSlotsToAdvance => 4 * Config.SlotsPerEpoch;

    /// <summary>
    /// The canonical block at or before <paramref name="slot"/> (on the head chain) and a copy of its
    /// state advanced through empty slots to <paramref name="slot"/>, with the state's caches. For a
    /// slot after the head this is the head state advanced. Null when the state is not held or the
    /// slot is more than <see cref="MaxSlotsToAdvance"/> past that block.
    /// </summary>
    public (Bytes32 BlockRoot, CachedBeaconState State)? GetCanonicalState(ulong slot)
    {
        Bytes32 blockRoot;
        CachedBeaconState copy;
        lock (_lock)
        {
            var root = _store.GetAncestor(Head, slot);
            if (root is null) return null;
            var cs = _store.GetBlockState(root.Value);
            if (cs is null || cs.State.Slot > slot || slot - cs.State.Slot > MaxSlotsToAdvance) return null;
            blockRoot = root.Value;
            copy = cs.Copy();
        }
        // Advancing is the costly part; the copy is private, so imports need not wait for it.
        if (copy.State.Slot < slot) StateTransition.ProcessSlots(copy, slot);
        return (blockRoot, copy);
    }

    /// <summary>
    /// Hands an attestation whose signature the caller verified to fork choice: now if its slot is past, otherwise
    /// queued until <see cref="FlushDeferredAttestations"/> runs in a later slot (fork choice only
    /// counts attestations from the slot after theirs; its AttestationEvent fires then too).
    /// Returns false when fork choice rejects it.
    /// </summary>
    public bool OnVerifiedAttestation(Attestation attestation)
    {
        FlushDeferredAttestations(); // new votes arrive every slot: the queue drains even without a caller per tick
        lock (_lock)
        {
            TickToNow();
            if (attestation.Data.Slot >= _store.GetCurrentSlot())
            {
                // Bounded: if no one flushes, the oldest give way.
                if (_deferredForkChoice.Count >= MaxDeferredAttestations) _deferredForkChoice.RemoveAt(0);
                _deferredForkChoice.Add(attestation);
                return true;
            }
        }
        return TryForkChoice(attestation);
    }

    /// <summary>Applies queued attestations whose slot has passed; call once per slot (e.g. after OnTick).</summary>
    public void FlushDeferredAttestations()
    {
        List<Attestation> due;
        lock (_lock)
        {
            TickToNow();
            ulong now = _store.GetCurrentSlot();
            due = _deferredForkChoice.Where(a => a.Data.Slot < now).ToList();
            _deferredForkChoice.RemoveAll(a => a.Data.Slot < now);
        }
        foreach (var a in due) TryForkChoice(a);
    }

    /// <summary>OnAttestation without re-checking the signature: callers verified it already (BLS is the cost).</summary>
    private bool TryForkChoice(Attestation attestation)
    {
        var events = new List<ChainEvent>();
        lock (_lock)
        {
            TickToNow();
            try
            {
                _store.OnAttestation(attestation, null);
            }
            catch (Exception e) when (e is ForkChoiceException or StateTransitionException)
            {
                return false;
            }
            events.Add(new AttestationEvent(attestation));
            UpdateHead(events);
        }
        Raise(events);
        return true;
    }
}
