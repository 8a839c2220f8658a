namespace Cirrus.Networking.Discovery;

/// <summary>
/// Kademlia routing table (discv5-theory.md "node table"): 256 buckets by log distance, k entries each,
/// least-recently-seen first, with a bounded replacement cache per bucket. Not thread-safe: the service locks.
/// </summary>
public sealed class RoutingTable
{
    public sealed class Entry(Enr enr)
    {
        public Enr Enr { get; set; } = enr;
        public long LastSeenTicks { get; set; }
        public bool Verified { get; set; }
    }

    private readonly byte[] _localId;
    private readonly List<Entry>[] _buckets = new List<Entry>[256];
    private readonly List<Enr>[] _replacements = new List<Enr>[256];
    private readonly Dictionary<string, Entry> _byId = new();

    public int BucketSize { get; }
    public int Count => _byId.Count;

    public RoutingTable(byte[] localId, int bucketSize = 16)
    {
        _localId = localId;
        BucketSize = bucketSize;
        for (int i = 0; i < 256; i++) { _buckets[i] = new List<Entry>(); _replacements[i] = new List<Enr>(); }
    }

    public Entry? Get(string nodeIdHex) => _byId.GetValueOrDefault(nodeIdHex);

    /// <summary>Inserts or refreshes a node. <paramref name="seen"/> marks a live contact (moves it to the tail).</summary>
    public bool AddOrUpdate(Enr enr, bool seen)
    {
        int d = NodeIdMath.LogDistance(_localId, enr.NodeId);
        if (d == 0) return false;
        var bucket = _buckets[d - 1];
        if (_byId.TryGetValue(enr.NodeIdHex, out var existing))
        {
            if (enr.Seq > existing.Enr.Seq) existing.Enr = enr;
            if (seen)
            {
                existing.LastSeenTicks = Environment.TickCount64;
                existing.Verified = true;
                bucket.Remove(existing);
                bucket.Add(existing);
            }
            return true;
        }
        if (bucket.Count < BucketSize)
        {
            var e = new Entry(enr) { LastSeenTicks = seen ? Environment.TickCount64 : 0, Verified = seen };
            if (seen) bucket.Add(e); else bucket.Insert(0, e); // unverified nodes are checked first
            _byId[enr.NodeIdHex] = e;
            return true;
        }
        var repl = _replacements[d - 1];
        repl.RemoveAll(r => r.NodeIdHex == enr.NodeIdHex);
        repl.Add(enr);
        if (repl.Count > BucketSize) repl.RemoveAt(0);
        return false;
    }

    public void Remove(string nodeIdHex)
    {
        if (!_byId.Remove(nodeIdHex, out var e)) return;
        int d = NodeIdMath.LogDistance(_localId, e.Enr.NodeId);
        _buckets[d - 1].Remove(e);
        var repl = _replacements[d - 1];
        if (repl.Count > 0)
        {
            var r = repl[^1];
            repl.RemoveAt(repl.Count - 1);
            var ne = new Entry(r);
            _buckets[d - 1].Insert(0, ne);
            _byId[r.NodeIdHex] = ne;
        }
    }

    public List<Enr> AtDistance(int distance)
    {
        if (distance < 1 || distance > 256) return [];
        var list = new List<Enr>(_buckets[distance - 1].Count);
        foreach (var e in _buckets[distance - 1]) list.Add(e.Enr);
        return list;
    }

    public List<Enr> Closest(ReadOnlySpan<byte> target, int count)
    {
        var all = new List<Enr>(_byId.Count);
        foreach (var e in _byId.Values) all.Add(e.Enr);
        var t = target.ToArray();
        all.Sort((a, b) => NodeIdMath.CompareDistance(t, a.NodeId, b.NodeId));
        if (all.Count > count) all.RemoveRange(count, all.Count - count);
        return all;
    }

    public List<Enr> All()
    {
        var all = new List<Enr>(_byId.Count);
        foreach (var e in _byId.Values) all.Add(e.Enr);
        return all;
    }

    /// <summary>The entry least recently seen (unverified ones first) across all buckets, for liveness checks.</summary>
    public Entry? Stalest()
    {
        Entry? best = null;
        foreach (var e in _byId.Values)
            if (best is null || e.LastSeenTicks < best.LastSeenTicks) best = e;
        return best;
    }
}

/// <summary>A dictionary with a hard size limit that evicts the least recently used entry.</summary>
public sealed class BoundedLru<TKey, TValue>(int capacity) where TKey : notnull
{
    private readonly Dictionary<TKey, LinkedListNode<(TKey Key, TValue Value)>> _map = new();
    private readonly LinkedList<(TKey Key, TValue Value)> _order = new();

    public int Count => _map.Count;
    public int Capacity => capacity;

    public bool TryGet(TKey key, out TValue value)
    {
        if (_map.TryGetValue(key, out var node))
        {
            _order.Remove(node);
            _order.AddLast(node);
            value = node.Value.Value;
            return true;
        }
        value = default!;
        return false;
    }

    public void Set(TKey key, TValue value)
    {
        if (_map.TryGetValue(key, out var node)) { _order.Remove(node); _map.Remove(key); }
        var n = _order.AddLast((key, value));
        _map[key] = n;
        while (_map.Count > capacity)
        {
            var first = _order.First!;
            _order.RemoveFirst();
            _map.Remove(first.Value.Key);
        }
    }

    public bool Remove(TKey key)
    {
        if (!_map.Remove(key, out var node)) return false;
        _order.Remove(node);
        return true;
    }

    public IEnumerable<TValue> Values { get { foreach (var n in _order) yield return n.Value; } }
}

/// <summary>Token buckets per key, bounded in number; used to limit what a flood of packets can make us do.</summary>
public sealed class RateLimiter(double perSecond, double burst, int maxKeys = 10_000)
{
    private readonly Dictionary<string, (double Tokens, long Ticks)> _buckets = new();

    public bool Allow(string key)
    {
        long now = Environment.TickCount64;
        if (!_buckets.TryGetValue(key, out var b))
        {
            if (_buckets.Count >= maxKeys) _buckets.Clear();
            b = (burst, now);
        }
        double tokens = Math.Min(burst, b.Tokens + (now - b.Ticks) / 1000.0 * perSecond);
        if (tokens < 1) { _buckets[key] = (tokens, now); return false; }
        _buckets[key] = (tokens - 1, now);
        return true;
    }
}
