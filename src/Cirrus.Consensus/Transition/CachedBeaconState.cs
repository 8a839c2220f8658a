using Cirrus.Consensus.Config;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Consensus.Transition;

/// <summary>
/// The shuffling of one epoch: its active validators, seed and committees (spec:
/// get_active_validator_indices, get_seed, compute_committee, get_beacon_committee). Immutable.
/// </summary>
public sealed class EpochShuffling
{
    public ulong Epoch { get; }
    public Bytes32 Seed { get; }
    /// <summary>Active validator indices in ascending order.</summary>
    public int[] ActiveIndices { get; }
    /// <summary>ActiveIndices permuted: Shuffled[i] = ActiveIndices[compute_shuffled_index(i)].</summary>
    public int[] Shuffled { get; }
    public ulong CommitteesPerSlot { get; }
    private readonly ulong _slotsPerEpoch;

    public EpochShuffling(ChainConfig config, ulong epoch, Bytes32 seed, int[] activeIndices)
    {
        Epoch = epoch;
        Seed = seed;
        ActiveIndices = activeIndices;
        _slotsPerEpoch = config.SlotsPerEpoch;
        Shuffled = (int[])activeIndices.Clone();
        Shuffling.ShuffleList(Shuffled, seed, (int)config.ShuffleRoundCount);
        // spec: get_committee_count_per_slot
        CommitteesPerSlot = Math.Max(1UL, Math.Min(config.MaxCommitteesPerSlot,
            (ulong)activeIndices.Length / config.SlotsPerEpoch / config.TargetCommitteeSize));
    }

    public ulong CommitteeCount => CommitteesPerSlot * _slotsPerEpoch;

    /// <summary>spec: get_beacon_committee (slot within this epoch, index below CommitteesPerSlot).</summary>
    public ReadOnlySpan<int> Committee(ulong slot, ulong index)
    {
        ulong i = slot % _slotsPerEpoch * CommitteesPerSlot + index;
        return CommitteeAt(i);
    }

    /// <summary>spec: compute_committee with index/count over the whole epoch.</summary>
    public ReadOnlySpan<int> CommitteeAt(ulong committeeIndexInEpoch)
    {
        ulong n = (ulong)Shuffled.Length;
        ulong count = CommitteeCount;
        int start = (int)(n * committeeIndexInEpoch / count);
        int end = (int)(n * (committeeIndexInEpoch + 1) / count);
        return Shuffled.AsSpan(start, end - start);
    }
}

/// <summary>
/// A BeaconState with the caches the transition keeps beside it: shufflings per epoch, the
/// current epoch's proposers, the exit queue, and the pubkey-to-index map. All mutation of the
/// state during a transition goes through this object, which keeps the caches valid.
/// </summary>
public sealed class CachedBeaconState
{
    public ChainConfig Config { get; }
    public BeaconState State { get; }

    private readonly Dictionary<ulong, EpochShuffling> _shufflings = new();
    private ulong _proposerEpoch = ulong.MaxValue;
    private ulong[]? _proposers;
    private ExitQueue? _exitQueue;
    private Dictionary<Bytes48, int>? _pubkeyIndex;
    private int _pubkeyIndexed;
    private StateHasher? _hasher;

    public CachedBeaconState(ChainConfig config, BeaconState state)
    {
        Config = config;
        State = state;
        if (state.Balances.Count != state.Validators.Count)
            throw new StateTransitionException(TransitionError.InconsistentState,
                $"state has {state.Validators.Count} validators but {state.Balances.Count} balances");
        if (state.Validators.Count >= int.MaxValue)
            throw new StateTransitionException(TransitionError.InconsistentState, "too many validators");
    }

    /// <summary>
    /// A copy of the state (see <see cref="CopyState"/>); immutable caches (shufflings) are shared.
    /// Without <paramref name="withHashCache"/> the copy's first root is computed afresh (for
    /// states kept for reference rather than advanced).
    /// </summary>
    public CachedBeaconState Copy(bool withHashCache = true)
    {
        var copy = new CachedBeaconState(Config, CopyState(Config, State));
        foreach (var (k, v) in _shufflings) copy._shufflings[k] = v;
        if (_proposers != null)
        {
            copy._proposerEpoch = _proposerEpoch;
            copy._proposers = (ulong[])_proposers.Clone();
        }
        if (withHashCache) copy._hasher = _hasher?.Clone();
        return copy;
    }

    /// <summary>
    /// A copy of a state that shares what the transition never changes in place: validator records
    /// (copy-on-write: every change goes through <see cref="Mutators.MutableValidator"/>, which
    /// replaces the shared record first), pending attestations and eth1 votes. Everything else is
    /// copied. Copying 100k validators deeply costs tens of milliseconds and megabytes per state;
    /// sharing them costs a list of references.
    /// </summary>
    public static BeaconState CopyState(ChainConfig c, BeaconState s)
    {
        var schema = c.Schema;
        return new BeaconState
        {
            GenesisTime = s.GenesisTime,
            GenesisValidatorsRoot = s.GenesisValidatorsRoot,
            Slot = s.Slot,
            Fork = schema.Copy(s.Fork),
            LatestBlockHeader = schema.Copy(s.LatestBlockHeader),
            BlockRoots = (Bytes32[])s.BlockRoots.Clone(),
            StateRoots = (Bytes32[])s.StateRoots.Clone(),
            HistoricalRoots = [.. s.HistoricalRoots],
            Eth1Data = schema.Copy(s.Eth1Data),
            Eth1DataVotes = [.. s.Eth1DataVotes],
            Eth1DepositIndex = s.Eth1DepositIndex,
            Validators = [.. s.Validators],
            Balances = [.. s.Balances],
            RandaoMixes = (Bytes32[])s.RandaoMixes.Clone(),
            Slashings = (ulong[])s.Slashings.Clone(),
            PreviousEpochAttestations = [.. s.PreviousEpochAttestations],
            CurrentEpochAttestations = [.. s.CurrentEpochAttestations],
            JustificationBits = Bitvector.FromBytes(s.JustificationBits.Bytes, s.JustificationBits.Count),
            PreviousJustifiedCheckpoint = schema.Copy(s.PreviousJustifiedCheckpoint),
            CurrentJustifiedCheckpoint = schema.Copy(s.CurrentJustifiedCheckpoint),
            FinalizedCheckpoint = schema.Copy(s.FinalizedCheckpoint),
        };
    }

    /// <summary>Frees the incremental-hashing caches (megabytes for large registries); the next root is computed afresh.</summary>
    public void ReleaseHashCache() => _hasher = null;

    /// <summary>hash_tree_root(state), re-hashing only what changed since the previous call.</summary>
    public Bytes32 HashTreeRoot() => (_hasher ??= new StateHasher(Config)).HashTreeRoot(State);

    public ulong CurrentEpoch => State.Slot / Config.SlotsPerEpoch;

    public ulong PreviousEpoch => CurrentEpoch == ChainConfig.GenesisEpoch ? ChainConfig.GenesisEpoch : CurrentEpoch - 1;

    /// <summary>The shuffling of <paramref name="epoch"/>, which must be at most one epoch ahead of the state.</summary>
    public EpochShuffling GetShuffling(ulong epoch)
    {
        lock (_shufflings)
        {
            if (_shufflings.TryGetValue(epoch, out var s)) return s;
        }
        if (epoch > CurrentEpoch + 1)
            throw new StateTransitionException(TransitionError.InvalidEpoch, $"epoch {epoch} is beyond the state's next epoch");
        var active = BeaconStateAccessors.ComputeActiveValidatorIndices(State, epoch);
        var seed = BeaconStateAccessors.GetSeed(Config, State, epoch, Config.DomainBeaconAttester);
        var shuffling = new EpochShuffling(Config, epoch, seed, active);
        lock (_shufflings)
        {
            _shufflings[epoch] = shuffling;
        }
        return shuffling;
    }

    /// <summary>Installs a shuffling computed elsewhere (e.g. shared between states of one chain).</summary>
    public void SetShuffling(EpochShuffling shuffling)
    {
        lock (_shufflings) _shufflings[shuffling.Epoch] = shuffling;
    }

    /// <summary>spec: get_beacon_proposer_index (for the state's current slot).</summary>
    public ulong GetBeaconProposerIndex()
    {
        ulong epoch = CurrentEpoch;
        if (_proposers is null || _proposerEpoch != epoch)
        {
            _proposers = new ulong[Config.SlotsPerEpoch];
            Array.Fill(_proposers, ulong.MaxValue);
            _proposerEpoch = epoch;
        }
        int at = (int)(State.Slot % Config.SlotsPerEpoch);
        if (_proposers[at] == ulong.MaxValue)
            _proposers[at] = BeaconStateAccessors.ComputeBeaconProposerIndex(Config, State, GetShuffling(epoch).ActiveIndices, State.Slot);
        return _proposers[at];
    }

    /// <summary>Called after epoch processing: effective balances changed, and old shufflings are no longer needed.</summary>
    internal void OnEpochProcessed(ulong newEpoch)
    {
        _proposers = null;
        _proposerEpoch = ulong.MaxValue;
        lock (_shufflings)
        {
            List<ulong>? stale = null;
            foreach (var k in _shufflings.Keys)
                if (k + 1 < newEpoch) (stale ??= []).Add(k);
            if (stale != null) foreach (var k in stale) _shufflings.Remove(k);
        }
    }

    internal ExitQueue Exits => _exitQueue ??= ExitQueue.Build(State);

    /// <summary>The validator index with this pubkey, or -1 (spec: validator_pubkeys.index(pubkey)).</summary>
    public int FindValidatorByPubkey(Bytes48 pubkey)
    {
        var validators = State.Validators;
        _pubkeyIndex ??= new Dictionary<Bytes48, int>(validators.Count);
        // Index validators appended since the last lookup (the first index wins, as list.index does).
        for (int i = _pubkeyIndexed; i < validators.Count; i++) _pubkeyIndex.TryAdd(validators[i].Pubkey, i);
        _pubkeyIndexed = Math.Max(_pubkeyIndexed, validators.Count);
        if (_pubkeyIndex.TryGetValue(pubkey, out int idx) && idx < validators.Count && validators[idx].Pubkey == pubkey) return idx;
        if (!_pubkeyIndex.ContainsKey(pubkey)) return -1;
        // The map is out of date (the registry was changed behind this object's back): scan.
        for (int i = 0; i < validators.Count; i++)
            if (validators[i].Pubkey == pubkey) return i;
        return -1;
    }

    internal void OnValidatorAdded(int index)
    {
        if (_pubkeyIndex != null && index == _pubkeyIndexed)
        {
            _pubkeyIndex.TryAdd(State.Validators[index].Pubkey, index);
            _pubkeyIndexed = index + 1;
        }
    }
}

/// <summary>The exit queue's tail (spec: the scan in initiate_validator_exit), kept incrementally.</summary>
internal sealed class ExitQueue
{
    public bool Any;
    public ulong MaxExitEpoch;
    public ulong ChurnAtMax;

    public static ExitQueue Build(BeaconState state)
    {
        var q = new ExitQueue();
        foreach (var v in state.Validators)
        {
            ulong e = v.ExitEpoch;
            if (e == ChainConfig.FarFutureEpoch) continue;
            if (!q.Any || e > q.MaxExitEpoch)
            {
                q.Any = true;
                q.MaxExitEpoch = e;
                q.ChurnAtMax = 0;
            }
            if (e == q.MaxExitEpoch) q.ChurnAtMax++;
        }
        return q;
    }

    public void Add(ulong exitEpoch)
    {
        if (!Any || exitEpoch > MaxExitEpoch)
        {
            Any = true;
            MaxExitEpoch = exitEpoch;
            ChurnAtMax = 1;
        }
        else if (exitEpoch == MaxExitEpoch) ChurnAtMax++;
    }
}
