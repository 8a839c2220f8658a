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
/// where it stopped. A composition of its parts: <see cref="BlockImporter"/> (transition outside the
/// lock, then store write, then fork choice), <see cref="BlockQueue"/> (early and orphan blocks),
/// <see cref="StateProvider"/> (state queries and the advanced head state) and
/// <see cref="NodePools"/> (pools and deferred votes). This type starts or resumes the chain, keeps
/// the head (with head and reorg events) and answers the public API.
/// Thread-safe: one lock orders fork-choice changes and reads, and is only held briefly; events fire outside it.
/// </summary>
public sealed class BeaconChain : IDisposable
{
    /// <summary>Post-states are stored in full at the first block of every this-many epochs.</summary>
    public const ulong SnapshotEveryEpochs = BlockImporter.SnapshotEveryEpochs;
    /// <summary>Below finality one snapshot per this-many epochs is kept, so any historical state regenerates with bounded replay.</summary>
    public const ulong ArchiveSnapshotEpochs = BlockImporter.ArchiveSnapshotEpochs;
    /// <summary>Blocks may arrive this many slots ahead of the clock; they wait for their slot.</summary>
    public const ulong MaxEarlySlots = 2;
    /// <summary>Blocks held for a missing parent or an early slot, at most.</summary>
    public const int MaxQueuedBlocks = 256;
    /// <summary>Current-slot attestations queued for fork choice at most.</summary>
    public const int MaxDeferredAttestations = 1 << 16;

    private readonly ChainCore _core;
    private readonly BlockImporter _importer;
    private readonly BlockQueue _queue = new(MaxQueuedBlocks);
    private readonly StateProvider _states;
    private readonly NodePools _pools;
    private readonly bool _advanceOnTick;
    private Bytes32 _storedHead; // the head the store holds (under the lock)

    public ChainConfig Config { get; }
    /// <summary>The genesis state, when the chain started from genesis (null after a checkpoint start).</summary>
    public BeaconState? GenesisState { get; private set; }
    /// <summary>The genesis block root, when known.</summary>
    public Bytes32? GenesisBlockRoot { get; private set; }
    public ulong GenesisTime { get; private set; }
    public Bytes32 GenesisValidatorsRoot { get; private set; }
    /// <summary>The block the chain was started from (genesis or the checkpoint block).</summary>
    public Bytes32 AnchorRoot { get; private set; }
    public Bytes32 Head { get { lock (_core.Lock) return _core.Head; } }

    /// <summary>Chain events (blocks, head changes, reorgs, finality, attestations). Handlers must be quick.</summary>
    public event Action<ChainEvent>? Events;

    /// <summary>An in-memory chain from a genesis state (tests, tools), its time set by <see cref="OnTick"/> only.</summary>
    public BeaconChain(ChainConfig config, BeaconState genesisState, ISignatureVerifier? verifier)
        : this(config, genesisState, verifier, null)
    {
    }

    /// <summary>
    /// An in-memory chain from a genesis state with a clock: <see cref="CurrentSlot"/> follows the
    /// clock, and imports move fork choice's time to it.
    /// </summary>
    public BeaconChain(ChainConfig config, BeaconState genesisState, ISignatureVerifier? verifier, Func<DateTimeOffset>? clock, Action<string>? log = null)
        : this(config, (BeaconStore?)null, verifier, clock, log)
    {
        StartFromAnchor(new ChainAnchor(genesisState));
    }

    private BeaconChain(ChainConfig config, BeaconStore? db, ISignatureVerifier? verifier, Func<DateTimeOffset>? clock, Action<string>? log)
    {
        Config = config;
        _core = new ChainCore(config, db, verifier, clock, log ?? (_ => { }));
        _importer = new BlockImporter(_core);
        _states = new StateProvider(_core, 4 * config.SlotsPerEpoch);
        _pools = new NodePools(config, verifier, MaxDeferredAttestations);
        _advanceOnTick = clock is not null;
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
        var store = ForkChoiceStore.GetForkchoiceStore(Config, cs.State);
        _core.Store = store;
        GenesisTime = _core.GenesisTime = state.GenesisTime;
        GenesisValidatorsRoot = state.GenesisValidatorsRoot;
        AnchorRoot = root;
        if (anchor.IsGenesis)
        {
            GenesisState = state;
            GenesisBlockRoot = root;
        }
        _core.Blocks[root] = block;
        _core.Head = root;
        if (_core.Db is { } db)
        {
            var anchorState = cs.State;
            db.Initialize(new GenesisInfo(GenesisTime, GenesisValidatorsRoot),
                new ForkChoiceAnchor(root, Config.Schema.HashTreeRoot(anchorState), anchorState.Slot, store.FinalizedCheckpoint.Copy()),
                block, anchorState);
            _storedHead = root;
        }
        _core.TickToNow();
    }

    private void Resume(BeaconState? genesisState)
    {
        var db = _core.Db!;
        var anchor = db.Anchor!;
        var fin = db.Finalized!;
        GenesisTime = _core.GenesisTime = db.Genesis!.Value.GenesisTime;
        GenesisValidatorsRoot = db.Genesis.Value.GenesisValidatorsRoot;
        AnchorRoot = anchor.BlockRoot;
        if (anchor.Slot == ChainConfig.GenesisSlot)
        {
            // Started from genesis: the anchor is the genesis block and state, so genesis stays servable without --genesis-state.
            GenesisBlockRoot = anchor.BlockRoot;
            GenesisState = genesisState ?? db.GetStateSnapshot(anchor.StateRoot) ?? db.RegenerateState(anchor.StateRoot, Replay);
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
        var store = ForkChoiceStore.GetForkchoiceStore(Config, cs.State);
        _core.Store = store;
        var finRoot = store.FinalizedCheckpoint.Root;
        if (finRoot != (fin.Root.IsZero ? anchor.BlockRoot : fin.Root))
            throw new StoreException($"database '{db.Path}': the regenerated finalized state belongs to block {finRoot}, not {fin.Root}");
        _core.Blocks[finRoot] = db.GetBlock(finRoot) ?? throw new StoreException($"database '{db.Path}': block {finRoot} is missing");

        // Replay the blocks above finality, forks included, so fork choice sees what it saw before.
        var roots = db.GetBlockRootsAfter(finBlockSlot).ToList();
        ulong lastSlot = roots.Count > 0 ? roots[^1].Slot : cs.State.Slot;
        store.OnTick(Math.Max(_core.NowSeconds() ?? 0, GenesisTime + lastSlot * Config.SecondsPerSlot));
        int replayed = 0;
        foreach (var (_, root) in roots)
        {
            var block = db.GetBlock(root);
            if (block is null || !store.ContainsBlock(block.Message.ParentRoot)) continue;
            try
            {
                store.OnBlock(block, null);
            }
            catch (Exception e) when (e is ForkChoiceException or StateTransitionException)
            {
                _core.Log($"stored block {root} no longer imports: {e.Message}");
                continue;
            }
            _core.Blocks[root] = block;
            BlockImporter.ApplyBlockAttestations(_core, block);
            replayed++;
        }
        _core.Head = store.GetHead();
        _storedHead = db.Head!.Value.Root;
        _core.Log($"resumed from {db.Path}: finalized epoch {fin.Epoch}, {replayed} blocks replayed, head {_core.Head} at slot {_core.SlotOf(_core.Head)}");
    }

    /// <summary>Rebuilds a stored state by replaying its blocks (signatures were checked at import).</summary>
    private BeaconState Replay(BeaconState baseState, IReadOnlyList<SignedBeaconBlock> blocks, ulong targetSlot)
    {
        var cs = new CachedBeaconState(Config, baseState);
        foreach (var b in blocks) StateTransition.Apply(cs, b, null, validateResult: false);
        if (cs.State.Slot < targetSlot) StateTransition.ProcessSlots(cs, targetSlot);
        return cs.State;
    }

    public Checkpoint FinalizedCheckpoint { get { lock (_core.Lock) return _core.Store.FinalizedCheckpoint.Copy(); } }

    public Checkpoint JustifiedCheckpoint { get { lock (_core.Lock) return _core.Store.JustifiedCheckpoint.Copy(); } }

    /// <summary>The clock's slot (fork choice's when the chain has no clock); reading it moves nothing.</summary>
    public ulong CurrentSlot => _core.CurrentSlot();

    /// <summary>Slot of the head block.</summary>
    public ulong HeadSlot { get { lock (_core.Lock) return _core.SlotOf(_core.Head); } }

    /// <summary>Blocks waiting for their slot or their parent.</summary>
    public int QueuedBlocks => _queue.Count;

    /// <summary>Advances the fork-choice clock (unix seconds) and imports blocks whose slot has come.</summary>
    public void OnTick(ulong unixTime)
    {
        var events = new List<ChainEvent>();
        lock (_core.Lock) _core.Store.OnTick(unixTime);
        ImportReadyQueued(events);
        lock (_core.Lock) UpdateHead(events);
        Raise(events);
        FlushDeferredAttestations(); // votes from the slot that just ended now count
        // Keeps the head state advanced to the slot, off this thread, for production, duties and submissions.
        if (_advanceOnTick) _states.AdvanceHeadInBackground(CurrentSlot);
    }

    /// <summary>Imports a block now; throws <see cref="BlockImportException"/> if it cannot be.</summary>
    public Bytes32 ImportBlock(SignedBeaconBlock block)
    {
        var events = new List<ChainEvent>();
        var root = _importer.Import(block, events);
        ImportQueuedChildren(root, events);
        lock (_core.Lock) UpdateHead(events);
        Raise(events);
        return root;
    }

    /// <summary>
    /// Imports consecutive blocks (each the parent of the next: a range-sync segment) with one
    /// signature batch and one store write; see <see cref="BlockImporter.ImportSegment"/>. Returns
    /// how many from the start are in the chain and, if not all, why the next one is not.
    /// </summary>
    public SegmentImport ImportBlocks(IReadOnlyList<SignedBeaconBlock> blocks)
    {
        var events = new List<ChainEvent>();
        var result = _importer.ImportSegment(blocks, events);
        if (result.Imported > 0) ImportQueuedChildren(Config.Schema.HashTreeRoot(blocks[result.Imported - 1].Message), events);
        lock (_core.Lock) UpdateHead(events);
        Raise(events);
        return result;
    }

    /// <summary>
    /// Submits a block from the network or the API: imported now if its slot has come and its
    /// parent is known; held (and imported later) if it is at most <see cref="MaxEarlySlots"/>
    /// early or its parent is missing. Throws <see cref="BlockImportException"/> for an invalid block.
    /// </summary>
    public BlockSubmitResult SubmitBlock(SignedBeaconBlock block)
    {
        var events = new List<ChainEvent>();
        ulong current = CurrentSlot;
        var root = Config.Schema.HashTreeRoot(block.Message);
        lock (_core.Lock)
            if (_core.Store.ContainsBlock(root)) return BlockSubmitResult.Imported;
        if (block.Message.Slot > current)
        {
            if (block.Message.Slot > current + MaxEarlySlots)
                throw new BlockImportException($"block at slot {block.Message.Slot} is too far ahead of the current slot {current}");
            _queue.Add(root, block);
            return BlockSubmitResult.Queued;
        }
        BlockSubmitResult result;
        try
        {
            _importer.Import(block, events);
            ImportQueuedChildren(root, events);
            result = BlockSubmitResult.Imported;
        }
        catch (BlockImportException e) when (e.UnknownParent)
        {
            _queue.Add(root, block);
            result = BlockSubmitResult.Queued;
        }
        lock (_core.Lock) UpdateHead(events);
        Raise(events);
        return result;
    }

    private void ImportReadyQueued(List<ChainEvent> events)
    {
        if (_queue.Count == 0) return;
        ulong current = CurrentSlot;
        foreach (var (root, block) in _queue.Ready(current))
        {
            bool parentKnown;
            lock (_core.Lock) parentKnown = _core.Store.ContainsBlock(block.Message.ParentRoot);
            if (!parentKnown)
            {
                if (block.Message.Slot + Config.SlotsPerEpoch * 2 < current) _queue.Remove(root); // parent never came
                continue;
            }
            if (!_queue.Remove(root)) continue; // imported as a child meanwhile
            try
            {
                _importer.Import(block, events);
                ImportQueuedChildren(root, events);
            }
            catch (BlockImportException e)
            {
                _core.Log($"queued block {root} at slot {block.Message.Slot} dropped: {e.Message}");
            }
        }
    }

    private void ImportQueuedChildren(Bytes32 parent, List<ChainEvent> events)
    {
        var stack = new Stack<Bytes32>();
        stack.Push(parent);
        ulong current = CurrentSlot;
        while (stack.Count > 0)
        {
            foreach (var (root, block) in _queue.TakeChildren(stack.Pop(), current))
            {
                try
                {
                    _importer.Import(block, events);
                    stack.Push(root);
                }
                catch (BlockImportException e)
                {
                    _core.Log($"queued block {root} at slot {block.Message.Slot} dropped: {e.Message}");
                }
            }
        }
    }

    /// <summary>Re-runs fork choice; records a new head (and a reorg) in events and the store. Under the lock.</summary>
    private void UpdateHead(List<ChainEvent> events)
    {
        var store = _core.Store;
        var newHead = store.GetHead();
        var old = _core.Head;
        if (newHead != old)
        {
            _core.Head = newHead;
            ulong newSlot = _core.SlotOf(newHead), oldSlot = _core.SlotOf(old);
            var newStateRoot = _core.Blocks.GetValueOrDefault(newHead)?.Message.StateRoot ?? default;
            bool epochTransition = Misc.ComputeEpochAtSlot(Config, newSlot) > Misc.ComputeEpochAtSlot(Config, oldSlot);
            if (store.ContainsBlock(old) && store.GetAncestor(newHead, oldSlot) != old)
            {
                ulong common = oldSlot;
                while (common > 0 && store.GetAncestor(newHead, common) != store.GetAncestor(old, common)) common--;
                events.Add(new ChainReorgEvent(newSlot, oldSlot - common, old, newHead,
                    _core.Blocks.GetValueOrDefault(old)?.Message.StateRoot ?? default, newStateRoot, Misc.ComputeEpochAtSlot(Config, newSlot)));
            }
            ulong epoch = Misc.ComputeEpochAtSlot(Config, newSlot);
            events.Add(new HeadEvent(newSlot, newHead, newStateRoot, epochTransition)
            {
                PreviousDutyDependentRoot = DutyDependentRoot(newHead, epoch == 0 ? 0 : epoch - 1),
                CurrentDutyDependentRoot = DutyDependentRoot(newHead, epoch),
            });
        }
        // Imports write blocks without the head (on disk before fork choice sees them): the head, justified and finalized follow here.
        if (_core.Db is { } db && (newHead != _storedHead || !store.JustifiedCheckpoint.Equals(db.Justified) || !store.FinalizedCheckpoint.Equals(db.Finalized)))
        {
            db.UpdateHead(new HeadUpdate(newHead, store.JustifiedCheckpoint.Copy(), store.FinalizedCheckpoint.Copy()));
            _storedHead = newHead;
        }
    }

    /// <summary>The block on <paramref name="head"/>'s chain at the slot before <paramref name="epoch"/> starts, or genesis. Under the lock.</summary>
    private Bytes32 DutyDependentRoot(Bytes32 head, ulong epoch)
    {
        if (epoch == 0) return GenesisBlockRoot ?? AnchorRoot;
        ulong slot = Misc.ComputeStartSlotAtEpoch(Config, epoch) - 1;
        // Below finality fork choice no longer holds the blocks; the store's canonical index does.
        return _core.Store.GetAncestor(head, slot) ?? _core.Db?.GetCanonicalBlockRootAtOrBefore(slot)?.Root ?? AnchorRoot;
    }

    private void Raise(List<ChainEvent> events)
    {
        var handlers = Events;
        if (handlers is null) return;
        foreach (var e in events)
        {
            try { handlers(e); }
            catch (Exception ex) { _core.Log($"event listener failed: {ex.Message}"); }
        }
    }

    public SignedBeaconBlock? GetBlock(Bytes32 root)
    {
        lock (_core.Lock)
        {
            if (_core.Blocks.TryGetValue(root, out var b)) return b;
        }
        return _core.Db?.GetBlock(root);
    }

    /// <summary>The canonical block root at a slot (the latest block at or before it on the head chain).</summary>
    public Bytes32? CanonicalRootAt(ulong slot)
    {
        lock (_core.Lock)
        {
            var fin = _core.Store.FinalizedCheckpoint.Root;
            if (slot >= _core.SlotOf(fin) || _core.Db is null) return slot < _core.SlotOf(AnchorRoot) ? null : _core.Store.GetAncestor(_core.Head, slot);
        }
        return _core.Db.GetCanonicalBlockRootAtOrBefore(slot)?.Root;
    }

    /// <summary>Post-state of a block (a copy), if it is held in memory or can be rebuilt from the store.</summary>
    public BeaconState? GetBlockState(Bytes32 blockRoot) => _states.GetBlockState(blockRoot, Replay);

    /// <summary>
    /// The canonical state at a slot: the block state at or before it, advanced through empty slots
    /// (the head's without limit, through the kept advance; others at most <see cref="MaxSlotsToAdvance"/>).
    /// Below finality it is rebuilt from the store. Null for future slots.
    /// </summary>
    public BeaconState? GetStateAtSlot(ulong slot) => _states.GetStateAtSlot(slot, Replay);

    /// <summary>Leaves of the block tree (debug/beacon/heads).</summary>
    public IReadOnlyList<(Bytes32 Root, ulong Slot)> Heads()
    {
        lock (_core.Lock) return _core.Store.Blocks.Nodes().Where(n => n.IsLeaf).Select(n => (n.Root, n.Slot)).ToList();
    }

    public void Dispose() => _core.Db?.Dispose();

    // --- block production support ---

    /// <summary>Verified attestations waiting for blocks.</summary>
    public Pools.AttestationPool Attestations => _pools.Attestations;

    /// <summary>Slashings and exits waiting for blocks, checked with the chain's signature verifier.</summary>
    public Pools.OperationPool Operations => _pools.Operations;

    /// <summary>The eth1 follower that block production votes and takes deposits from; null: none (votes repeat the state's eth1_data).</summary>
    public Eth1.IEth1Provider? Eth1 { get; set; }

    /// <summary>The chain's signature verifier (null when the chain checks no signatures).</summary>
    public ISignatureVerifier? SignatureVerifier => _core.Verifier;

    /// <summary>
    /// How far past a block other than the head its state is advanced for queries, and how far past
    /// the clock <see cref="GetCanonicalState"/> looks. The head state has no such limit.
    /// </summary>
    public ulong MaxSlotsToAdvance => _states.MaxSlotsToAdvance;

    /// <summary>
    /// The canonical block at or before <paramref name="slot"/> (on the head chain) and a copy of its
    /// state advanced through empty slots to <paramref name="slot"/>, with the state's caches. For a
    /// slot after the head this is the head state advanced, however far (computed once outside the
    /// chain lock and kept for the next caller). Null when the state is not held, the slot is more than
    /// <see cref="MaxSlotsToAdvance"/> past the clock, or a non-head block is that far behind it.
    /// </summary>
    public (Bytes32 BlockRoot, CachedBeaconState State)? GetCanonicalState(ulong slot) => _states.GetCanonicalState(slot, CurrentSlot);

    /// <summary>
    /// Hands an attestation whose signature the caller verified to fork choice: now if its slot is past, otherwise
    /// queued until <see cref="FlushDeferredAttestations"/> runs in a later slot (fork choice only
    /// counts attestations from the slot after theirs; its AttestationEvent fires then too).
    /// Returns false when fork choice rejects it.
    /// </summary>
    public bool OnVerifiedAttestation(Attestation attestation)
    {
        FlushDeferredAttestations(); // new votes arrive every slot: the queue drains even without a caller per tick
        if (attestation.Data.Slot >= CurrentSlot)
        {
            _pools.Defer(attestation);
            return true;
        }
        return TryForkChoice(attestation);
    }

    /// <summary>Applies queued attestations whose slot has passed; call once per slot (e.g. after OnTick).</summary>
    public void FlushDeferredAttestations()
    {
        foreach (var a in _pools.TakeDue(CurrentSlot)) TryForkChoice(a);
    }

    /// <summary>OnAttestation without re-checking the signature: callers verified it already (BLS is the cost).</summary>
    private bool TryForkChoice(Attestation attestation)
    {
        var events = new List<ChainEvent>();
        // The target's checkpoint state may need many slots (after downtime): computed before taking the lock.
        var checkpointStates = _core.ComputeCheckpointStates([attestation.Data.Target]);
        lock (_core.Lock)
        {
            _core.TickToNow();
            _core.AddCheckpointStates(checkpointStates);
            try
            {
                _core.Store.OnAttestation(attestation, null);
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
