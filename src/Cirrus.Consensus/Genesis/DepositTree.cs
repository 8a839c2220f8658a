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

    /// <summary>An independent copy (to try leaves on before keeping them); no hashing.</summary>
    public DepositTree Clone()
    {
        var t = new DepositTree();
        _branch.CopyTo(t._branch, 0);
        t._leaves.AddRange(_leaves);
        return t;
    }

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

    /// <summary>The leaves pushed so far (deposit data roots), in order.</summary>
    public IReadOnlyList<Bytes32> Leaves => _leaves;

    /// <summary>
    /// Deposit.proofs of leaves [<paramref name="from"/>, <paramref name="from"/> + <paramref name="n"/>) against
    /// the root the tree had when it held <paramref name="count"/> leaves (what eth1_data.deposit_root names): one
    /// pass over those leaves, whatever the number of proofs.
    /// </summary>
    public Bytes32[][] ProofsAt(ulong count, ulong from, int n)
    {
        if (count > Count || from + (ulong)n > count) throw new ArgumentOutOfRangeException(nameof(count), $"proofs of {from}+{n} at count {count} of {Count}");
        var proofs = new Bytes32[n][];
        for (int k = 0; k < n; k++) proofs[k] = new Bytes32[Depth + 1];
        var layer = new Bytes32[count];
        for (ulong i = 0; i < count; i++) layer[i] = _leaves[(int)i];
        ulong len = count;
        Span<byte> buf = stackalloc byte[64];
        for (int h = 0; h < Depth; h++)
        {
            for (int k = 0; k < n; k++)
            {
                ulong sibling = ((from + (ulong)k) >> h) ^ 1;
                proofs[k][h] = sibling < len ? layer[sibling] : Bytes32.FromSpan(Merkle.ZeroHash(h));
            }
            ulong next = (len + 1) / 2;
            for (ulong i = 0; i < next; i++)
            {
                layer[2 * i].AsSpan().CopyTo(buf);
                if (2 * i + 1 < len) layer[2 * i + 1].AsSpan().CopyTo(buf[32..]);
                else Merkle.ZeroHash(h).CopyTo(buf[32..]);
                SHA256.HashData(buf, layer[i].AsWritableSpan());
            }
            len = next;
        }
        for (int k = 0; k < n; k++)
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(proofs[k][Depth].AsWritableSpan(), count);
        return proofs;
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
