using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cirrus.Ssz;

/// <summary>
/// SHA-256 of many 64-byte messages at once (the only shape merkleization hashes): 16 lanes with
/// AVX-512, 8 with AVX2, else a scalar path. The padding block of a 64-byte message is constant, so
/// its message schedule is precomputed. Output i may overlap input (it is written after lane i is read).
/// </summary>
public static class Sha256Batch
{
    private static readonly uint[] K =
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    private static readonly uint[] H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

    /// <summary>K[t] + W[t] of the padding block (0x80, zeros, bit length 512).</summary>
    private static readonly uint[] PadKW = BuildPadKW();

    private static uint[] BuildPadKW()
    {
        var w = new uint[64];
        w[0] = 0x80000000;
        w[15] = 512;
        for (int t = 16; t < 64; t++) w[t] = Sig1(w[t - 2]) + w[t - 7] + Sig0(w[t - 15]) + w[t - 16];
        var kw = new uint[64];
        for (int t = 0; t < 64; t++) kw[t] = K[t] + w[t];
        return kw;
    }

    /// <summary>Which path runs; tests force each in turn.</summary>
    public enum Path { Auto, Scalar, Avx2, Avx512 }

    public static Path Force { get; set; } = Path.Auto;

    public static bool Avx512Available => Avx512F.IsSupported && Avx512BW.IsSupported;
    public static bool Avx2Available => Avx2.IsSupported;

    /// <summary>output[i*32..] = sha256(input[i*64..i*64+64]) for every i.</summary>
    public static void Hash64(ReadOnlySpan<byte> input, Span<byte> output) => Run(input, output, padBlock: true);

    /// <summary>
    /// output[i*32..] = sha256 of a message of at most 55 bytes whose single, already padded block
    /// (message, 0x80, zeros, bit length big-endian) is input[i*64..i*64+64]. See <see cref="PadSingleBlock"/>.
    /// </summary>
    public static void HashPaddedBlocks(ReadOnlySpan<byte> input, Span<byte> output) => Run(input, output, padBlock: false);

    /// <summary>Writes the SHA-256 padding of a <paramref name="messageLength"/>-byte message (at most 55) into its 64-byte block.</summary>
    public static void PadSingleBlock(Span<byte> block, int messageLength)
    {
        if (messageLength > 55 || block.Length != 64) throw new ArgumentException("a single block holds at most 55 message bytes");
        block[messageLength..].Clear();
        block[messageLength] = 0x80;
        BinaryPrimitives.WriteUInt64BigEndian(block[56..], (ulong)messageLength * 8);
    }

    private static void Run(ReadOnlySpan<byte> input, Span<byte> output, bool padBlock)
    {
        int n = input.Length / 64;
        if (input.Length != n * 64) throw new ArgumentException("input must be a multiple of 64 bytes");
        if (output.Length < n * 32) throw new ArgumentException("output too small");
        int i = 0;
        Path p = Force;
        if ((p == Path.Auto || p == Path.Avx512) && Avx512Available)
        {
            for (; i + 16 <= n; i += 16) Lanes16(input.Slice(i * 64, 16 * 64), output.Slice(i * 32, 16 * 32), padBlock);
        }
        if ((p == Path.Auto || p == Path.Avx2) && Avx2Available)
        {
            for (; i + 8 <= n; i += 8) Lanes8(input.Slice(i * 64, 8 * 64), output.Slice(i * 32, 8 * 32), padBlock);
        }
        for (; i < n; i++) Scalar(input.Slice(i * 64, 64), output.Slice(i * 32, 32), padBlock);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static uint Rotr(uint x, int n) => (x >> n) | (x << (32 - n));
    private static uint Sig0(uint x) => Rotr(x, 7) ^ Rotr(x, 18) ^ (x >> 3);
    private static uint Sig1(uint x) => Rotr(x, 17) ^ Rotr(x, 19) ^ (x >> 10);

    private static void Scalar(ReadOnlySpan<byte> msg, Span<byte> digest, bool padBlock = true)
    {
        Span<uint> w = stackalloc uint[64];
        for (int t = 0; t < 16; t++) w[t] = BinaryPrimitives.ReadUInt32BigEndian(msg[(t * 4)..]);
        for (int t = 16; t < 64; t++) w[t] = Sig1(w[t - 2]) + w[t - 7] + Sig0(w[t - 15]) + w[t - 16];
        Span<uint> h = stackalloc uint[8];
        H0.CopyTo(h);
        Compress(h, w, K);
        Span<uint> h2 = stackalloc uint[8];
        h.CopyTo(h2);
        if (padBlock) CompressKW(h2, PadKW);
        for (int t = 0; t < 8; t++) BinaryPrimitives.WriteUInt32BigEndian(digest[(t * 4)..], h2[t]);
    }

    private static void Compress(Span<uint> h, ReadOnlySpan<uint> w, ReadOnlySpan<uint> k)
    {
        uint a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
        for (int t = 0; t < 64; t++)
        {
            uint t1 = hh + (Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[t] + w[t];
            uint t2 = (Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
        }
        h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
    }

    private static void CompressKW(Span<uint> h, ReadOnlySpan<uint> kw)
    {
        uint a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
        for (int t = 0; t < 64; t++)
        {
            uint t1 = hh + (Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25)) + ((e & f) ^ (~e & g)) + kw[t];
            uint t2 = (Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
        }
        h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
    }

    // ---- AVX-512: 16 messages per call ----

    [System.Runtime.CompilerServices.SkipLocalsInit] // the schedule is written in full before it is read
    private static unsafe void Lanes16(ReadOnlySpan<byte> input, Span<byte> output, bool padBlock)
    {
        var w = stackalloc Vector512<uint>[64];
        LoadTransposed(input, new Span<uint>(w, 16 * 16), 16);
        for (int t = 16; t < 64; t++)
        {
            var x2 = w[t - 2];
            var x15 = w[t - 15];
            var s1 = Avx512F.TernaryLogic(Avx512F.RotateRight(x2, 17), Avx512F.RotateRight(x2, 19), Avx512F.ShiftRightLogical(x2, 10), 0x96);
            var s0 = Avx512F.TernaryLogic(Avx512F.RotateRight(x15, 7), Avx512F.RotateRight(x15, 18), Avx512F.ShiftRightLogical(x15, 3), 0x96);
            w[t] = s1 + w[t - 7] + s0 + w[t - 16];
        }
        var a = Vector512.Create(H0[0]); var b = Vector512.Create(H0[1]); var c = Vector512.Create(H0[2]); var d = Vector512.Create(H0[3]);
        var e = Vector512.Create(H0[4]); var f = Vector512.Create(H0[5]); var g = Vector512.Create(H0[6]); var h = Vector512.Create(H0[7]);
        for (int t = 0; t < 64; t++) Round16(ref a, ref b, ref c, ref d, ref e, ref f, ref g, ref h, w[t] + Vector512.Create(K[t]));
        a += Vector512.Create(H0[0]); b += Vector512.Create(H0[1]); c += Vector512.Create(H0[2]); d += Vector512.Create(H0[3]);
        e += Vector512.Create(H0[4]); f += Vector512.Create(H0[5]); g += Vector512.Create(H0[6]); h += Vector512.Create(H0[7]);
        if (padBlock)
        {
            var (a1, b1, c1, d1, e1, f1, g1, h1) = (a, b, c, d, e, f, g, h);
            for (int t = 0; t < 64; t++) Round16(ref a, ref b, ref c, ref d, ref e, ref f, ref g, ref h, Vector512.Create(PadKW[t]));
            a += a1; b += b1; c += c1; d += d1; e += e1; f += f1; g += g1; h += h1;
        }
        Store(output, [a.AsByte(), b.AsByte(), c.AsByte(), d.AsByte(), e.AsByte(), f.AsByte(), g.AsByte(), h.AsByte()], 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round16(ref Vector512<uint> a, ref Vector512<uint> b, ref Vector512<uint> c, ref Vector512<uint> d,
        ref Vector512<uint> e, ref Vector512<uint> f, ref Vector512<uint> g, ref Vector512<uint> h, Vector512<uint> kw)
    {
        var s1 = Avx512F.TernaryLogic(Avx512F.RotateRight(e, 6), Avx512F.RotateRight(e, 11), Avx512F.RotateRight(e, 25), 0x96);
        var ch = Avx512F.TernaryLogic(e, f, g, 0xCA);
        var t1 = h + s1 + ch + kw;
        var s0 = Avx512F.TernaryLogic(Avx512F.RotateRight(a, 2), Avx512F.RotateRight(a, 13), Avx512F.RotateRight(a, 22), 0x96);
        var maj = Avx512F.TernaryLogic(a, b, c, 0xE8);
        h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + s0 + maj;
    }

    // ---- AVX2: 8 messages per call ----

    [System.Runtime.CompilerServices.SkipLocalsInit] // the schedule is written in full before it is read
    private static unsafe void Lanes8(ReadOnlySpan<byte> input, Span<byte> output, bool padBlock)
    {
        var w = stackalloc Vector256<uint>[64];
        LoadTransposed(input, new Span<uint>(w, 16 * 8), 8);
        for (int t = 16; t < 64; t++)
        {
            var x2 = w[t - 2];
            var x15 = w[t - 15];
            var s1 = R8(x2, 17) ^ R8(x2, 19) ^ Vector256.ShiftRightLogical(x2, 10);
            var s0 = R8(x15, 7) ^ R8(x15, 18) ^ Vector256.ShiftRightLogical(x15, 3);
            w[t] = s1 + w[t - 7] + s0 + w[t - 16];
        }
        var a = Vector256.Create(H0[0]); var b = Vector256.Create(H0[1]); var c = Vector256.Create(H0[2]); var d = Vector256.Create(H0[3]);
        var e = Vector256.Create(H0[4]); var f = Vector256.Create(H0[5]); var g = Vector256.Create(H0[6]); var h = Vector256.Create(H0[7]);
        for (int t = 0; t < 64; t++) Round8(ref a, ref b, ref c, ref d, ref e, ref f, ref g, ref h, w[t] + Vector256.Create(K[t]));
        a += Vector256.Create(H0[0]); b += Vector256.Create(H0[1]); c += Vector256.Create(H0[2]); d += Vector256.Create(H0[3]);
        e += Vector256.Create(H0[4]); f += Vector256.Create(H0[5]); g += Vector256.Create(H0[6]); h += Vector256.Create(H0[7]);
        if (padBlock)
        {
            var (a1, b1, c1, d1, e1, f1, g1, h1) = (a, b, c, d, e, f, g, h);
            for (int t = 0; t < 64; t++) Round8(ref a, ref b, ref c, ref d, ref e, ref f, ref g, ref h, Vector256.Create(PadKW[t]));
            a += a1; b += b1; c += c1; d += d1; e += e1; f += f1; g += g1; h += h1;
        }
        Span<uint> tmp = stackalloc uint[64];
        Vector256<uint>[] regs = [a, b, c, d, e, f, g, h];
        for (int r = 0; r < 8; r++) regs[r].CopyTo(tmp.Slice(r * 8, 8));
        for (int lane = 0; lane < 8; lane++)
            for (int r = 0; r < 8; r++)
                BinaryPrimitives.WriteUInt32BigEndian(output[(lane * 32 + r * 4)..], tmp[r * 8 + lane]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> R8(Vector256<uint> x, int n) => Vector256.ShiftRightLogical(x, n) | Vector256.ShiftLeft(x, 32 - n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round8(ref Vector256<uint> a, ref Vector256<uint> b, ref Vector256<uint> c, ref Vector256<uint> d,
        ref Vector256<uint> e, ref Vector256<uint> f, ref Vector256<uint> g, ref Vector256<uint> h, Vector256<uint> kw)
    {
        var s1 = R8(e, 6) ^ R8(e, 11) ^ R8(e, 25);
        var ch = (e & f) ^ Avx2.AndNot(e, g);
        var t1 = h + s1 + ch + kw;
        var s0 = R8(a, 2) ^ R8(a, 13) ^ R8(a, 22);
        var maj = (a & b) ^ (a & c) ^ (b & c);
        h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + s0 + maj;
    }

    /// <summary>Word t of lane j (big-endian) to dest[t * lanes + j]: the layout of W[0..15] as vectors.</summary>
    private static void LoadTransposed(ReadOnlySpan<byte> input, Span<uint> dest, int lanes)
    {
        for (int j = 0; j < lanes; j++)
        {
            ReadOnlySpan<byte> m = input.Slice(j * 64, 64);
            for (int t = 0; t < 16; t++) dest[t * lanes + j] = BinaryPrimitives.ReadUInt32BigEndian(m[(t * 4)..]);
        }
    }

    private static void Store(Span<byte> output, ReadOnlySpan<Vector512<byte>> regs, int lanes)
    {
        Span<uint> tmp = stackalloc uint[8 * 16];
        for (int r = 0; r < 8; r++) regs[r].AsUInt32().CopyTo(tmp.Slice(r * 16, 16));
        for (int lane = 0; lane < lanes; lane++)
            for (int r = 0; r < 8; r++)
                BinaryPrimitives.WriteUInt32BigEndian(output[(lane * 32 + r * 4)..], tmp[r * 16 + lane]);
    }
}
