using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Cirrus.Crypto.Bls12381;

/// <summary>Eight Fp2 elements in AVX-512 lanes (see <see cref="FpX8"/>).</summary>
internal struct Fp2X8 : ILaneField<Fp2X8>
{
    public FpX8 C0, C1;

    public static Fp2X8 One { get; } = Broadcast(Fp2.One);

    static Fp2X8 ILaneField<Fp2X8>.LOne => One;
    static void ILaneField<Fp2X8>.LAdd(out Fp2X8 r, in Fp2X8 a, in Fp2X8 b) => Add(out r, a, b);
    static void ILaneField<Fp2X8>.LSub(out Fp2X8 r, in Fp2X8 a, in Fp2X8 b) => Sub(out r, a, b);
    static void ILaneField<Fp2X8>.LNeg(out Fp2X8 r, in Fp2X8 a) => Neg(out r, a);
    static void ILaneField<Fp2X8>.LMul(out Fp2X8 r, in Fp2X8 a, in Fp2X8 b) => Mul(out r, a, b);
    static void ILaneField<Fp2X8>.LSqr(out Fp2X8 r, in Fp2X8 a) => Sqr(out r, a);
    static Vector512<ulong> ILaneField<Fp2X8>.LIsZeroMask(in Fp2X8 a) => IsZeroMask(a);

    public static void Load(ReadOnlySpan<Fp2> values, out Fp2X8 r)
    {
        Span<Fp> c0 = stackalloc Fp[8], c1 = stackalloc Fp[8];
        int n = Math.Min(values.Length, 8);
        for (int k = 0; k < n; k++) { c0[k] = values[k].C0; c1[k] = values[k].C1; }
        FpX8.Load(c0[..n], out r.C0);
        FpX8.Load(c1[..n], out r.C1);
    }

    public static Fp2X8 Broadcast(in Fp2 a) => new() { C0 = FpX8.Broadcast(a.C0), C1 = FpX8.Broadcast(a.C1) };

    public readonly void Store(Span<Fp2> values)
    {
        int n = Math.Min(values.Length, 8);
        Span<Fp> c0 = stackalloc Fp[8], c1 = stackalloc Fp[8];
        C0.Store(c0[..n]);
        C1.Store(c1[..n]);
        for (int k = 0; k < n; k++) values[k] = new Fp2(c0[k], c1[k]);
    }

    public static void Add(out Fp2X8 r, in Fp2X8 a, in Fp2X8 b)
    {
        Unsafe.SkipInit(out r);
        FpX8.Add(out r.C0, a.C0, b.C0);
        FpX8.Add(out r.C1, a.C1, b.C1);
    }

    public static void Sub(out Fp2X8 r, in Fp2X8 a, in Fp2X8 b)
    {
        Unsafe.SkipInit(out r);
        FpX8.Sub(out r.C0, a.C0, b.C0);
        FpX8.Sub(out r.C1, a.C1, b.C1);
    }

    public static void Neg(out Fp2X8 r, in Fp2X8 a)
    {
        Unsafe.SkipInit(out r);
        FpX8.Neg(out r.C0, a.C0);
        FpX8.Neg(out r.C1, a.C1);
    }

    public static void Conjugate(out Fp2X8 r, in Fp2X8 a)
    {
        Unsafe.SkipInit(out r);
        r.C0 = a.C0;
        FpX8.Neg(out r.C1, a.C1);
    }

    /// <summary>Karatsuba: three lane products.</summary>
    public static void Mul(out Fp2X8 r, in Fp2X8 a, in Fp2X8 b)
    {
        Unsafe.SkipInit(out r);
        FpX8.Mul(out FpX8 t0, a.C0, b.C0);
        FpX8.Mul(out FpX8 t1, a.C1, b.C1);
        // The sums go into a product, which takes operands up to 4p: no reduction needed.
        FpX8.AddUnreduced(out FpX8 sa, a.C0, a.C1);
        FpX8.AddUnreduced(out FpX8 sb, b.C0, b.C1);
        FpX8.Mul(out FpX8 t2, sa, sb);
        FpX8.Sub(out r.C0, t0, t1);
        FpX8.Sub(out t2, t2, t0);
        FpX8.Sub(out r.C1, t2, t1);
    }

    /// <summary>(a0 + a1)(a0 - a1) + 2·a0·a1·u: two lane products.</summary>
    public static void Sqr(out Fp2X8 r, in Fp2X8 a)
    {
        Unsafe.SkipInit(out r);
        FpX8.AddUnreduced(out FpX8 s, a.C0, a.C1);
        FpX8.Sub(out FpX8 d, a.C0, a.C1);
        FpX8.Mul(out FpX8 m, a.C0, a.C1);
        FpX8.Mul(out r.C0, s, d);
        FpX8.Add(out r.C1, m, m);
    }

    /// <summary>Lanes where a = 0 are all ones.</summary>
    public static Vector512<ulong> IsZeroMask(in Fp2X8 a) => FpX8.IsZeroMask(a.C0) & FpX8.IsZeroMask(a.C1);
}
