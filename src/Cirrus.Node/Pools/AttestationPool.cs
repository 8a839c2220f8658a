using Cirrus.Consensus.Config;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Crypto;
using Cirrus.Ssz;

namespace Cirrus.Node.Pools;

/// <summary>
/// Verified attestations waiting for a block, grouped by AttestationData root. Attestations whose
/// bits do not overlap are aggregated (bits OR-ed, BLS signatures added), so each data root holds
/// a few aggregates. Serves the best aggregate (validator/aggregate_attestation) and packs blocks.
/// Callers verify before adding (see <see cref="Validation.MessageValidator"/>). Thread-safe.
/// </summary>
public sealed class AttestationPool(ChainConfig config)
{
    /// <summary>Aggregates kept per data root; more would only be partial overlaps of the kept ones.</summary>
    public const int MaxAggregatesPerData = 16;

    private sealed class Aggregate(Bitlist bits, BlsSignature signature)
    {
        public Bitlist Bits = bits;
        public BlsSignature Signature = signature;
    }

    private sealed class Entry(AttestationData data)
    {
        public readonly AttestationData Data = data;
        public readonly List<Aggregate> Aggregates = [];
    }

    private readonly object _lock = new();
    private readonly Dictionary<Bytes32, Entry> _byData = [];

    public int DataCount { get { lock (_lock) return _byData.Count; } }

    /// <summary>
    /// Adds a verified attestation. Returns false when it adds nothing (its bits are already held)
    /// or its signature bytes are not a signature.
    /// </summary>
    public bool Add(Attestation attestation)
    {
        var bits = attestation.AggregationBits;
        if (bits.PopCount() == 0) return false;
        if (!BlsSignature.TryFromBytes(attestation.Signature.AsSpan(), out var sig) || sig is null) return false;
        var root = config.Schema.HashTreeRoot(attestation.Data);
        lock (_lock)
        {
            if (!_byData.TryGetValue(root, out var entry))
            {
                entry = new Entry(config.Schema.Copy(attestation.Data));
                _byData[root] = entry;
            }
            foreach (var a in entry.Aggregates)
                if (a.Bits.Count == bits.Count && IsSubset(bits, a.Bits)) return false;
            Aggregate? target = null;
            foreach (var a in entry.Aggregates)
                if (a.Bits.Count == bits.Count && !a.Bits.Overlaps(bits)) { target = a; break; }
            if (target != null)
            {
                var merged = target.Bits.Clone();
                merged.Or(bits);
                target.Bits = merged;
                target.Signature = BlsSignature.Aggregate([target.Signature, sig]);
                // The grown aggregate may now hold everything a smaller one did.
                entry.Aggregates.RemoveAll(a => a != target && a.Bits.Count == merged.Count && IsSubset(a.Bits, merged));
            }
            else
            {
                entry.Aggregates.Add(new Aggregate(bits.Clone(), sig));
                if (entry.Aggregates.Count > MaxAggregatesPerData)
                {
                    entry.Aggregates.Sort((x, y) => y.Bits.PopCount().CompareTo(x.Bits.PopCount()));
                    entry.Aggregates.RemoveAt(entry.Aggregates.Count - 1);
                }
            }
            return true;
        }
    }

    /// <summary>The aggregate with the most bits for a data root (and slot), or null.</summary>
    public Attestation? GetAggregate(Bytes32 dataRoot, ulong slot)
    {
        lock (_lock)
        {
            if (!_byData.TryGetValue(dataRoot, out var entry) || entry.Data.Slot != slot) return null;
            Aggregate? best = null;
            foreach (var a in entry.Aggregates)
                if (best is null || a.Bits.PopCount() > best.Bits.PopCount()) best = a;
            return best is null ? null : ToAttestation(entry.Data, best);
        }
    }

    /// <summary>The aggregate with the most bits among all data of a slot and committee, or null.</summary>
    public Attestation? GetBestAggregate(ulong slot, ulong committeeIndex)
    {
        lock (_lock)
        {
            (AttestationData Data, Aggregate Agg)? best = null;
            foreach (var e in _byData.Values)
            {
                if (e.Data.Slot != slot || e.Data.Index != committeeIndex) continue;
                foreach (var a in e.Aggregates)
                    if (best is null || a.Bits.PopCount() > best.Value.Agg.Bits.PopCount()) best = (e.Data, a);
            }
            return best is { } b ? ToAttestation(b.Data, b.Agg) : null;
        }
    }

    /// <summary>Every held aggregate, optionally only those of a slot and committee.</summary>
    public List<Attestation> GetAll(ulong? slot = null, ulong? committeeIndex = null)
    {
        lock (_lock)
        {
            var result = new List<Attestation>();
            foreach (var e in _byData.Values)
            {
                if (slot is { } s && e.Data.Slot != s) continue;
                if (committeeIndex is { } ci && e.Data.Index != ci) continue;
                foreach (var a in e.Aggregates) result.Add(ToAttestation(e.Data, a));
            }
            return result;
        }
    }

    /// <summary>Drops attestations too old for any block at <paramref name="currentSlot"/> or later.</summary>
    public void Prune(ulong currentSlot)
    {
        lock (_lock)
        {
            foreach (var (root, e) in _byData.ToList())
                if (e.Data.Slot + config.SlotsPerEpoch < currentSlot) _byData.Remove(root);
        }
    }

    /// <summary>
    /// Attestations for a block on <paramref name="state"/> (already advanced to the block's slot):
    /// only those process_attestation accepts there (inclusion window, epoch, source, committee),
    /// skipping ones whose validators the state's pending attestations already cover, greedily
    /// preferring the most newly covered validators, at most MAX_ATTESTATIONS.
    /// </summary>
    public List<Attestation> SelectForBlock(CachedBeaconState state)
    {
        var s = state.State;
        ulong current = state.CurrentEpoch;
        ulong previous = state.PreviousEpoch;
        // Bits already included, per (slot, committee index).
        var covered = new Dictionary<(ulong, ulong), Bitlist>();
        foreach (var list in new[] { s.PreviousEpochAttestations, s.CurrentEpochAttestations })
            foreach (var p in list) Cover(covered, p.Data, p.AggregationBits);

        var candidates = new List<(AttestationData Data, Aggregate Agg)>();
        lock (_lock)
        {
            foreach (var e in _byData.Values)
            {
                var d = e.Data;
                if (!Includable(state, d, current, previous, out int committeeLength)) continue;
                foreach (var a in e.Aggregates)
                    if (a.Bits.Count == committeeLength) candidates.Add((d, a));
            }
        }
        var chosen = new List<Attestation>();
        ulong max = config.MaxAttestations;
        while ((ulong)chosen.Count < max && candidates.Count > 0)
        {
            int best = -1, bestNew = 0;
            for (int i = 0; i < candidates.Count; i++)
            {
                int n = NewBits(covered, candidates[i].Data, candidates[i].Agg.Bits);
                if (n > bestNew || (n == bestNew && n > 0 && candidates[i].Data.Slot > candidates[best].Data.Slot))
                {
                    best = i;
                    bestNew = n;
                }
            }
            if (best < 0) break;
            var (data, agg) = candidates[best];
            candidates.RemoveAt(best);
            Cover(covered, data, agg.Bits);
            chosen.Add(ToAttestation(data, agg));
        }
        return chosen;
    }

    private bool Includable(CachedBeaconState state, AttestationData d, ulong current, ulong previous, out int committeeLength)
    {
        committeeLength = 0;
        var s = state.State;
        ulong epoch = d.Target.Epoch;
        if (epoch != current && epoch != previous) return false;
        if (epoch != Misc.ComputeEpochAtSlot(config, d.Slot)) return false;
        if (d.Slot + config.MinAttestationInclusionDelay > s.Slot || s.Slot > d.Slot + config.SlotsPerEpoch) return false;
        var source = epoch == current ? s.CurrentJustifiedCheckpoint : s.PreviousJustifiedCheckpoint;
        if (!d.Source.Equals(source)) return false;
        var shuffling = state.GetShuffling(epoch);
        if (d.Index >= shuffling.CommitteesPerSlot) return false;
        committeeLength = shuffling.Committee(d.Slot, d.Index).Length;
        return true;
    }

    private static void Cover(Dictionary<(ulong, ulong), Bitlist> covered, AttestationData d, Bitlist bits)
    {
        var key = (d.Slot, d.Index);
        if (!covered.TryGetValue(key, out var have)) covered[key] = bits.Clone();
        else if (have.Count == bits.Count) have.Or(bits);
    }

    private static int NewBits(Dictionary<(ulong, ulong), Bitlist> covered, AttestationData d, Bitlist bits)
    {
        if (!covered.TryGetValue((d.Slot, d.Index), out var have) || have.Count != bits.Count) return bits.PopCount();
        var x = bits.Bytes;
        var y = have.Bytes;
        int n = 0;
        for (int i = 0; i < x.Length; i++) n += System.Numerics.BitOperations.PopCount((uint)(x[i] & ~y[i] & 0xff));
        return n;
    }

    private static bool IsSubset(Bitlist a, Bitlist b)
    {
        var x = a.Bytes;
        var y = b.Bytes;
        for (int i = 0; i < x.Length; i++)
            if ((x[i] & ~y[i]) != 0) return false;
        return true;
    }

    private Attestation ToAttestation(AttestationData data, Aggregate a) => new()
    {
        AggregationBits = a.Bits.Clone(),
        Data = config.Schema.Copy(data),
        Signature = Bytes96.FromSpan(a.Signature.ToBytes()),
    };
}
