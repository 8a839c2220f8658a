namespace Cirrus.Node.Validation;

/// <summary>
/// Keys filed under a period (a slot or an epoch), so that old periods can be pruned. Bounded: past
/// <c>maxEntries</c> the oldest periods go first. Thread-safe.
/// </summary>
internal sealed class SeenCache<TKey>(int maxEntries) where TKey : notnull
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<ulong, HashSet<TKey>> _byPeriod = [];
    private int _count;

    public bool Contains(ulong period, TKey key)
    {
        lock (_lock) return _byPeriod.TryGetValue(period, out var set) && set.Contains(key);
    }

    /// <summary>True when all keys are present in <paramref name="period"/>.</summary>
    public bool ContainsAll(ulong period, IEnumerable<TKey> keys)
    {
        lock (_lock)
        {
            if (!_byPeriod.TryGetValue(period, out var set)) return !keys.Any();
            return keys.All(set.Contains);
        }
    }

    /// <summary>Adds the key; false when it was already there (another message won the race).</summary>
    public bool TryAdd(ulong period, TKey key)
    {
        lock (_lock)
        {
            if (!_byPeriod.TryGetValue(period, out var set)) _byPeriod[period] = set = [];
            if (!set.Add(key)) return false;
            _count++;
            while (_count > maxEntries && _byPeriod.Count > 1) RemoveOldest();
            return true;
        }
    }

    public void AddRange(ulong period, IEnumerable<TKey> keys)
    {
        foreach (var k in keys) TryAdd(period, k);
    }

    /// <summary>Drops every period below <paramref name="period"/>.</summary>
    public void PruneBelow(ulong period)
    {
        lock (_lock)
        {
            while (_byPeriod.Count > 0 && _byPeriod.First().Key < period) RemoveOldest();
        }
    }

    public int Count { get { lock (_lock) return _count; } }

    private void RemoveOldest()
    {
        var first = _byPeriod.First();
        _count -= first.Value.Count;
        _byPeriod.Remove(first.Key);
    }
}
