using Cirrus.Consensus.Config;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Transition.Block;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Consensus.ForkChoice;

/// <summary>
/// spec v0.12.3 fork-choice.md: the Store and its handlers (on_tick, on_block, on_attestation),
/// with get_head answered by <see cref="ProtoArray"/>. Pure: time comes in through OnTick.
/// Block states are kept for the blocks above finality (pruned when finality advances).
/// </summary>
public sealed class ForkChoiceStore
{
    private readonly ChainConfig _config;
    private readonly ProtoArray _proto;
    private readonly Dictionary<Bytes32, CachedBeaconState> _blockStates = [];
    private readonly Dictionary<Checkpoint, CachedBeaconState> _checkpointStates = [];
    private (Checkpoint Checkpoint, ulong[] Balances)? _justifiedBalances;

    public ulong Time { get; private set; }
    public ulong GenesisTime { get; }
    public Checkpoint JustifiedCheckpoint { get; private set; }
    public Checkpoint FinalizedCheckpoint { get; private set; }
    public Checkpoint BestJustifiedCheckpoint { get; private set; }

    private ForkChoiceStore(ChainConfig config, ulong time, ulong genesisTime, Checkpoint anchor, Bytes32 anchorRoot,
        ulong anchorSlot, CachedBeaconState anchorState)
    {
        _config = config;
        Time = time;
        GenesisTime = genesisTime;
        JustifiedCheckpoint = anchor.Copy();
        FinalizedCheckpoint = anchor.Copy();
        BestJustifiedCheckpoint = anchor.Copy();
        _proto = new ProtoArray(anchorRoot, anchorSlot, anchor, anchor);
        _blockStates[anchorRoot] = anchorState;
        _checkpointStates[anchor.Copy()] = anchorState;
    }

    /// <summary>spec: get_forkchoice_store. The anchor is a genesis or finalized checkpoint state.</summary>
    public static ForkChoiceStore GetForkchoiceStore(ChainConfig config, BeaconState anchorState)
    {
        var header = config.Schema.Copy(anchorState.LatestBlockHeader);
        if (header.StateRoot.IsZero) header.StateRoot = config.Schema.HashTreeRoot(anchorState);
        var anchorRoot = config.Schema.HashTreeRoot(header);
        var anchorEpoch = BeaconStateAccessors.GetCurrentEpoch(config, anchorState);
        var cp = new Checkpoint { Epoch = anchorEpoch, Root = anchorRoot };
        var cs = new CachedBeaconState(config, config.Schema.Copy(anchorState));
        return new ForkChoiceStore(config, anchorState.GenesisTime + config.SecondsPerSlot * anchorState.Slot,
            anchorState.GenesisTime, cp, anchorRoot, header.Slot, cs);
    }

    /// <summary>spec: get_current_slot.</summary>
    public ulong GetCurrentSlot() => ChainConfig.GenesisSlot + (Time - GenesisTime) / _config.SecondsPerSlot;

    private ulong SlotsSinceEpochStart(ulong slot) => slot - Misc.ComputeStartSlotAtEpoch(_config, Misc.ComputeEpochAtSlot(_config, slot));

    public bool ContainsBlock(Bytes32 root) => _proto.Contains(root);

    /// <summary>The post-state held for this block, or null (unknown block, or one added without its state).</summary>
    public CachedBeaconState? GetBlockState(Bytes32 root) => _blockStates.GetValueOrDefault(root);

    /// <summary>
    /// Rebuilds the post-state of a known block whose state is not held (see
    /// <see cref="AddBlockWithoutState"/>), e.g. by replaying its blocks from a held ancestor.
    /// The store keeps what it returns.
    /// </summary>
    public Func<Bytes32, CachedBeaconState?>? StateResolver { get; set; }

    /// <summary>The post-state of a known block: the held one, or one rebuilt through <see cref="StateResolver"/> (then kept); null if neither.</summary>
    public CachedBeaconState? GetOrRebuildBlockState(Bytes32 root) => ResolveBlockState(root);

    /// <summary>The held post-state of a known block, rebuilt through <see cref="StateResolver"/> when not held; null if neither.</summary>
    private CachedBeaconState? ResolveBlockState(Bytes32 root)
    {
        if (_blockStates.TryGetValue(root, out var held)) return held;
        if (!_proto.Contains(root) || StateResolver?.Invoke(root) is not { } rebuilt) return null;
        _blockStates[root] = rebuilt;
        return rebuilt;
    }

    /// <summary>spec: get_ancestor.</summary>
    public Bytes32? GetAncestor(Bytes32 root, ulong slot) => _proto.GetAncestor(root, slot);

    public ProtoArray Blocks => _proto;

    /// <summary>spec: on_tick.</summary>
    public void OnTick(ulong time)
    {
        if (time < Time) return; // the clock never runs backwards
        ulong previousSlot = GetCurrentSlot();
        Time = time;
        ulong currentSlot = GetCurrentSlot();
        if (!(currentSlot > previousSlot && SlotsSinceEpochStart(currentSlot) == 0)) return;
        if (BestJustifiedCheckpoint.Epoch > JustifiedCheckpoint.Epoch) JustifiedCheckpoint = BestJustifiedCheckpoint.Copy();
    }

    /// <summary>spec: should_update_justified_checkpoint.</summary>
    private bool ShouldUpdateJustifiedCheckpoint(Checkpoint newJustified)
    {
        if (SlotsSinceEpochStart(GetCurrentSlot()) < _config.SafeSlotsToUpdateJustified) return true;
        ulong justifiedSlot = Misc.ComputeStartSlotAtEpoch(_config, JustifiedCheckpoint.Epoch);
        return _proto.GetAncestor(newJustified.Root, justifiedSlot) == JustifiedCheckpoint.Root;
    }

    /// <summary>
    /// spec: on_block. Runs the state transition (signatures batched through <paramref name="verifier"/>;
    /// null skips them) and returns the block root. Throws <see cref="ForkChoiceException"/> for a
    /// block fork choice cannot take (unknown parent, from the future, not descending from finality)
    /// and <see cref="StateTransitionException"/> for an invalid block.
    /// </summary>
    public Bytes32 OnBlock(SignedBeaconBlock signedBlock, ISignatureVerifier? verifier)
    {
        var parentState = ValidateOnBlock(signedBlock, out var root);
        if (parentState is null) return root;
        var state = parentState.Copy();
        StateTransition.Apply(state, signedBlock, verifier, validateResult: true);
        return AddBlock(signedBlock, state);
    }

    /// <summary>
    /// spec: on_block, the checks before state_transition. Returns the parent's post-state (the
    /// store's own: copy it before changing it), or null when the block is already in the store.
    /// With <see cref="AddBlock"/> this lets a caller run the transition on a copy elsewhere.
    /// </summary>
    public CachedBeaconState? ValidateOnBlock(SignedBeaconBlock signedBlock, out Bytes32 root)
    {
        if (!ValidateBlock(signedBlock, null, out root)) return null;
        var block = signedBlock.Message;
        return ResolveBlockState(block.ParentRoot)
            ?? throw new ForkChoiceException($"block {root} at slot {block.Slot}: the state of its parent {block.ParentRoot} is not available");
    }

    /// <summary>The checks of <see cref="ValidateOnBlock"/> without the parent's state; false when the block is known.</summary>
    private bool ValidateBlock(SignedBeaconBlock signedBlock, Bytes32? knownRoot, out Bytes32 root)
    {
        var block = signedBlock.Message;
        root = knownRoot ?? _config.Schema.HashTreeRoot(block);
        if (_proto.Contains(root)) return false;
        if (!_proto.Contains(block.ParentRoot))
            throw new ForkChoiceException($"block {root} at slot {block.Slot}: unknown parent {block.ParentRoot}", unknownParent: true);
        if (GetCurrentSlot() < block.Slot)
            throw new ForkChoiceException($"block {root} is from the future (slot {block.Slot}, current slot {GetCurrentSlot()})");
        ulong finalizedSlot = Misc.ComputeStartSlotAtEpoch(_config, FinalizedCheckpoint.Epoch);
        if (block.Slot <= finalizedSlot)
            throw new ForkChoiceException($"block {root} at slot {block.Slot} is not after the finalized slot {finalizedSlot}");
        if (_proto.GetAncestor(block.ParentRoot, finalizedSlot) != FinalizedCheckpoint.Root)
            throw new ForkChoiceException($"block {root} does not descend from the finalized checkpoint");
        return true;
    }

    /// <summary>
    /// spec: on_block, the part after state_transition: records the block with its post-state
    /// (computed from a copy of the parent's state). The checks run again, since the store may
    /// have moved on while the transition ran; a block already present is left as it is.
    /// </summary>
    /// <remarks><paramref name="root"/>, when the caller has it, is hash_tree_root(block) (saves hashing the block again).</remarks>
    public Bytes32 AddBlock(SignedBeaconBlock signedBlock, CachedBeaconState postState, Bytes32? root = null)
    {
        var block = signedBlock.Message;
        if (postState.State.Slot != block.Slot)
            throw new ArgumentException($"post-state is at slot {postState.State.Slot}, block at {block.Slot}", nameof(postState));
        return Add(signedBlock, postState, postState.State.CurrentJustifiedCheckpoint, postState.State.FinalizedCheckpoint, root);
    }

    /// <summary>
    /// Like <see cref="AddBlock"/> for a block whose post-state (already computed and checked) is
    /// not kept: a sync segment keeps only the states of its last block and of epoch boundaries.
    /// Needed later, the state is rebuilt through <see cref="StateResolver"/>.
    /// </summary>
    public Bytes32 AddBlockWithoutState(SignedBeaconBlock signedBlock, Checkpoint currentJustified, Checkpoint finalized, Bytes32? root = null)
        => Add(signedBlock, null, currentJustified, finalized, root);

    private Bytes32 Add(SignedBeaconBlock signedBlock, CachedBeaconState? postState, Checkpoint currentJustified, Checkpoint finalized,
        Bytes32? knownRoot)
    {
        var block = signedBlock.Message;
        if (!ValidateBlock(signedBlock, knownRoot, out var root)) return root;
        // the child (or the segment it starts) carries the hash cache on; a second child (a fork) rebuilds it
        if (_blockStates.TryGetValue(block.ParentRoot, out var parentState)) parentState.ReleaseHashCache();
        var s = (CurrentJustifiedCheckpoint: currentJustified, FinalizedCheckpoint: finalized);
        _proto.OnBlock(root, block.ParentRoot, block.Slot, s.CurrentJustifiedCheckpoint, s.FinalizedCheckpoint);
        if (postState != null) _blockStates[root] = postState;

        if (s.CurrentJustifiedCheckpoint.Epoch > JustifiedCheckpoint.Epoch)
        {
            if (s.CurrentJustifiedCheckpoint.Epoch > BestJustifiedCheckpoint.Epoch)
                BestJustifiedCheckpoint = s.CurrentJustifiedCheckpoint.Copy();
            if (ShouldUpdateJustifiedCheckpoint(s.CurrentJustifiedCheckpoint))
                JustifiedCheckpoint = s.CurrentJustifiedCheckpoint.Copy();
        }
        if (s.FinalizedCheckpoint.Epoch > FinalizedCheckpoint.Epoch)
        {
            FinalizedCheckpoint = s.FinalizedCheckpoint.Copy();
            if (!JustifiedCheckpoint.Equals(s.CurrentJustifiedCheckpoint))
            {
                if (s.CurrentJustifiedCheckpoint.Epoch > JustifiedCheckpoint.Epoch)
                {
                    JustifiedCheckpoint = s.CurrentJustifiedCheckpoint.Copy();
                }
                else
                {
                    ulong fSlot = Misc.ComputeStartSlotAtEpoch(_config, FinalizedCheckpoint.Epoch);
                    if (_proto.GetAncestor(JustifiedCheckpoint.Root, fSlot) != FinalizedCheckpoint.Root)
                        JustifiedCheckpoint = s.CurrentJustifiedCheckpoint.Copy();
                }
            }
            PruneBelowFinality();
        }
        return root;
    }

    /// <summary>spec: validate_on_attestation.</summary>
    private void ValidateOnAttestation(Attestation attestation)
    {
        var data = attestation.Data;
        var target = data.Target;
        ulong currentEpoch = Misc.ComputeEpochAtSlot(_config, GetCurrentSlot());
        ulong previousEpoch = currentEpoch > ChainConfig.GenesisEpoch ? currentEpoch - 1 : ChainConfig.GenesisEpoch;
        Require(target.Epoch == currentEpoch || target.Epoch == previousEpoch, $"target epoch {target.Epoch} is neither the current nor the previous epoch");
        Require(target.Epoch == Misc.ComputeEpochAtSlot(_config, data.Slot), "target epoch does not match the attestation slot");
        Require(_proto.Contains(target.Root), $"unknown target root {target.Root}");
        var blockSlot = _proto.GetSlot(data.BeaconBlockRoot);
        Require(blockSlot != null, $"unknown beacon block root {data.BeaconBlockRoot}");
        Require(blockSlot <= data.Slot, "attestation is for a block after its slot");
        ulong targetSlot = Misc.ComputeStartSlotAtEpoch(_config, target.Epoch);
        Require(_proto.GetAncestor(data.BeaconBlockRoot, targetSlot) == target.Root, "target root is not an ancestor of the beacon block root");
        Require(GetCurrentSlot() >= data.Slot + 1, "attestations are only considered from the slot after theirs");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new ForkChoiceException(message);
    }

    /// <summary>spec: store_target_checkpoint_state.</summary>
    private CachedBeaconState StoreTargetCheckpointState(Checkpoint target)
    {
        if (_checkpointStates.TryGetValue(target, out var cached)) return cached;
        if (ResolveBlockState(target.Root) is not { } baseState)
            throw new ForkChoiceException($"no state for target root {target.Root}");
        var state = baseState.Copy();
        ulong start = Misc.ComputeStartSlotAtEpoch(_config, target.Epoch);
        if (state.State.Slot < start) StateTransition.ProcessSlots(state, start);
        state.ReleaseHashCache(); // only read from now on (committees, balances): megabytes saved per checkpoint
        _checkpointStates[target.Copy()] = state;
        return state;
    }

    /// <summary>True when the checkpoint state of <paramref name="target"/> is held (store.checkpoint_states).</summary>
    public bool HasCheckpointState(Checkpoint target) => _checkpointStates.ContainsKey(target);

    /// <summary>
    /// spec: store_target_checkpoint_state, with the state computed by the caller (a copy of the
    /// target block's state advanced to the epoch's start slot), so the advance can run elsewhere.
    /// Ignored when the target block is unknown, the state is not at that slot, or one is held.
    /// </summary>
    public void AddCheckpointState(Checkpoint target, CachedBeaconState state)
    {
        if (_checkpointStates.ContainsKey(target) || !_blockStates.TryGetValue(target.Root, out var baseState)) return;
        ulong start = Misc.ComputeStartSlotAtEpoch(_config, target.Epoch);
        if (state.State.Slot != Math.Max(start, baseState.State.Slot)) return;
        _checkpointStates[target.Copy()] = state;
    }

    /// <summary>spec: on_attestation (attestations from blocks and from the network alike).</summary>
    public void OnAttestation(Attestation attestation, ISignatureVerifier? verifier)
    {
        ValidateOnAttestation(attestation);
        var targetState = StoreTargetCheckpointState(attestation.Data.Target);
        var indexed = BeaconStateAccessors.GetIndexedAttestation(targetState, attestation);
        var sigs = verifier is null ? null : new SignatureCollector(verifier);
        BlockProcessing.IsValidIndexedAttestation(targetState, indexed, sigs);
        sigs?.VerifyAndClear(targetState.State.Validators);
        // spec: update_latest_messages
        foreach (ulong i in indexed.AttestingIndices)
            _proto.OnAttestation(i, attestation.Data.BeaconBlockRoot, attestation.Data.Target.Epoch);
    }

    /// <summary>spec: get_head.</summary>
    public Bytes32 GetHead()
    {
        var balances = JustifiedBalances();
        ulong justifiedSlot = Misc.ComputeStartSlotAtEpoch(_config, JustifiedCheckpoint.Epoch);
        return _proto.FindHead(JustifiedCheckpoint, FinalizedCheckpoint, justifiedSlot, balances);
    }

    /// <summary>Effective balances of the validators active in the justified checkpoint state (0 for the rest).</summary>
    private ulong[] JustifiedBalances()
    {
        if (_justifiedBalances is { } jb && jb.Checkpoint.Equals(JustifiedCheckpoint)) return jb.Balances;
        var state = StoreTargetCheckpointState(JustifiedCheckpoint).State;
        ulong epoch = BeaconStateAccessors.GetCurrentEpoch(_config, state);
        var balances = new ulong[state.Validators.Count];
        for (int i = 0; i < balances.Length; i++)
        {
            var v = state.Validators[i];
            if (v.ActivationEpoch <= epoch && epoch < v.ExitEpoch) balances[i] = v.EffectiveBalance;
        }
        _justifiedBalances = (JustifiedCheckpoint.Copy(), balances);
        return balances;
    }

    private void PruneBelowFinality()
    {
        _proto.Prune(FinalizedCheckpoint.Root);
        foreach (var root in _blockStates.Keys.Where(r => !_proto.Contains(r)).ToList()) _blockStates.Remove(root);
        foreach (var cp in _checkpointStates.Keys.Where(c => c.Epoch < FinalizedCheckpoint.Epoch).ToList()) _checkpointStates.Remove(cp);
    }
}
