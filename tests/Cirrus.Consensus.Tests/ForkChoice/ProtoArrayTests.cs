using Cirrus.Consensus.ForkChoice;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Consensus.Tests.ForkChoice;

/// <summary>The spec's get_head (v0.12.3 fork-choice.md), written naively as the oracle.</summary>
internal sealed class NaiveForkChoice
{
    public readonly Dictionary<Bytes32, (Bytes32 Parent, ulong Slot, Checkpoint Justified, Checkpoint Finalized)> Blocks = [];
    public readonly Dictionary<ulong, (ulong Epoch, Bytes32 Root)> LatestMessages = [];

    public void OnAttestation(ulong v, Bytes32 root, ulong epoch)
    {
        if (!LatestMessages.TryGetValue(v, out var m) || epoch > m.Epoch) LatestMessages[v] = (epoch, root);
    }

    private Bytes32 GetAncestor(Bytes32 root, ulong slot)
    {
        var b = Blocks[root];
        if (b.Slot > slot) return Blocks.ContainsKey(b.Parent) ? GetAncestor(b.Parent, slot) : default;
        return root;
    }

    private ulong GetLatestAttestingBalance(Bytes32 root, ulong[] balances)
    {
        ulong sum = 0;
        foreach (var (i, m) in LatestMessages)
            if (i < (ulong)balances.Length && Blocks.ContainsKey(m.Root) && GetAncestor(m.Root, Blocks[root].Slot) == root)
                sum += balances[i];
        return sum;
    }

    private bool FilterBlockTree(Bytes32 root, Dictionary<Bytes32, bool> kept, Checkpoint justified, Checkpoint finalized)
    {
        var children = Blocks.Where(kv => kv.Value.Parent == root && kv.Key != root).Select(kv => kv.Key).ToList();
        if (children.Count > 0)
        {
            var results = children.Select(c => FilterBlockTree(c, kept, justified, finalized)).ToList();
            if (results.Any(r => r))
            {
                kept[root] = true;
                return true;
            }
            return false;
        }
        var b = Blocks[root];
        bool correctJustified = justified.Epoch == 0 || b.Justified.Equals(justified);
        bool correctFinalized = finalized.Epoch == 0 || b.Finalized.Equals(finalized);
        if (correctJustified && correctFinalized)
        {
            kept[root] = true;
            return true;
        }
        return false;
    }

    public Bytes32 GetHead(Checkpoint justified, Checkpoint finalized, ulong justifiedSlot, ulong[] balances)
    {
        var kept = new Dictionary<Bytes32, bool>();
        FilterBlockTree(justified.Root, kept, justified, finalized);
        var head = justified.Root;
        while (true)
        {
            var children = kept.Keys.Where(r => Blocks[r].Parent == head && r != head && Blocks[r].Slot > justifiedSlot).ToList();
            if (children.Count == 0) return head;
            head = children
                .Select(r => (Balance: GetLatestAttestingBalance(r, balances), Root: r))
                .Aggregate((a, b) => a.Balance > b.Balance || (a.Balance == b.Balance && a.Root.AsSpan().SequenceCompareTo(b.Root.AsSpan()) > 0) ? a : b)
                .Root;
        }
    }
}

public class ProtoArrayTests
{
    private static Bytes32 RandomRoot(Random rng)
    {
        var b = new byte[32];
        rng.NextBytes(b);
        return Bytes32.FromSpan(b);
    }

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)] [InlineData(5)]
    [InlineData(6)] [InlineData(7)] [InlineData(8)] [InlineData(9)] [InlineData(10)]
    public void MatchesNaiveGetHeadOnRandomTreesAndVotes(int seed)
    {
        var rng = new Random(seed);
        var genesis = RandomRoot(rng);
        var genesisCp = new Checkpoint { Epoch = 0, Root = genesis };
        var naive = new NaiveForkChoice();
        naive.Blocks[genesis] = (default, 0, genesisCp, genesisCp);
        var proto = new ProtoArray(genesis, 0, genesisCp, genesisCp);
        var roots = new List<Bytes32> { genesis };
        // A small pool of checkpoints, so that leaves agree and disagree with the store often.
        var pool = new List<Checkpoint> { genesisCp };
        int validators = 48;
        var balances = new ulong[validators];
        int comparisons = 0, distinctHeads = 0;
        var seenHeads = new HashSet<Bytes32>();
        for (int round = 0; round < 40; round++)
        {
            for (int k = rng.Next(1, 5); k > 0; k--)
            {
                var parent = roots[rng.Next(roots.Count)];
                ulong slot = naive.Blocks[parent].Slot + (ulong)rng.Next(1, 4);
                var root = RandomRoot(rng);
                if (rng.Next(4) == 0) pool.Add(new Checkpoint { Epoch = slot / 8 + 1, Root = root });
                var j = pool[rng.Next(pool.Count)];
                var f = rng.Next(3) == 0 ? pool[rng.Next(pool.Count)] : genesisCp;
                naive.Blocks[root] = (parent, slot, j, f);
                proto.OnBlock(root, parent, slot, j, f);
                roots.Add(root);
            }
            for (int k = rng.Next(0, 30); k > 0; k--)
            {
                ulong v = (ulong)rng.Next(validators);
                var target = roots[rng.Next(roots.Count)];
                ulong epoch = (ulong)rng.Next(0, 20);
                naive.OnAttestation(v, target, epoch);
                proto.OnAttestation(v, target, epoch);
            }
            for (int k = rng.Next(0, 10); k > 0; k--)
                balances[rng.Next(validators)] = rng.Next(4) == 0 ? 0 : (ulong)rng.Next(1, 33) * 1_000_000_000;
            // Store checkpoints: a justified checkpoint whose root is in the tree, and a finalized one.
            var inTree = pool.Where(c => naive.Blocks.ContainsKey(c.Root)).ToList();
            var justified = rng.Next(3) == 0 ? genesisCp : inTree[rng.Next(inTree.Count)];
            var finalized = rng.Next(2) == 0 ? genesisCp : inTree[rng.Next(inTree.Count)];
            ulong justifiedSlot = rng.Next(2) == 0 ? justified.Epoch * 8 : naive.Blocks[justified.Root].Slot + (ulong)rng.Next(0, 3);
            var expected = naive.GetHead(justified, finalized, justifiedSlot, balances);
            var actual = proto.FindHead(justified, finalized, justifiedSlot, balances);
            Assert.Equal(expected, actual);
            comparisons++;
            if (seenHeads.Add(actual)) distinctHeads++;
        }
        Assert.Equal(40, comparisons);
        Assert.True(distinctHeads > 3, "the random trees should move the head around");
    }

    [Fact]
    public void HeavierBranchWinsAndTiesGoToTheGreaterRoot()
    {
        Bytes32 R(byte b) { var x = new byte[32]; x[0] = b; return Bytes32.FromSpan(x); }
        var g = new Checkpoint { Epoch = 0, Root = R(0) };
        var p = new ProtoArray(R(0), 0, g, g);
        p.OnBlock(R(1), R(0), 1, g, g);
        p.OnBlock(R(2), R(0), 1, g, g);
        ulong[] bal = [10, 10, 10];
        Assert.Equal(R(2), p.FindHead(g, g, 0, bal)); // tie at zero weight: greater root
        p.OnAttestation(0, R(1), 1);
        Assert.Equal(R(1), p.FindHead(g, g, 0, bal));
        p.OnAttestation(1, R(2), 1);
        p.OnAttestation(2, R(2), 1);
        Assert.Equal(R(2), p.FindHead(g, g, 0, bal));
        // An older target epoch does not replace a newer latest message.
        p.OnAttestation(1, R(1), 0);
        Assert.Equal(R(2), p.FindHead(g, g, 0, bal));
        // Balances moving changes the outcome.
        Assert.Equal(R(1), p.FindHead(g, g, 0, [100, 10, 10]));
        Assert.Equal(100UL, p.GetWeight(R(1)));
    }

    [Fact]
    public void PruneKeepsTheFinalizedSubtreeAndItsHead()
    {
        var rng = new Random(77);
        var roots = Enumerable.Range(0, 8).Select(_ => RandomRoot(rng)).ToArray();
        var g = new Checkpoint { Epoch = 0, Root = roots[0] };
        var p = new ProtoArray(roots[0], 0, g, g);
        // 0 → 1 → 2 → 3, 1 → 4 (fork), 0 → 5 (fork), 2 → 6 → 7
        p.OnBlock(roots[1], roots[0], 1, g, g);
        p.OnBlock(roots[2], roots[1], 2, g, g);
        p.OnBlock(roots[3], roots[2], 3, g, g);
        p.OnBlock(roots[4], roots[1], 2, g, g);
        p.OnBlock(roots[5], roots[0], 1, g, g);
        p.OnBlock(roots[6], roots[2], 3, g, g);
        p.OnBlock(roots[7], roots[6], 4, g, g);
        ulong[] bal = [5, 5];
        p.OnAttestation(0, roots[7], 1);
        p.OnAttestation(1, roots[5], 1);
        var fin = new Checkpoint { Epoch = 0, Root = roots[2] };
        var before = p.FindHead(fin, g, 0, bal);
        Assert.Equal(roots[7], before);
        p.Prune(roots[2]);
        Assert.Equal(4, p.Count);
        Assert.False(p.Contains(roots[5]));
        Assert.False(p.Contains(roots[4]));
        Assert.Equal(roots[7], p.FindHead(fin, g, 0, bal));
        Assert.Equal(roots[2], p.GetAncestor(roots[7], 2));
        Assert.Throws<ForkChoiceException>(() => p.OnBlock(RandomRoot(rng), roots[5], 9, g, g));
    }
}
