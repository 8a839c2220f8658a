using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Node.Eth1;

/// <summary>
/// Every deposit the contract logged, in index order, with the eth1 block that holds it and the
/// deposit tree's root after it: enough to answer get_eth1_data for any followed block and to build
/// proofs against any past deposit_root. Not thread-safe: the follower guards it.
/// </summary>
public sealed class Eth1DepositCache(ChainConfig config)
{
    private readonly List<DepositData> _deposits = [];
    private readonly List<ulong> _blocks = [];
    private readonly List<Bytes32> _roots = []; // root after deposit i (count i + 1)
    private DepositTree _tree = new();

    public void Clear()
    {
        _deposits.Clear();
        _blocks.Clear();
        _roots.Clear();
        _tree = new DepositTree();
    }

    /// <summary>The deposit data roots (the tree's leaves), in order.</summary>
    public IReadOnlyList<Bytes32> Leaves => _tree.Leaves;

    public ulong Count => (ulong)_deposits.Count;

    /// <summary>A copy of the deposit tree, to try new leaves on.</summary>
    public DepositTree TreeCopy() => _tree.Clone();
    public static Bytes32 EmptyRoot { get; } = new DepositTree().Root();

    public DepositData this[ulong index] => _deposits[(int)index];
    public ulong BlockOf(ulong index) => _blocks[(int)index];

    /// <summary>Appends the next deposit; its index must be <see cref="Count"/> and its block not before the last one's.</summary>
    public void Add(DepositData data, ulong index, ulong blockNumber)
    {
        if (index != Count) throw new Eth1Exception($"deposit index {index} out of order: expected {Count}");
        if (_blocks.Count > 0 && blockNumber < _blocks[^1]) throw new Eth1Exception($"deposit {index} in block {blockNumber}, before deposit {index - 1}'s block {_blocks[^1]}");
        _tree.Push(config.Schema.HashTreeRoot(data));
        _deposits.Add(data);
        _blocks.Add(blockNumber);
        _roots.Add(_tree.Root());
    }

    /// <summary>The deposit root after <paramref name="count"/> deposits (spec: deposit_root of get_eth1_data).</summary>
    public Bytes32 RootAt(ulong count) => count == 0 ? EmptyRoot : _roots[(int)count - 1];

    /// <summary>How many deposits the contract held at the end of eth1 block <paramref name="block"/>.</summary>
    public ulong CountAtBlock(ulong block)
    {
        int lo = 0, hi = _blocks.Count; // first index whose block is after `block`
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (_blocks[mid] <= block) lo = mid + 1; else hi = mid;
        }
        return (ulong)lo;
    }

    /// <summary>
    /// The deposits [from, from + n) with proofs against the root at <paramref name="count"/> deposits, each
    /// checked with is_valid_merkle_branch before it is returned (a proposal never carries a bad proof).
    /// </summary>
    public List<Deposit> DepositsWithProofs(ulong from, int n, ulong count)
    {
        var proofs = _tree.ProofsAt(count, from, n);
        var root = RootAt(count);
        var list = new List<Deposit>(n);
        for (int k = 0; k < n; k++)
        {
            ulong index = from + (ulong)k;
            var leaf = _tree.Leaves[(int)index];
            if (!Merkle.IsValidMerkleBranch(leaf, proofs[k], ChainConfig.DepositContractTreeDepth + 1, index, root))
                throw new Eth1Exception($"the proof built for deposit {index} does not verify against root {root}");
            list.Add(new Deposit { Proof = proofs[k], Data = _deposits[(int)index] });
        }
        return list;
    }
}
