using System.Buffers;
using System.Runtime.CompilerServices;

namespace Cirrus.Ssz;

/// <summary>
/// The Merkle layers of one large vector or list, kept between hashes so that the next
/// hash_tree_root only re-hashes the paths above changed chunks (a state copy carries the cache).
/// Changes are found by comparing leaves, and for fixed-size elements by comparing each element's
/// encoding with a snapshot, so mutating the collection needs no bookkeeping from the caller.
/// </summary>
internal sealed class TreeCache
{
    /// <summary>Collections with fewer chunks than this are hashed directly.</summary>
    public const int MinChunks = 128;

    private static readonly ConditionalWeakTable<object, TreeCache> Caches = new();

    private byte[][] _layers = [];  // _layers[0] = leaf chunks; _layers[d] has ceil(n / 2^d) nodes
    private int _leafCount = -1;
    private int _depth;             // data depth: ceil(log2(leafCount))
    private byte[]? _snapshots;     // element encodings for fixed-size composite elements
    private int _elementSize;

    public static TreeCache For(object collection) => Caches.GetValue(collection, _ => new TreeCache());

    /// <summary>A copied collection starts with a copy of the source's cache.</summary>
    public static void CopyTo(object from, object to)
    {
        if (!Caches.TryGetValue(from, out var c)) return;
        TreeCache clone;
        lock (c)
        {
            clone = new TreeCache
            {
                _layers = c._layers.Select(l => (byte[])l.Clone()).ToArray(),
                _leafCount = c._leafCount,
                _depth = c._depth,
                _snapshots = (byte[]?)c._snapshots?.Clone(),
                _elementSize = c._elementSize,
            };
        }
        Caches.AddOrUpdate(to, clone);
    }

    /// <summary>Root of fixed-size composite elements (e.g. validators), reusing roots of unchanged ones.</summary>
    public void RootOfElements<T>(SszType<T> elem, ReadOnlySpan<T> items, ulong limit, Span<byte> dest32)
    {
        lock (this)
        {
            int size = elem.FixedSize;
            int n = items.Length;
            byte[] leaves = ArrayPool<byte>.Shared.Rent(n * 32);
            try
            {
                bool haveOld = _snapshots != null && _elementSize == size && _leafCount >= 0;
                int oldCount = haveOld ? Math.Min(_leafCount, n) : 0;
                if (!haveOld) _snapshots = new byte[Capacity(n) * size];
                else if (_snapshots!.Length < n * size) Array.Resize(ref _snapshots, Capacity(n) * size);
                _elementSize = size;
                var dirty = new List<int>();
                Span<byte> e = size <= 512 ? stackalloc byte[size] : new byte[size];
                Span<byte> snaps = _snapshots;
                for (int i = 0; i < n; i++)
                {
                    elem.Serialize(items[i], e);
                    Span<byte> snap = snaps.Slice(i * size, size);
                    if (i < oldCount && e.SequenceEqual(snap))
                        _layers[0].AsSpan(i * 32, 32).CopyTo(leaves.AsSpan(i * 32, 32));
                    else
                    {
                        e.CopyTo(snap);
                        dirty.Add(i);
                    }
                }
                if (elem is IBatchRoots<T> batch && dirty.Count >= 16)
                {
                    var changed = new T[dirty.Count];
                    for (int k = 0; k < dirty.Count; k++) changed[k] = items[dirty[k]];
                    var roots = new byte[dirty.Count * 32];
                    Sequence.BatchRootsInto(batch, changed, roots);
                    for (int k = 0; k < dirty.Count; k++) roots.AsSpan(k * 32, 32).CopyTo(leaves.AsSpan(dirty[k] * 32, 32));
                }
                else
                {
                    foreach (int i in dirty) elem.HashTreeRoot(items[i], leaves.AsSpan(i * 32, 32));
                }
                RootOfChunks(leaves.AsSpan(0, n * 32), limit, dest32);
            }
            finally { ArrayPool<byte>.Shared.Return(leaves); }
        }
    }

    /// <summary>merkleize(chunks, limit) with the layers of the previous call reused.</summary>
    public void RootOfChunks(ReadOnlySpan<byte> chunks, ulong limitChunks, Span<byte> dest32)
    {
        lock (this)
        {
            int n = chunks.Length / 32;
            int depth = Merkle.DepthFor((ulong)n);
            int limitDepth = Merkle.DepthFor(limitChunks);
            if (n == 0)
            {
                Merkle.ZeroHash(limitDepth).CopyTo(dest32);
                _leafCount = 0;
                return;
            }
            if (n < _leafCount || depth != _depth || _leafCount < 0 || _layers.Length != depth + 1)
                Rebuild(chunks, depth);
            else
                Update(chunks, n);
            // Above the data: the zero subtrees up to the limit.
            Span<byte> node = stackalloc byte[32];
            _layers[depth].AsSpan(0, 32).CopyTo(node);
            for (int d = depth; d < limitDepth; d++) Merkle.HashPair(node, Merkle.ZeroHash(d), node);
            node.CopyTo(dest32);
        }
    }

    private void Rebuild(ReadOnlySpan<byte> chunks, int depth)
    {
        int n = chunks.Length / 32;
        _depth = depth;
        _leafCount = n;
        _layers = new byte[depth + 1][];
        _layers[0] = new byte[Capacity(n) * 32];
        chunks.CopyTo(_layers[0]);
        int count = n;
        for (int d = 1; d <= depth; d++)
        {
            int parents = (count + 1) / 2;
            _layers[d] = new byte[Capacity(parents) * 32];
            HashLevel(_layers[d - 1], count, _layers[d], d - 1, 0, parents);
            count = parents;
        }
    }

    private static int Capacity(int n) => Math.Max(1, n + n / 4);

    private void Update(ReadOnlySpan<byte> chunks, int n)
    {
        int old = _leafCount;
        var dirty = new List<int>();
        if (_layers[0].Length < n * 32) Array.Resize(ref _layers[0], Capacity(n) * 32);
        Span<byte> leaves = _layers[0];
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<byte> c = chunks.Slice(i * 32, 32);
            if (i >= old || !c.SequenceEqual(leaves.Slice(i * 32, 32)))
            {
                c.CopyTo(leaves.Slice(i * 32, 32));
                dirty.Add(i);
            }
        }
        _leafCount = n;
        int count = n;
        for (int d = 1; d <= _depth && dirty.Count > 0; d++)
        {
            int parents = (count + 1) / 2;
            if (_layers[d].Length < parents * 32) Array.Resize(ref _layers[d], Capacity(parents) * 32);
            var up = new List<int>(dirty.Count);
            foreach (int i in dirty)
                if (up.Count == 0 || up[^1] != i / 2) up.Add(i / 2);
            // Hash runs of consecutive dirty parents in batches.
            int k = 0;
            while (k < up.Count)
            {
                int start = up[k], end = start + 1;
                while (k + 1 < up.Count && up[k + 1] == end) { k++; end++; }
                k++;
                HashLevel(_layers[d - 1], count, _layers[d], d - 1, start, end);
            }
            dirty = up;
            count = parents;
        }
    }

    /// <summary>Parents [from, to) of level <paramref name="childLevel"/> (which has <paramref name="childCount"/> nodes).</summary>
    private static void HashLevel(byte[] children, int childCount, byte[] parents, int childLevel, int from, int to)
    {
        int fullPairsEnd = Math.Min(to, childCount / 2);
        if (fullPairsEnd > from)
            Sha256Batch.Hash64(children.AsSpan(from * 64, (fullPairsEnd - from) * 64), parents.AsSpan(from * 32, (fullPairsEnd - from) * 32));
        for (int p = Math.Max(from, fullPairsEnd); p < to; p++)
        {
            // The odd last node pairs with the zero subtree of its level.
            Merkle.HashPair(children.AsSpan(p * 64, 32), Merkle.ZeroHash(childLevel), parents.AsSpan(p * 32, 32));
        }
    }
}
