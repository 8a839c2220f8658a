using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Consensus.Tests;

public class DepositTreeTests
{
    [Fact]
    public void IncrementalRootAndProofsMatchTheListRoot()
    {
        var c = ChainConfig.Minimal;
        var listType = new ListType<Bytes32>(c.Schema.Get<Bytes32>(), 1UL << 32);
        var tree = new DepositTree();
        var leaves = new List<Bytes32>();
        for (int i = 0; i < 37; i++)
        {
            Bytes32 leaf = default;
            leaf.AsWritableSpan()[0] = (byte)(i + 1);
            leaf.AsWritableSpan()[31] = (byte)(3 * i);
            leaves.Add(leaf);
            var proof = tree.PushWithProof(leaf);
            var root = tree.Root();
            Assert.Equal(listType.HashTreeRoot(leaves), root);
            Assert.True(Merkle.IsValidMerkleBranch(leaf, proof, ChainConfig.DepositContractTreeDepth + 1, (ulong)i, root));
            Assert.Equal(proof, tree.Proof((ulong)i));
            Bytes32 wrong = leaf;
            wrong.AsWritableSpan()[5] ^= 1;
            Assert.False(Merkle.IsValidMerkleBranch(wrong, proof, ChainConfig.DepositContractTreeDepth + 1, (ulong)i, root));
        }
    }
}
