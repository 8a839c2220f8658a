using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Consensus.ForkChoice;

/// <summary>Thrown for fork-choice inputs that break its invariants (unknown parent, pruned root...).</summary>
public sealed class ForkChoiceException(string message, bool unknownParent = false) : Exception(message)
{
    /// <summary>The block's parent is not in the store: it may import once the parent does.</summary>
    public bool UnknownParent { get; } = unknownParent;
}

/// <summary>
/// The block tree of fork choice as a flat array (parents before children) with vote weights kept
/// as running sums: votes move as deltas, and one backward pass recomputes every node's best child.
/// It yields exactly the head of the spec's naive get_head (v0.12.3 fork-choice.md): leaves must
/// agree with the store's justified and finalized checkpoints (filter_block_tree), only children
/// above the justified epoch's start slot count, and ties go to the greater root.
/// </summary>
public sealed class ProtoArray
{
    private sealed class Node
    {
        public required Bytes32 Root;
        public required int Parent; // -1 for the anchor
        public required ulong Slot;
        public required Checkpoint Justified;
        public required Checkpoint Finalized;
        public ulong Weight;
        public int BestChild = -1;
        public int BestDescendant = -1;
    }

    private struct Vote
    {
        public Bytes32 Current;
        public Bytes32 Next;
        public ulong NextEpoch;
        public bool HasCurrent;
        public bool HasNext;
    }

    private readonly List<Node> _nodes = [];
    private readonly Dictionary<Bytes32, int> _indices = [];
    private Vote[] _votes = [];
    private ulong[] _balances = [];

    public int Count => _nodes.Count;

    public ProtoArray(Bytes32 anchorRoot, ulong anchorSlot, Checkpoint justified, Checkpoint finalized)
    {
        OnBlock(anchorRoot, default, anchorSlot, justified, finalized, isAnchor: true);
    }

    public bool Contains(Bytes32 root) => _indices.ContainsKey(root);

    /// <summary>Adds a block whose parent is already known (or the anchor).</summary>
    public void OnBlock(Bytes32 root, Bytes32 parentRoot, ulong slot, Checkpoint justified, Checkpoint finalized) =>
        OnBlock(root, parentRoot, slot, justified, finalized, isAnchor: false);

    private void OnBlock(Bytes32 root, Bytes32 parentRoot, ulong slot, Checkpoint justified, Checkpoint finalized, bool isAnchor)
    {
        if (_indices.ContainsKey(root)) return;
        int parent = -1;
        if (!isAnchor)
        {
            if (!_indices.TryGetValue(parentRoot, out parent))
                throw new ForkChoiceException($"block {root} has unknown parent {parentRoot}", unknownParent: true);
            if (slot <= _nodes[parent].Slot)
                throw new ForkChoiceException($"block {root} at slot {slot} is not after its parent's slot {_nodes[parent].Slot}");
        }
        _indices[root] = _nodes.Count;
        _nodes.Add(new Node { Root = root, Parent = parent, Slot = slot, Justified = justified.Copy(), Finalized = finalized.Copy() });
    }

    /// <summary>Records a validator's latest message (spec: update_latest_messages): only a newer target epoch replaces it.</summary>
    public void OnAttestation(ulong validatorIndex, Bytes32 blockRoot, ulong targetEpoch)
    {
        if (validatorIndex >= (ulong)_votes.Length)
            Array.Resize(ref _votes, (int)Math.Max(validatorIndex + 1, (ulong)_votes.Length * 2));
        ref Vote v = ref _votes[validatorIndex];
        if (!v.HasNext || targetEpoch > v.NextEpoch)
        {
            v.Next = blockRoot;
            v.NextEpoch = targetEpoch;
            v.HasNext = true;
        }
    }

    /// <summary>
    /// get_head: applies vote changes (weighted by <paramref name="justifiedBalances"/>, the effective
    /// balances of validators active in the justified checkpoint state, 0 for the others) and returns
    /// the head under the given justified and finalized checkpoints.
    /// </summary>
    public Bytes32 FindHead(Checkpoint justified, Checkpoint finalized, ulong justifiedSlot, ReadOnlySpan<ulong> justifiedBalances)
    {
        if (!_indices.TryGetValue(justified.Root, out int justifiedIndex))
            throw new ForkChoiceException($"justified root {justified.Root} is not in the block tree");
        ApplyVoteDeltas(justifiedBalances);
        UpdateBestChildren(justified, finalized, justifiedSlot);
        int best = _nodes[justifiedIndex].BestDescendant;
        return _nodes[best < 0 ? justifiedIndex : best].Root;
    }

    private void ApplyVoteDeltas(ReadOnlySpan<ulong> newBalances)
    {
        var deltas = new long[_nodes.Count];
        for (int i = 0; i < _votes.Length; i++)
        {
            ref Vote v = ref _votes[i];
            if (!v.HasNext) continue;
            ulong oldBalance = i < _balances.Length ? _balances[i] : 0;
            ulong newBalance = i < newBalances.Length ? newBalances[i] : 0;
            if (v.HasCurrent && v.Current == v.Next && oldBalance == newBalance) continue;
            if (v.HasCurrent && _indices.TryGetValue(v.Current, out int from)) deltas[from] -= (long)oldBalance;
            if (_indices.TryGetValue(v.Next, out int to)) deltas[to] += (long)newBalance;
            v.Current = v.Next;
            v.HasCurrent = true;
        }
        _balances = newBalances.ToArray();
        // Children come after parents, so one backward pass carries every delta up the tree.
        for (int i = _nodes.Count - 1; i >= 0; i--)
        {
            var n = _nodes[i];
            n.Weight = checked((ulong)((long)n.Weight + deltas[i]));
            if (n.Parent >= 0) deltas[n.Parent] += deltas[i];
        }
    }

    private void UpdateBestChildren(Checkpoint justified, Checkpoint finalized, ulong justifiedSlot)
    {
        int count = _nodes.Count;
        var hasChild = new bool[count];
        var childLeads = new bool[count];
        foreach (var n in _nodes) n.BestChild = n.BestDescendant = -1;
        for (int i = count - 1; i >= 0; i--)
        {
            var n = _nodes[i];
            // filter_block_tree: a node with children stays only through a viable leaf below it.
            bool leads = hasChild[i] ? childLeads[i] : IsViableLeaf(n, justified, finalized);
            if (n.Parent < 0) continue;
            hasChild[n.Parent] = true;
            if (!leads) continue;
            childLeads[n.Parent] = true;
            if (n.Slot <= justifiedSlot) continue; // get_head only walks to children after the justified slot
            var p = _nodes[n.Parent];
            if (p.BestChild < 0 || IsBetter(n, _nodes[p.BestChild]))
            {
                p.BestChild = i;
                p.BestDescendant = n.BestDescendant >= 0 ? n.BestDescendant : i;
            }
        }
    }

    private static bool IsViableLeaf(Node n, Checkpoint justified, Checkpoint finalized) =>
        (justified.Epoch == 0 || n.Justified.Equals(justified)) && (finalized.Epoch == 0 || n.Finalized.Equals(finalized));

    private static bool IsBetter(Node a, Node b) =>
        a.Weight != b.Weight ? a.Weight > b.Weight : a.Root.AsSpan().SequenceCompareTo(b.Root.AsSpan()) > 0;

    /// <summary>Weight of a block: the balance of latest messages at or below it (after the last FindHead).</summary>
    public ulong GetWeight(Bytes32 root) => _indices.TryGetValue(root, out int i) ? _nodes[i].Weight : 0;

    /// <summary>
    /// get_ancestor: the root at <paramref name="slot"/> on the chain of <paramref name="root"/> (or the
    /// latest before it). Below the anchor (the oldest kept block, finalized) the anchor answers: every
    /// known block descends from it.
    /// </summary>
    public Bytes32? GetAncestor(Bytes32 root, ulong slot)
    {
        if (!_indices.TryGetValue(root, out int i)) return null;
        while (_nodes[i].Slot > slot && _nodes[i].Parent >= 0) i = _nodes[i].Parent;
        return _nodes[i].Root;
    }

    public ulong? GetSlot(Bytes32 root) => _indices.TryGetValue(root, out int i) ? _nodes[i].Slot : null;

    public Bytes32? GetParent(Bytes32 root) =>
        _indices.TryGetValue(root, out int i) && _nodes[i].Parent >= 0 ? _nodes[_nodes[i].Parent].Root : null;

    /// <summary>All known roots (e.g. for debug/beacon/heads: those without children).</summary>
    public IEnumerable<(Bytes32 Root, ulong Slot, bool IsLeaf)> Nodes()
    {
        var hasChild = new bool[_nodes.Count];
        foreach (var n in _nodes) if (n.Parent >= 0) hasChild[n.Parent] = true;
        for (int i = 0; i < _nodes.Count; i++) yield return (_nodes[i].Root, _nodes[i].Slot, !hasChild[i]);
    }

    /// <summary>
    /// Drops every block that is not the finalized root or its descendant. Votes for dropped blocks
    /// stay recorded but weigh nothing (their blocks are gone), as in the spec.
    /// </summary>
    public void Prune(Bytes32 finalizedRoot)
    {
        if (!_indices.TryGetValue(finalizedRoot, out int fin))
            throw new ForkChoiceException($"finalized root {finalizedRoot} is not in the block tree");
        if (fin == 0) return;
        var keep = new bool[_nodes.Count];
        keep[fin] = true;
        for (int i = fin + 1; i < _nodes.Count; i++)
            keep[i] = _nodes[i].Parent >= 0 && keep[_nodes[i].Parent];
        var remap = new int[_nodes.Count];
        var kept = new List<Node>();
        for (int i = 0; i < _nodes.Count; i++)
        {
            if (!keep[i]) { remap[i] = -1; continue; }
            remap[i] = kept.Count;
            kept.Add(_nodes[i]);
        }
        _indices.Clear();
        for (int i = 0; i < kept.Count; i++)
        {
            var n = kept[i];
            n.Parent = n.Parent >= 0 ? remap[n.Parent] : -1;
            n.BestChild = n.BestDescendant = -1;
            _indices[n.Root] = i;
        }
        kept[0].Parent = -1;
        _nodes.Clear();
        _nodes.AddRange(kept);
    }
}
