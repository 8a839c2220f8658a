using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cirrus.Crypto.Bls12381;

/// <summary>
/// Eight independent Fp elements, one per 64-bit lane of AVX-512 vectors, on fourteen 29-bit limbs in
/// Montgomery form with R = 2^406; every value in [0, 2p). Batch verification runs the same public
/// sequence of field operations on many points (cofactor clearing, square-root exponentiations), and
/// VPMULUDQ does eight 29×29-bit products per instruction: a lane product costs about a quarter of a
/// scalar Fp product. The products are in <c>FpX8.Generated.cs</c> (scripts/gen-fpx8.py).
/// </summary>
internal partial struct FpX8 : IExponentiable<FpX8>, ILaneField<FpX8>
{
    /// <summary>True where the lanes can run: AVX-512 F and DQ, and accelerated 512-bit vectors.</summary>
    public static bool IsSupported => Avx512F.IsSupported && Avx512DQ.IsSupported && Vector512.IsHardwareAccelerated;

    private const int N = 14, W = 29;

    public static readonly FpX8 Zero = default;
    /// <summary>1 in this form: 2^406 mod p in every lane.</summary>
    public static readonly FpX8 One = Broadcast(BigInteger.ModPow(2, 406, Limbs.P));
    /// <summary>2^428 mod p: a product with it turns x·2^384 (Fp's Montgomery form) into x·2^406.</summary>
    private static readonly FpX8 ToLane = Broadcast(BigInteger.ModPow(2, 428, Limbs.P));
    /// <summary>2^384 mod p: a product with it turns x·2^406 back into x·2^384.</summary>
    private static readonly FpX8 FromLane = Broadcast(BigInteger.ModPow(2, 384, Limbs.P));

    /// <summary>The plain integer v (below 2^406) in every lane, limbs as they are (no conversion).</summary>
    private static FpX8 Broadcast(BigInteger v)
    {
        FpX8 r = default;
        for (int j = 0; j < N; j++)
            Unsafe.Add(ref r.V0, j) = Vector512.Create((ulong)((v >> (W * j)) & Mask));
        return r;
    }

    /// <summary>The same Fp value in every lane.</summary>
    public static FpX8 Broadcast(in Fp a)
    {
        Span<Fp> eight = [a, a, a, a, a, a, a, a];
        Load(eight, out FpX8 r);
        return r;
    }

    /// <summary>Loads up to eight Fp values (missing lanes are zero).</summary>
    public static void Load(ReadOnlySpan<Fp> values, out FpX8 r)
    {
        Span<ulong> limbs = stackalloc ulong[N * 8];
        limbs.Clear();
        for (int k = 0; k < values.Length && k < 8; k++)
        {
            ref readonly Fp v = ref values[k];
            ReadOnlySpan<ulong> w = [v.L0, v.L1, v.L2, v.L3, v.L4, v.L5];
            for (int j = 0; j < N; j++)
            {
                int bit = W * j, word = bit >> 6, shift = bit & 63;
                ulong x = w[word] >> shift;
                if (shift > 64 - W && word < 5) x |= w[word + 1] << (64 - shift);
                limbs[j * 8 + k] = x & Mask;
            }
        }
        FpX8 raw;
        Unsafe.SkipInit(out raw);
        for (int j = 0; j < N; j++) Unsafe.Add(ref raw.V0, j) = Vector512.Create<ulong>(limbs.Slice(j * 8, 8));
        Mul(out r, raw, ToLane);
    }

    /// <summary>Stores the lanes (as many as <paramref name="values"/> holds, up to eight) as Fp values.</summary>
    public readonly void Store(Span<Fp> values)
    {
        Mul(out FpX8 c, this, FromLane);
        Span<ulong> limbs = stackalloc ulong[N * 8];
        for (int j = 0; j < N; j++) Unsafe.Add(ref c.V0, j).CopyTo(limbs.Slice(j * 8, 8));
        Span<ulong> w = stackalloc ulong[7];
        for (int k = 0; k < values.Length && k < 8; k++)
        {
            w.Clear();
            for (int j = 0; j < N; j++)
            {
                int bit = W * j, word = bit >> 6, shift = bit & 63;
                ulong x = limbs[j * 8 + k];
                w[word] |= x << shift;
                if (shift > 64 - W) w[word + 1] |= x >> (64 - shift);
            }
            values[k] = Fp.ReduceOnce(w[0], w[1], w[2], w[3], w[4], w[5]);
        }
    }

    /// <summary>Lanes from plain integers below 2^406 as they are (tests reach every representative).</summary>
    internal static FpX8 FromRaw(ReadOnlySpan<BigInteger> lanes)
    {
        FpX8 r = default;
        Span<ulong> l = stackalloc ulong[8];
        for (int j = 0; j < N; j++)
        {
            for (int k = 0; k < 8; k++) l[k] = (ulong)((lanes[k] >> (W * j)) & Mask);
            Unsafe.Add(ref r.V0, j) = Vector512.Create<ulong>(l);
        }
        return r;
    }

    /// <summary>The lanes as plain integers, and whether every limb is below 2^29.</summary>
    internal readonly BigInteger[] ToRaw(out bool limbsInRange)
    {
        var r = new BigInteger[8];
        limbsInRange = true;
        for (int j = N - 1; j >= 0; j--)
        {
            Vector512<ulong> v = Unsafe.Add(ref Unsafe.AsRef(in V0), j);
            for (int k = 0; k < 8; k++)
            {
                if (v[k] > Mask) limbsInRange = false;
                r[k] = (r[k] << W) + v[k];
            }
        }
        return r;
    }

    /// <summary>
    /// a^2 as a product: a squaring that computes each cross product once (105 instead of 196 lane
    /// products, column sums, then the reduction) measured slower (15.9 against 12.7 ns per lane), its
    /// 28 live columns spilling out of the 32 vector registers.
    /// </summary>
    public static void Sqr(out FpX8 r, in FpX8 a) => Mul(out r, a, a);

    public static void Neg(out FpX8 r, in FpX8 a) => Sub(out r, Zero, a);

    /// <summary>values[i] = values[i]^e for a public exponent, eight at a time.</summary>
    public static void PowMany(Span<Fp> values, ReadOnlySpan<ulong> e)
    {
        for (int b = 0; b < values.Length; b += 8)
        {
            Span<Fp> group = values.Slice(b, Math.Min(8, values.Length - b));
            Load(group, out FpX8 v);
            Pow(out FpX8 r, v, e);
            r.Store(group);
        }
    }

    /// <summary>a^e for a public exponent (little-endian 64-bit limbs).</summary>
    public static void Pow(out FpX8 r, in FpX8 a, ReadOnlySpan<ulong> e) => SlidingWindow.Pow(out r, a, e);

    static FpX8 ILaneField<FpX8>.LOne => One;
    static void ILaneField<FpX8>.LAdd(out FpX8 r, in FpX8 a, in FpX8 b) => Add(out r, a, b);
    static void ILaneField<FpX8>.LSub(out FpX8 r, in FpX8 a, in FpX8 b) => Sub(out r, a, b);
    static void ILaneField<FpX8>.LNeg(out FpX8 r, in FpX8 a) => Neg(out r, a);
    static void ILaneField<FpX8>.LMul(out FpX8 r, in FpX8 a, in FpX8 b) => Mul(out r, a, b);
    static void ILaneField<FpX8>.LSqr(out FpX8 r, in FpX8 a) => Sqr(out r, a);
    static Vector512<ulong> ILaneField<FpX8>.LIsZeroMask(in FpX8 a) => IsZeroMask(a);

    static FpX8 IExponentiable<FpX8>.ExpOne => One;
    static void IExponentiable<FpX8>.ExpSqr(out FpX8 r, in FpX8 a) => Sqr(out r, a);
    static void IExponentiable<FpX8>.ExpMul(out FpX8 r, in FpX8 a, in FpX8 b) => Mul(out r, a, b);
}
