using Cirrus.Ssz;

namespace Cirrus.Consensus.Transition;

/// <summary>
/// A Merkle tree over 32-byte leaf chunks that keeps every node, so that after a few leaves change
/// only their paths are re-hashed. Leaves are compared on <see cref="SetLeaf"/>; unchanged ones cost
/// a 32-byte comparison. The tree holds a power-of-two capacity of leaves (zero beyond the count,
/// which hashes exactly like SSZ's zero padding) and is extended with zero subtrees up to the
/// SSZ limit's depth.
/// </summary>
internal sealed class MerkleCache
{
    private readonly int _limitDepth;
    private int _capDepth;
    private byte[][] _layers; // _layers[h] has (capacity >> h) nodes of 32 bytes
    private List<int> _dirty = [];
    private bool _allDirty = true;

    public MerkleCache(ulong limitChunks, int initialCount)
    {
        _limitDepth = Merkle.DepthFor(limitChunks);
        _capDepth = Math.Min(_limitDepth, CeilLog2(Math.Max(1, initialCount)));
        _layers = Allocate(_capDepth);
    }

    private static int CeilLog2(int n) => n <= 1 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(n - 1));

    private static byte[][] Allocate(int depth)
    {
        var layers = new byte[depth + 1][];
        for (int h = 0; h <= depth; h++) layers[h] = new byte[(1 << (depth - h)) * 32];
        return layers;
    }

    public MerkleCache Clone()
    {
        var c = (MerkleCache)MemberwiseClone();
        var layers = new byte[_layers.Length][];
        for (int h = 0; h < layers.Length; h++) layers[h] = (byte[])_layers[h].Clone();
        c._layers = layers;
        c._dirty = new List<int>(_dirty);
        return c;
    }

    /// <summary>Makes room for <paramref name="count"/> leaves (growing the capacity keeps existing leaves).</summary>
    public void EnsureCount(int count)
    {
        int need = CeilLog2(Math.Max(1, count));
        if (need <= _capDepth) return;
        if (need > _limitDepth) throw new InvalidOperationException("more chunks than the SSZ limit");
        var leaves = _layers[0];
        _capDepth = need;
        _layers = Allocate(need);
        leaves.CopyTo(_layers[0], 0);
        _allDirty = true;
    }

    /// <summary>Sets leaf <paramref name="index"/> (must be below the capacity; see <see cref="EnsureCount"/>).</summary>
    public void SetLeaf(int index, ReadOnlySpan<byte> chunk32)
    {
        var dest = _layers[0].AsSpan(index * 32, 32);
        if (dest.SequenceEqual(chunk32)) return;
        chunk32.CopyTo(dest);
        if (!_allDirty) _dirty.Add(index);
    }

    /// <summary>
    /// Sets leaves 0.. from consecutive bytes (a whole number of 32-byte chunks, at most the
    /// capacity); a vectorized comparison finds the chunks that changed, so an unchanged vector
    /// costs about a memory read.
    /// </summary>
    public void SetLeaves(ReadOnlySpan<byte> leaves)
    {
        var dest = _layers[0].AsSpan(0, leaves.Length);
        int at = 0;
        while (at < leaves.Length)
        {
            int same = leaves[at..].CommonPrefixLength(dest[at..]);
            if (same == leaves.Length - at) break;
            int chunk = (at + same) / 32;
            leaves.Slice(chunk * 32, 32).CopyTo(dest.Slice(chunk * 32, 32));
            if (!_allDirty) _dirty.Add(chunk);
            at = chunk * 32 + 32;
        }
    }

    /// <summary>Zeroes leaves from <paramref name="from"/> to the capacity (a list that shrank).</summary>
    public void ClearFrom(int from)
    {
        var leaves = _layers[0];
        int n = leaves.Length / 32;
        if (from >= n || leaves.AsSpan(from * 32).IndexOfAnyExcept((byte)0) < 0) return;
        for (int i = from; i < n; i++)
        {
            var s = leaves.AsSpan(i * 32, 32);
            if (s.IndexOfAnyExcept((byte)0) >= 0)
            {
                s.Clear();
                if (!_allDirty) _dirty.Add(i);
            }
        }
    }

    /// <summary>The root padded to the limit (no length mix-in).</summary>
    public Bytes32 Root()
    {
        if (_allDirty)
        {
            // each layer is the batch hash of the one below, 16 nodes at a time
            for (int h = 1; h <= _capDepth; h++) Sha256Batch.Hash64(_layers[h - 1], _layers[h]);
            _allDirty = false;
            _dirty.Clear();
        }
        else if (_dirty.Count > 0)
        {
            _dirty.Sort();
            var current = _dirty;
            var next = new List<int>(current.Count);
            byte[] pairs = new byte[Math.Min(current.Count, 1 << Math.Max(0, _capDepth - 1)) * 64];
            byte[] digests = new byte[pairs.Length / 2];
            for (int h = 1; h <= _capDepth; h++)
            {
                // gather the changed parents' children, hash them in one batch, scatter the digests
                next.Clear();
                int last = -1;
                foreach (int i in current)
                {
                    int p = i >> 1;
                    if (p == last) continue;
                    last = p;
                    _layers[h - 1].AsSpan(p * 64, 64).CopyTo(pairs.AsSpan(next.Count * 64, 64));
                    next.Add(p);
                }
                Sha256Batch.Hash64(pairs.AsSpan(0, next.Count * 64), digests);
                for (int k = 0; k < next.Count; k++) digests.AsSpan(k * 32, 32).CopyTo(_layers[h].AsSpan(next[k] * 32, 32));
                (current, next) = (next, current);
            }
            _dirty.Clear();
        }
        Bytes32 root = Bytes32.FromSpan(_layers[_capDepth].AsSpan(0, 32));
        for (int h = _capDepth; h < _limitDepth; h++) Merkle.HashPair(root.AsSpan(), Merkle.ZeroHash(h), root.AsWritableSpan());
        return root;
    }

    public static Bytes32 MixInLength(Bytes32 root, ulong length)
    {
        Merkle.MixInLength(root.AsWritableSpan(), length);
        return root;
    }
}
