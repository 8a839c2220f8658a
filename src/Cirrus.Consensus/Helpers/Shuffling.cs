using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Cirrus.Ssz;

namespace Cirrus.Consensus.Helpers;

/// <summary>spec: compute_shuffled_index and a whole-list equivalent for committees.</summary>
public static class Shuffling
{
    /// <summary>spec: compute_shuffled_index.</summary>
    public static ulong ComputeShuffledIndex(ulong index, ulong indexCount, Bytes32 seed, int rounds)
    {
        if (index >= indexCount) throw new ArgumentOutOfRangeException(nameof(index), "index must be below index_count");
        Span<byte> input = stackalloc byte[32 + 1 + 4];
        Span<byte> hash = stackalloc byte[32];
        seed.AsSpan().CopyTo(input);
        for (int round = 0; round < rounds; round++)
        {
            input[32] = (byte)round;
            SHA256.HashData(input[..33], hash);
            ulong pivot = BinaryPrimitives.ReadUInt64LittleEndian(hash) % indexCount;
            ulong flip = (pivot + indexCount - index) % indexCount;
            ulong position = Math.Max(index, flip);
            BinaryPrimitives.WriteUInt32LittleEndian(input[33..], (uint)(position / 256));
            SHA256.HashData(input, hash);
            byte b = hash[(int)(position % 256 / 8)];
            if (((b >> (int)(position % 8)) & 1) != 0) index = flip;
        }
        return index;
    }

    /// <summary>
    /// Shuffles <paramref name="list"/> in place so that afterwards
    /// list[i] == original[compute_shuffled_index(i, n, seed)] for every i.
    /// </summary>
    public static void ShuffleList(int[] list, Bytes32 seed, int rounds)
    {
        int n = list.Length;
        if (n <= 1) return;
        Span<byte> input = stackalloc byte[32 + 1 + 4];
        Span<byte> pivotHash = stackalloc byte[32];
        seed.AsSpan().CopyTo(input);
        int blocks = (n + 255) / 256;
        byte[] bits = new byte[blocks * 32];
        // The round's source hashes, sha256(seed + round + block), in one batch: each message
        // (37 bytes) fits one padded SHA-256 block.
        byte[] padded = new byte[blocks * 64];
        for (int blk = 0; blk < blocks; blk++)
        {
            var m = padded.AsSpan(blk * 64, 64);
            seed.AsSpan().CopyTo(m);
            BinaryPrimitives.WriteUInt32LittleEndian(m[33..], (uint)blk);
            Sha256Batch.PadSingleBlock(m, 37);
        }
        // Apply the rounds' swap involutions last-round first: then list[i] = in[S_{R-1}(...S_0(i))].
        for (int round = rounds - 1; round >= 0; round--)
        {
            input[32] = (byte)round;
            SHA256.HashData(input[..33], pivotHash);
            int pivot = (int)(BinaryPrimitives.ReadUInt64LittleEndian(pivotHash) % (ulong)n);
            for (int blk = 0; blk < blocks; blk++) padded[blk * 64 + 32] = (byte)round;
            Sha256Batch.HashPaddedBlocks(padded, bits);
            // Pairs (j, pivot - j) for j in [0, pivot] and (j, pivot + n - j) for j in (pivot, n);
            // the decisive bit is at the pair's larger position (flip, as j < flip).
            int aEnd = (pivot >> 1) + 1, bEnd = (pivot + n + 1) >> 1;
            if (n >= ParallelFrom)
            {
                // Each range's first and second halves touch disjoint positions: one half per core.
                var arr = list;
                int aMid = aEnd >> 1, bMid = (pivot + 1 + bEnd) >> 1;
                Parallel.Invoke(
                    () => Swap(arr, bits, 0, aMid, pivot, pivot + 1, bMid, pivot + n),
                    () => Swap(arr, bits, aMid, aEnd, pivot, bMid, bEnd, pivot + n));
            }
            else Swap(list, bits, 0, aEnd, pivot, pivot + 1, bEnd, pivot + n);
        }
    }

    /// <summary>Lists at least this long are shuffled on two cores.</summary>
    private const int ParallelFrom = 1 << 17;

    private static void Swap(int[] list, byte[] bits, int aFrom, int aTo, int aSum, int bFrom, int bTo, int bSum)
    {
        ref int l0 = ref MemoryMarshal.GetArrayDataReference(list);
        ref byte b0 = ref MemoryMarshal.GetArrayDataReference(bits);
        SwapRange(ref l0, ref b0, aFrom, aTo, aSum);
        SwapRange(ref l0, ref b0, bFrom, bTo, bSum);
    }

    // For j in [from, to): swap list[j] and list[sum - j] when bit (sum - j) is set and j < sum - j.
    private static void SwapRange(ref int l0, ref byte b0, int from, int to, int sum)
    {
        for (int j = from; j < to; j++)
        {
            int flip = sum - j;
            if (flip <= j) break;
            // branch-free: the bits are random, so a branch would be mispredicted half the time
            int mask = -((Unsafe.Add(ref b0, flip >> 3) >> (flip & 7)) & 1);
            ref int a = ref Unsafe.Add(ref l0, j);
            ref int b = ref Unsafe.Add(ref l0, flip);
            int x = (a ^ b) & mask;
            a ^= x;
            b ^= x;
        }
    }
}
