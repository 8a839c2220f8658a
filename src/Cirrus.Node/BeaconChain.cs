using Cirrus.Consensus.Config;
using Cirrus.Consensus.ForkChoice;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Node;

/// <summary>Why a block was not imported, in words for logs and API errors.</summary>
public sealed class BlockImportException(string message, bool unknownParent = false) : Exception(message)
{
    /// <summary>True when the block may become importable once its parent arrives.</summary>
    public bool UnknownParent { get; } = unknownParent;
}

/// <summary>
/// The chain as the node sees it: genesis, the fork-choice store, the blocks it holds and the
/// head. Import runs the state transition with every signature batch-verified. Thread-safe: one
/// lock orders imports, attestations and reads. Blocks and states live in memory above finality
/// (the RocksDB store takes over persistence in a later step).
/// </summary>
public sealed class BeaconChain
{
    private readonly object _lock = new();
    private readonly ForkChoiceStore _store;
    private readonly Dictionary<Bytes32, SignedBeaconBlock> _blocks = [];
    private readonly ISignatureVerifier? _verifier;

    public ChainConfig Config { get; }
    public BeaconState GenesisState { get; }
    public Bytes32 GenesisBlockRoot { get; }
    public Bytes32 Head { get; private set; }

    public BeaconChain(ChainConfig config, BeaconState genesisState, ISignatureVerifier? verifier)
    {
        Config = config;
        GenesisState = genesisState;
        _verifier = verifier;
        _store = ForkChoiceStore.GetForkchoiceStore(config, genesisState);
        GenesisBlockRoot = _store.JustifiedCheckpoint.Root;
        var genesisBlock = new SignedBeaconBlock
        {
            Message = new BeaconBlock { Slot = genesisState.Slot, StateRoot = config.Schema.HashTreeRoot(genesisState) },
        };
        _blocks[GenesisBlockRoot] = genesisBlock;
        Head = GenesisBlockRoot;
    }

    public ulong GenesisTime => GenesisState.GenesisTime;

    public Checkpoint FinalizedCheckpoint { get { lock (_lock) return _store.FinalizedCheckpoint.Copy(); } }

    public Checkpoint JustifiedCheckpoint { get { lock (_lock) return _store.JustifiedCheckpoint.Copy(); } }

    public ulong CurrentSlot { get { lock (_lock) return _store.GetCurrentSlot(); } }

    /// <summary>Advances the fork-choice clock (unix seconds).</summary>
    public void OnTick(ulong unixTime)
    {
        lock (_lock)
        {
            _store.OnTick(unixTime);
            Head = _store.GetHead();
        }
    }

    /// <summary>Imports a block and its attestations into fork choice; returns its root.</summary>
    public Bytes32 ImportBlock(SignedBeaconBlock block)
    {
        lock (_lock)
        {
            Bytes32 root;
            try
            {
                root = _store.OnBlock(block, _verifier);
            }
            catch (ForkChoiceException e)
            {
                throw new BlockImportException(e.Message, e.Message.Contains("unknown parent", StringComparison.Ordinal));
            }
            catch (StateTransitionException e)
            {
                throw new BlockImportException($"invalid block at slot {block.Message.Slot}: {e.Message}");
            }
            _blocks[root] = block;
            foreach (var att in block.Message.Body.Attestations)
            {
                // Attestations a block carries also count for fork choice when they still can.
                try { _store.OnAttestation(att, null); }
                catch (ForkChoiceException) { }
                catch (StateTransitionException) { }
            }
            PruneBlocks();
            Head = _store.GetHead();
            return root;
        }
    }

    private void PruneBlocks()
    {
        if (_blocks.Count <= _store.Blocks.Count + 1) return;
        foreach (var r in _blocks.Keys.Where(r => !_store.ContainsBlock(r) && r != GenesisBlockRoot).ToList()) _blocks.Remove(r);
    }

    /// <summary>An attestation from the API or the network, for fork choice.</summary>
    public void OnAttestation(Attestation attestation)
    {
        lock (_lock)
        {
            _store.OnAttestation(attestation, _verifier);
            Head = _store.GetHead();
        }
    }

    public SignedBeaconBlock? GetBlock(Bytes32 root)
    {
        lock (_lock) return _blocks.GetValueOrDefault(root);
    }

    /// <summary>The canonical block root at a slot (the latest block at or before it on the head chain).</summary>
    public Bytes32? CanonicalRootAt(ulong slot)
    {
        lock (_lock)
        {
            var root = _store.GetAncestor(Head, slot);
            return root;
        }
    }

    /// <summary>Post-state of a block (a copy), if it is still held.</summary>
    public BeaconState? GetBlockState(Bytes32 blockRoot)
    {
        lock (_lock)
        {
            var cs = _store.GetBlockState(blockRoot);
            return cs is null ? null : Config.Schema.Copy(cs.State);
        }
    }

    /// <summary>Empty slots a state query may advance through (bounds the work one request can cause).</summary>
    public const int MaxEmptySlotsForQuery = 64;

    /// <summary>
    /// The canonical state at a slot: the block state at or before it, advanced through empty slots.
    /// Null for future slots and for slots too far past the last block to be worth computing.
    /// </summary>
    public BeaconState? GetStateAtSlot(ulong slot)
    {
        lock (_lock)
        {
            if (slot > _store.GetCurrentSlot()) return null;
            var root = _store.GetAncestor(Head, slot);
            if (root is null) return null;
            var cs = _store.GetBlockState(root.Value);
            if (cs is null) return null;
            if (cs.State.Slot > slot || slot - cs.State.Slot > MaxEmptySlotsForQuery) return null;
            var copy = cs.Copy();
            if (copy.State.Slot < slot) StateTransition.ProcessSlots(copy, slot);
            return copy.State;
        }
    }

    /// <summary>Leaves of the block tree (debug/beacon/heads).</summary>
    public IReadOnlyList<(Bytes32 Root, ulong Slot)> Heads()
    {
        lock (_lock) return _store.Blocks.Nodes().Where(n => n.IsLeaf).Select(n => (n.Root, n.Slot)).ToList();
    }

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
        lock (_lock)
        {
            var root = _store.GetAncestor(Head, slot);
            if (root is null) return null;
            var cs = _store.GetBlockState(root.Value);
            if (cs is null || cs.State.Slot > slot || slot - cs.State.Slot > MaxSlotsToAdvance) return null;
            var copy = cs.Copy();
            if (copy.State.Slot < slot) StateTransition.ProcessSlots(copy, slot);
            return (root.Value, copy);
        }
    }

    /// <summary>
    /// Hands an already verified attestation to fork choice: now if its slot is past, otherwise
    /// queued until <see cref="FlushDeferredAttestations"/> runs in a later slot (fork choice only
    /// counts attestations from the slot after theirs). Returns false when fork choice rejects it.
    /// </summary>
    public bool SubmitToForkChoice(Attestation attestation)
    {
        lock (_lock)
        {
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
            ulong now = _store.GetCurrentSlot();
            due = _deferredForkChoice.Where(a => a.Data.Slot < now).ToList();
            _deferredForkChoice.RemoveAll(a => a.Data.Slot < now);
        }
        foreach (var a in due) TryForkChoice(a);
    }

    private bool TryForkChoice(Attestation attestation)
    {
        try
        {
            OnAttestation(attestation);
            return true;
        }
        catch (ForkChoiceException)
        {
            return false;
        }
        catch (StateTransitionException)
        {
            return false;
        }
    }
}
