using System.Buffers;
using System.Numerics;

namespace Cirrus.Ssz;

/// <summary>Merkleization (spec: ssz/simple-serialize.md "Merkleization") and Merkle branches.</summary>
public static class Merkle
{
    public const int MaxDepth = 64;

    /// <summary>ZeroHashes[i] is the root of a full tree of depth i whose leaves are zero chunks.</summary>
    private static readonly byte[] ZeroHashes = BuildZeroHashes();

    private static byte[] BuildZeroHashes()
    {
        var z = new byte[(MaxDepth + 1) * 32];
        for (int i = 1; i <= MaxDepth; i++)
            HashPair(z.AsSpan((i - 1) * 32, 32), z.AsSpan((i - 1) * 32, 32), z.AsSpan(i * 32, 32));
        return z;
    }

    public static ReadOnlySpan<byte> ZeroHash(int depth) => ZeroHashes.AsSpan(depth * 32, 32);

    /// <summary>sha256(a ‖ b) into dest (may alias a).</summary>
    public static void HashPair(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> dest)
    {
        Span<byte> buf = stackalloc byte[64];
        a[..32].CopyTo(buf);
        b[..32].CopyTo(buf[32..]);
        Sha256Batch.Hash64(buf, dest);
    }

    /// <summary>Depth of the tree holding <paramref name="limit"/> chunks: ceil(log2(limit)).</summary>
    public static int DepthFor(ulong limit) => limit <= 1 ? 0 : 64 - BitOperations.LeadingZeroCount(limit - 1);

    /// <summary>
    /// merkleize(chunks, limit): the root of <paramref name="chunks"/> (a multiple of 32 bytes) padded
    /// with zero chunks to next_pow_of_two(limit). The chunk buffer is used as scratch and overwritten.
    /// </summary>
    public static void MerkleizeInPlace(Span<byte> chunks, ulong limit, Span<byte> dest32)
    {
        int count = chunks.Length / 32;
        if ((ulong)count > limit) throw new SszException($"{count} chunks exceed the limit of {limit}");
        int depth = DepthFor(limit);
        if (count == 0)
        {
            ZeroHash(depth).CopyTo(dest32);
            return;
        }
        int n = count;
        for (int level = 0; level < depth; level++)
        {
            int pairs = n >> 1;
            Sha256Batch.Hash64(chunks[..(pairs * 64)], chunks);
            if ((n & 1) == 1)
            {
                HashPair(chunks.Slice((n - 1) * 32, 32), ZeroHash(level), chunks.Slice(pairs * 32, 32));
                n = pairs + 1;
            }
            else n = pairs;
        }
        chunks[..32].CopyTo(dest32);
    }

    /// <summary>merkleize over a copy, leaving <paramref name="chunks"/> intact.</summary>
    public static void Merkleize(ReadOnlySpan<byte> chunks, ulong limit, Span<byte> dest32)
    {
        if (chunks.Length <= 32 * 16)
        {
            Span<byte> tmp = stackalloc byte[Math.Max(chunks.Length, 32)];
            chunks.CopyTo(tmp);
            MerkleizeInPlace(tmp[..chunks.Length], limit, dest32);
            return;
        }
        byte[] rented = ArrayPool<byte>.Shared.Rent(chunks.Length);
        try
        {
            chunks.CopyTo(rented);
            MerkleizeInPlace(rented.AsSpan(0, chunks.Length), limit, dest32);
        }
        finally { ArrayPool<byte>.Shared.Return(rented); }
    }

    /// <summary>mix_in_length(root, length) in place.</summary>
    public static void MixInLength(Span<byte> root32, ulong length)
    {
        Span<byte> buf = stackalloc byte[64];
        root32[..32].CopyTo(buf);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(buf[32..], length);
        Sha256Batch.Hash64(buf, root32);
    }

    /// <summary>spec: is_valid_merkle_branch.</summary>
    public static bool IsValidMerkleBranch(Bytes32 leaf, ReadOnlySpan<Bytes32> branch, int depth, ulong index, Bytes32 root)
    {
        if (depth < 0 || branch.Length < depth) return false;
        Span<byte> value = stackalloc byte[32];
        leaf.AsSpan().CopyTo(value);
        for (int i = 0; i < depth; i++)
        {
            if (((index >> i) & 1) == 1) HashPair(branch[i].AsSpan(), value, value);
            else HashPair(value, branch[i].AsSpan(), value);
        }
        return value.SequenceEqual(root.AsSpan());
    }

    /// <summary>
    /// is_valid_merkle_branch for a generalized index (spec: ssz/merkle-proofs.md): the depth is
    /// floor(log2(gindex)) and the leaf's position is gindex minus 2^depth.
    /// </summary>
    public static bool IsValidMerkleBranchAtGeneralizedIndex(Bytes32 leaf, ReadOnlySpan<Bytes32> branch, ulong generalizedIndex, Bytes32 root)
    {
        if (generalizedIndex == 0) return false;
        int depth = 63 - BitOperations.LeadingZeroCount(generalizedIndex);
        return branch.Length == depth && IsValidMerkleBranch(leaf, branch, depth, generalizedIndex - (1UL << depth), root);
    }

    /// <summary>
    /// The Merkle branch (sibling hashes, leaf level first) of chunk <paramref name="index"/> in a tree of
    /// <paramref name="depth"/> over <paramref name="chunks"/> (zero-padded).
    /// </summary>
    public static Bytes32[] Branch(ReadOnlySpan<byte> chunks, int depth, ulong index)
    {
        var proof = new Bytes32[depth];
        int n = chunks.Length / 32;
        byte[] layer = chunks.ToArray();
        for (int level = 0; level < depth; level++)
        {
            ulong sibling = index ^ 1;
            proof[level] = sibling < (ulong)n ? Bytes32.FromSpan(layer.AsSpan((int)sibling * 32, 32)) : Bytes32.FromSpan(ZeroHash(level));
            int next = (n + 1) / 2;
            var up = new byte[Math.Max(next, 1) * 32];
            for (int i = 0; i < next; i++)
            {
                ReadOnlySpan<byte> left = layer.AsSpan(2 * i * 32, 32);
                ReadOnlySpan<byte> right = 2 * i + 1 < n ? layer.AsSpan((2 * i + 1) * 32, 32) : ZeroHash(level);
                HashPair(left, right, up.AsSpan(i * 32, 32));
            }
            layer = up;
            n = next;
            index >>= 1;
        }
        return proof;
    }
}
