using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Consensus.Transition;

/// <summary>
/// hash_tree_root(BeaconState) with caches, for process_slot: the big fields (validators,
/// balances, randao mixes, block and state roots, slashings, historical roots) keep their Merkle
/// trees and re-hash only what changed since the last call; validators are compared field by field
/// against a snapshot, pending attestations are cached by object identity (they are never mutated
/// once in the state). Gives exactly the SSZ engine's root.
/// </summary>
public sealed class StateHasher
{
    private readonly ChainConfig _c;
    private readonly SszType<Validator> _validatorType;
    private readonly SszType<PendingAttestation> _pendingType;
    private readonly ListType<Eth1Data> _votesType;
    private readonly BitvectorType _bitsType = new(ChainConfig.JustificationBitsLength);

    private MerkleCache _validators;
    private ValidatorSnapshot[] _snapshots = [];
    private int _snapshotCount;
    private MerkleCache _balances;
    private MerkleCache _randao;
    private MerkleCache _blockRoots;
    private MerkleCache _stateRoots;
    private MerkleCache _slashings;
    private MerkleCache _historical;
    private Dictionary<PendingAttestation, Bytes32> _pending = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// A validator as last hashed: the record, and its fields that can change. A record's pubkey and
    /// withdrawal credentials never change once it exists, so a replaced record is compared with
    /// the old one's.
    /// </summary>
    private struct ValidatorSnapshot
    {
        public Validator Record;
        public ulong EffectiveBalance;
        public bool Slashed;
        public ulong ActivationEligibilityEpoch, ActivationEpoch, ExitEpoch, WithdrawableEpoch;

        public readonly bool Matches(Validator v) =>
            EffectiveBalance == v.EffectiveBalance && Slashed == v.Slashed && ActivationEligibilityEpoch == v.ActivationEligibilityEpoch
            && ActivationEpoch == v.ActivationEpoch && ExitEpoch == v.ExitEpoch && WithdrawableEpoch == v.WithdrawableEpoch
            && (ReferenceEquals(Record, v) || (Record.Pubkey == v.Pubkey && Record.WithdrawalCredentials == v.WithdrawalCredentials));

        public static ValidatorSnapshot Of(Validator v) => new()
        {
            Record = v, EffectiveBalance = v.EffectiveBalance, Slashed = v.Slashed,
            ActivationEligibilityEpoch = v.ActivationEligibilityEpoch, ActivationEpoch = v.ActivationEpoch, ExitEpoch = v.ExitEpoch,
            WithdrawableEpoch = v.WithdrawableEpoch,
        };
    }

    public StateHasher(ChainConfig c)
    {
        _c = c;
        _validatorType = c.Schema.Get<Validator>();
        _pendingType = c.Schema.Get<PendingAttestation>();
        _votesType = new ListType<Eth1Data>(c.Schema.Get<Eth1Data>(), c.EpochsPerEth1VotingPeriod * c.SlotsPerEpoch);
        _validators = new MerkleCache(c.ValidatorRegistryLimit, 1);
        _balances = new MerkleCache(c.ValidatorRegistryLimit / 4, 1);
        _randao = new MerkleCache(c.EpochsPerHistoricalVector, (int)c.EpochsPerHistoricalVector);
        _blockRoots = new MerkleCache(c.SlotsPerHistoricalRoot, (int)c.SlotsPerHistoricalRoot);
        _stateRoots = new MerkleCache(c.SlotsPerHistoricalRoot, (int)c.SlotsPerHistoricalRoot);
        _slashings = new MerkleCache((c.EpochsPerSlashingsVector + 3) / 4, (int)((c.EpochsPerSlashingsVector + 3) / 4));
        _historical = new MerkleCache(c.HistoricalRootsLimit, 1);
    }

    public StateHasher Clone()
    {
        var h = (StateHasher)MemberwiseClone();
        h._validators = _validators.Clone();
        h._snapshots = (ValidatorSnapshot[])_snapshots.Clone();
        h._balances = _balances.Clone();
        h._randao = _randao.Clone();
        h._blockRoots = _blockRoots.Clone();
        h._stateRoots = _stateRoots.Clone();
        h._slashings = _slashings.Clone();
        h._historical = _historical.Clone();
        h._pending = new Dictionary<PendingAttestation, Bytes32>(_pending, ReferenceEqualityComparer.Instance);
        return h;
    }

    public Bytes32 HashTreeRoot(BeaconState s)
    {
        var schema = _c.Schema;
        const int Fields = 21;
        byte[] chunks = new byte[Fields * 32];
        int f = 0;
        Span<byte> Next() => chunks.AsSpan(f++ * 32, 32);

        BinaryPrimitives.WriteUInt64LittleEndian(Next(), s.GenesisTime);
        s.GenesisValidatorsRoot.AsSpan().CopyTo(Next());
        BinaryPrimitives.WriteUInt64LittleEndian(Next(), s.Slot);
        schema.HashTreeRoot(s.Fork).AsSpan().CopyTo(Next());
        schema.HashTreeRoot(s.LatestBlockHeader).AsSpan().CopyTo(Next());
        VectorRoot(_blockRoots, s.BlockRoots).AsSpan().CopyTo(Next());
        VectorRoot(_stateRoots, s.StateRoots).AsSpan().CopyTo(Next());
        HistoricalRoot(s.HistoricalRoots).AsSpan().CopyTo(Next());
        schema.HashTreeRoot(s.Eth1Data).AsSpan().CopyTo(Next());
        _votesType.HashTreeRoot(s.Eth1DataVotes).AsSpan().CopyTo(Next());
        BinaryPrimitives.WriteUInt64LittleEndian(Next(), s.Eth1DepositIndex);
        ValidatorsRoot(s.Validators).AsSpan().CopyTo(Next());
        PackedRoot(_balances, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(s.Balances), isList: true).AsSpan().CopyTo(Next());
        VectorRoot(_randao, s.RandaoMixes).AsSpan().CopyTo(Next());
        PackedRoot(_slashings, s.Slashings, isList: false).AsSpan().CopyTo(Next());
        var seen = new Dictionary<PendingAttestation, Bytes32>(s.PreviousEpochAttestations.Count + s.CurrentEpochAttestations.Count,
            ReferenceEqualityComparer.Instance);
        PendingRoot(s.PreviousEpochAttestations, seen).AsSpan().CopyTo(Next());
        PendingRoot(s.CurrentEpochAttestations, seen).AsSpan().CopyTo(Next());
        _pending = seen;
        _bitsType.HashTreeRoot(s.JustificationBits).AsSpan().CopyTo(Next());
        schema.HashTreeRoot(s.PreviousJustifiedCheckpoint).AsSpan().CopyTo(Next());
        schema.HashTreeRoot(s.CurrentJustifiedCheckpoint).AsSpan().CopyTo(Next());
        schema.HashTreeRoot(s.FinalizedCheckpoint).AsSpan().CopyTo(Next());

        Bytes32 root = default;
        Merkle.MerkleizeInPlace(chunks, Fields, root.AsWritableSpan());
        return root;
    }

    private static Bytes32 VectorRoot(MerkleCache cache, Bytes32[] items)
    {
        cache.SetLeaves(MemoryMarshal.AsBytes(items.AsSpan()));
        return cache.Root();
    }

    private Bytes32 HistoricalRoot(List<Bytes32> items)
    {
        _historical.EnsureCount(items.Count);
        for (int i = 0; i < items.Count; i++) _historical.SetLeaf(i, items[i].AsSpan());
        _historical.ClearFrom(items.Count);
        return MerkleCache.MixInLength(_historical.Root(), (ulong)items.Count);
    }

    private static Bytes32 PackedRoot(MerkleCache cache, ReadOnlySpan<ulong> values, bool isList)
    {
        int chunks = (values.Length + 3) / 4;
        cache.EnsureCount(chunks);
        if (BitConverter.IsLittleEndian)
        {
            // SSZ packs uint64 little-endian: the values' own bytes are the leaves
            int whole = values.Length / 4;
            cache.SetLeaves(MemoryMarshal.AsBytes(values[..(whole * 4)]));
            if (whole < chunks)
            {
                Span<byte> last = stackalloc byte[32];
                last.Clear();
                MemoryMarshal.AsBytes(values[(whole * 4)..]).CopyTo(last);
                cache.SetLeaf(whole, last);
            }
        }
        else
        {
            Span<byte> chunk = stackalloc byte[32];
            for (int i = 0; i < chunks; i++)
            {
                chunk.Clear();
                int end = Math.Min(values.Length, i * 4 + 4);
                for (int k = i * 4; k < end; k++) BinaryPrimitives.WriteUInt64LittleEndian(chunk[((k - i * 4) * 8)..], values[k]);
                cache.SetLeaf(i, chunk);
            }
        }
        if (!isList) return cache.Root();
        cache.ClearFrom(chunks);
        return MerkleCache.MixInLength(cache.Root(), (ulong)values.Length);
    }

    private Bytes32 ValidatorsRoot(List<Validator> validators)
    {
        int n = validators.Count;
        _validators.EnsureCount(n);
        if (_snapshots.Length < n) Array.Resize(ref _snapshots, Math.Max(n, _snapshots.Length * 2));
        int known = Math.Min(_snapshotCount, n);
        // Find changed validators (in parallel for large registries), then hash them.
        var changed = new List<int>();
        if (n >= 65536)
        {
            int parts = Environment.ProcessorCount * 4;
            var lists = new List<int>[parts];
            Parallel.For(0, parts, p =>
            {
                var l = lists[p] = [];
                int from = (int)((long)n * p / parts), to = (int)((long)n * (p + 1) / parts);
                for (int i = from; i < to; i++)
                    if (i >= known || !_snapshots[i].Matches(validators[i])) l.Add(i);
            });
            foreach (var l in lists) changed.AddRange(l);
        }
        else
        {
            for (int i = 0; i < n; i++)
                if (i >= known || !_snapshots[i].Matches(validators[i])) changed.Add(i);
        }
        var roots = new Bytes32[changed.Count];
        if (changed.Count >= 256)
            Parallel.For(0, changed.Count, k => roots[k] = _validatorType.HashTreeRoot(validators[changed[k]]));
        else
            for (int k = 0; k < changed.Count; k++) roots[k] = _validatorType.HashTreeRoot(validators[changed[k]]);
        for (int k = 0; k < changed.Count; k++)
        {
            int i = changed[k];
            _snapshots[i] = ValidatorSnapshot.Of(validators[i]);
            _validators.SetLeaf(i, roots[k].AsSpan());
        }
        if (n < _snapshotCount) _validators.ClearFrom(n);
        _snapshotCount = n;
        return MerkleCache.MixInLength(_validators.Root(), (ulong)n);
    }

    private Bytes32 PendingRoot(List<PendingAttestation> items, Dictionary<PendingAttestation, Bytes32> seen)
    {
        ulong limit = _c.MaxAttestations * _c.SlotsPerEpoch;
        byte[] chunks = new byte[Math.Max(1, items.Count) * 32];
        for (int i = 0; i < items.Count; i++)
        {
            var a = items[i];
            if (!_pending.TryGetValue(a, out var r) && !seen.TryGetValue(a, out r)) r = _pendingType.HashTreeRoot(a);
            seen[a] = r;
            r.AsSpan().CopyTo(chunks.AsSpan(i * 32, 32));
        }
        Bytes32 root = default;
        Merkle.MerkleizeInPlace(chunks.AsSpan(0, items.Count * 32), limit, root.AsWritableSpan());
        return MerkleCache.MixInLength(root, (ulong)items.Count);
    }
}
