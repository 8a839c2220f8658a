using System.Security.Cryptography;
using Cirrus.Consensus.Config;
using Cirrus.Ssz;

namespace Cirrus.Consensus.Genesis;

/// <summary>
/// The deposit contract's incremental Merkle tree: hash_tree_root(List[DepositData, 2**32]) of the
/// deposits so far in O(depth) per deposit, and proofs for new deposits.
/// </summary>
public sealed class DepositTree
{
    private const int Depth = ChainConfig.DepositContractTreeDepth;
    private readonly Bytes32[] _branch = new Bytes32[Depth];
    private readonly List<Bytes32> _leaves = [];

    public ulong Count => (ulong)_leaves.Count;

    public void Push(Bytes32 leaf)
    {
        _leaves.Add(leaf);
        ulong size = (ulong)_leaves.Count;
        Span<byte> buf = stackalloc byte[64];
        Bytes32 node = leaf;
        for (int h = 0; h < Depth; h++)
        {
            if ((size & 1) == 1)
            {
                _branch[h] = node;
                return;
            }
            _branch[h].AsSpan().CopyTo(buf);
            node.AsSpan().CopyTo(buf[32..]);
            SHA256.HashData(buf, node.AsWritableSpan());
            size >>= 1;
        }
    }

    /// <summary>
    /// Appends a leaf and returns its Deposit.proof against the new root, in O(depth): the new leaf
    /// is the last, so its left siblings are the stored complete subtrees and its right ones empty.
    /// </summary>
    public Bytes32[] PushWithProof(Bytes32 leaf)
    {
        ulong index = Count;
        var proof = new Bytes32[Depth + 1];
        for (int h = 0; h < Depth; h++)
            proof[h] = ((index >> h) & 1) == 1 ? _branch[h] : Bytes32.FromSpan(Merkle.ZeroHash(h));
        Push(leaf);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(proof[Depth].AsWritableSpan(), Count);
        return proof;
    }

    /// <summary>The list root, with the length mixed in (as Eth1Data.deposit_root).</summary>
    public Bytes32 Root()
    {
        Span<byte> buf = stackalloc byte[64];
        Bytes32 node = default;
        ulong size = Count;
        for (int h = 0; h < Depth; h++)
        {
            if ((size & 1) == 1)
            {
                _branch[h].AsSpan().CopyTo(buf);
                node.AsSpan().CopyTo(buf[32..]);
            }
            else
            {
                node.AsSpan().CopyTo(buf);
                Merkle.ZeroHash(h).CopyTo(buf[32..]);
            }
            SHA256.HashData(buf, node.AsWritableSpan());
            size >>= 1;
        }
        Merkle.MixInLength(node.AsWritableSpan(), Count);
        return node;
    }

    /// <summary>The Deposit.proof of leaf <paramref name="index"/> against the current root (depth + 1 entries, the last the length).</summary>
    public Bytes32[] Proof(ulong index)
    {
        byte[] chunks = new byte[_leaves.Count * 32];
        for (int i = 0; i < _leaves.Count; i++) _leaves[i].AsSpan().CopyTo(chunks.AsSpan(i * 32));
        var branch = Merkle.Branch(chunks, Depth, index);
        var proof = new Bytes32[Depth + 1];
        branch.CopyTo(proof, 0);
        Bytes32 len = default;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(len.AsWritableSpan(), Count);
        proof[Depth] = len;
        return proof;
    }
}
