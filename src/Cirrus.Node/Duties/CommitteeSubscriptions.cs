namespace Cirrus.Node.Duties;

/// <summary>A validator client's request to follow a committee's attestation subnet at a slot.</summary>
public sealed record CommitteeSubscription(ulong ValidatorIndex, ulong Slot, ulong CommitteeIndex, ulong CommitteesAtSlot, bool IsAggregator);

/// <summary>
/// The beacon-committee subscriptions validator clients sent (validator/beacon_committee_subscriptions).
/// The node has no gossip network yet, so they are only recorded; the networking layer will read
/// <see cref="Due"/> to join the attestation subnets (and aggregate where IsAggregator). Thread-safe.
/// </summary>
public sealed class CommitteeSubscriptions
{
    /// <summary>Subscriptions kept at most; older slots are dropped first.</summary>
    public const int MaxEntries = 1 << 16;

    private readonly object _lock = new();
    private readonly SortedDictionary<(ulong Slot, ulong Committee, ulong Validator), CommitteeSubscription> _entries = [];

    public int Count { get { lock (_lock) return _entries.Count; } }

    public void Add(CommitteeSubscription s)
    {
        lock (_lock)
        {
            _entries[(s.Slot, s.CommitteeIndex, s.ValidatorIndex)] = s;
            while (_entries.Count > MaxEntries) _entries.Remove(_entries.Keys.First());
        }
    }

    /// <summary>Subscriptions for slots in [<paramref name="fromSlot"/>, <paramref name="toSlot"/>].</summary>
    public List<CommitteeSubscription> Due(ulong fromSlot, ulong toSlot)
    {
        lock (_lock) return _entries.Values.Where(e => e.Slot >= fromSlot && e.Slot <= toSlot).ToList();
    }

    /// <summary>Drops subscriptions for slots before <paramref name="slot"/>.</summary>
    public void Prune(ulong slot)
    {
        lock (_lock)
            foreach (var k in _entries.Keys.TakeWhile(k => k.Slot < slot).ToList()) _entries.Remove(k);
    }
}
