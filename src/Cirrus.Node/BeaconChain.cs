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
}
