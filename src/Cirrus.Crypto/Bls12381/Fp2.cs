using System.Numerics;
using System.Runtime.CompilerServices;

namespace Cirrus.Crypto.Bls12381;

/// <summary>Fp2 = Fp[u] / (u^2 + 1); an element is C0 + C1·u.</summary>
internal partial struct Fp2 : IEquatable<Fp2>
{
    public Fp C0, C1;

    public Fp2(in Fp c0, in Fp c1) { C0 = c0; C1 = c1; }

    public static readonly Fp2 Zero = default;
    public static readonly Fp2 One = new(Fp.One, Fp.Zero);

    public readonly bool IsZero => C0.IsZero && C1.IsZero;
    public readonly bool IsOne => C0.IsOne && C1.IsZero;
    public readonly bool Equals(Fp2 o) => C0.Equals(o.C0) && C1.Equals(o.C1);
    public override readonly bool Equals(object? obj) => obj is Fp2 f && Equals(f);
    public override readonly int GetHashCode() => HashCode.Combine(C0, C1);
    public static bool operator ==(in Fp2 a, in Fp2 b) => a.Equals(b);
    public static bool operator !=(in Fp2 a, in Fp2 b) => !a.Equals(b);

    // One call per Fp2 addition with both halves inlined (interleaved), rather than two calls.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Add(out Fp2 r, in Fp2 a, in Fp2 b)
    {
        Fp.AddInline(out r.C0, a.C0, b.C0);
        Fp.AddInline(out r.C1, a.C1, b.C1);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Sub(out Fp2 r, in Fp2 a, in Fp2 b)
    {
        Fp.SubInline(out r.C0, a.C0, b.C0);
        Fp.SubInline(out r.C1, a.C1, b.C1);
    }

    public static void Mul(out Fp2 r, in Fp2 a, in Fp2 b)
    {
        if (System.Runtime.Intrinsics.X86.Bmi2.X64.IsSupported)
        {
            // Karatsuba on unreduced columns: three products, two reductions (small shared routines:
            // one big unrolled Fp2 routine measured faster alone but slower inside the pairing).
            Fp.AddUnreduced(out Fp sa, a.C0, a.C1);
            Fp.AddUnreduced(out Fp sb, b.C0, b.C1);
            Fp.ProductColumns(out Fp.Columns t, a.C0, b.C0);
            Fp.ProductColumns(out Fp.Columns u, a.C1, b.C1);
            Fp.ProductColumns(out Fp.Columns v, sa, sb);
            Fp.ReduceColumns(out Fp c1, v, Fp.Columns.Zero, t, u);
            Fp.ReduceColumns(out Fp c0, t, Fp.Columns.FourPSquared, u, Fp.Columns.Zero);
            r.C0 = c0;
            r.C1 = c1;
        }
        else MulPortable(out r, a, b);
    }

    /// <summary>
    /// Unreduced columns of a·b (BMI2 only) for lazy reduction: re = a0·b0 − a1·b1 and
    /// im = (a0 + a1)(b0 + b1) − a0·b0 − a1·b1 = a0·b1 + a1·b0 exactly as integers (the sums are not
    /// reduced), so for a, b &lt; p: re ∈ (−p², p²), im ∈ [0, 2p²) (times 2^8). Each column of re lies in
    /// ±14·2^56, of im in (−28·2^56, 14·2^56).
    /// </summary>
    public static void MulColumns(out Fp.Columns re, out Fp.Columns im, in Fp2 a, in Fp2 b)
    {
        Fp.AddUnreduced(out Fp sa, a.C0, a.C1);
        Fp.AddUnreduced(out Fp sb, b.C0, b.C1);
        Fp.ProductColumns(out Fp.Columns t, a.C0, b.C0);
        Fp.ProductColumns(out Fp.Columns u, a.C1, b.C1);
        Fp.ProductColumns(out Fp.Columns v, sa, sb);
        Fp.Columns.Karatsuba(out re, out im, t, u, v);
    }

    /// <summary>Karatsuba with three full Montgomery multiplications (portable path).</summary>
    public static void MulPortable(out Fp2 r, in Fp2 a, in Fp2 b)
    {
        Fp.Mul(out Fp t0, a.C0, b.C0);
        Fp.Mul(out Fp t1, a.C1, b.C1);
        Fp.Add(out Fp s0, a.C0, a.C1);
        Fp.Add(out Fp s1, b.C0, b.C1);
        Fp.Mul(out Fp m, s0, s1);
        Fp.Sub(out r.C0, t0, t1);
        Fp.Sub(out m, m, t0);
        Fp.Sub(out r.C1, m, t1);
    }

    public static void Square(out Fp2 r, in Fp2 a)
    {
        if (System.Runtime.Intrinsics.X86.Bmi2.X64.IsSupported)
        {
            // The radix-2^56 products take operands below 2p: the sums need no reduction.
            Fp.AddUnreduced(out Fp sum, a.C0, a.C1);
            Fp.SubPlusPUnreduced(out Fp diff, a.C0, a.C1);
            Fp.AddUnreduced(out Fp twice, a.C1, a.C1);
            Fp.MulBmi2(out Fp c0, sum, diff);
            Fp.MulBmi2(out Fp c1, a.C0, twice);
            r.C0 = c0;
            r.C1 = c1;
        }
        else SquarePortable(out r, a);
    }

    /// <summary>(a0 + a1)(a0 - a1) + 2·a0·a1·u with reduced sums (portable path).</summary>
    public static void SquarePortable(out Fp2 r, in Fp2 a)
    {
        Fp.Add(out Fp s, a.C0, a.C1);
        Fp.Sub(out Fp d, a.C0, a.C1);
        Fp.Mul(out Fp c1, a.C0, a.C1);
        Fp.Mul(out r.C0, s, d);
        Fp.Add(out r.C1, c1, c1);
    }

    public static Fp2 operator +(in Fp2 a, in Fp2 b) { Add(out Fp2 r, a, b); return r; }
    public static Fp2 operator -(in Fp2 a, in Fp2 b) { Sub(out Fp2 r, a, b); return r; }
    public static Fp2 operator -(in Fp2 a) => new(-a.C0, -a.C1);
    public static Fp2 operator *(in Fp2 a, in Fp2 b) { Mul(out Fp2 r, a, b); return r; }
    public static Fp2 operator *(in Fp2 a, in Fp b) => new(a.C0 * b, a.C1 * b);

    public readonly Fp2 Square() { Square(out Fp2 r, this); return r; }
    public readonly Fp2 Double() => this + this;
    public readonly Fp2 Conjugate() => new(C0, -C1);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void MulByXi(out Fp2 r, in Fp2 a)
    {
        Fp.SubInline(out Fp c0, a.C0, a.C1);
        Fp.AddInline(out r.C1, a.C0, a.C1);
        r.C0 = c0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Double(out Fp2 r, in Fp2 a)
    {
        Fp.AddInline(out r.C0, a.C0, a.C0);
        Fp.AddInline(out r.C1, a.C1, a.C1);
    }

    public static void Halve(out Fp2 r, in Fp2 a)
    {
        Fp.Halve(out r.C0, a.C0);
        Fp.Halve(out r.C1, a.C1);
    }

    /// <summary>Multiplies by the non-residue ξ = 1 + u used to build Fp6.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly Fp2 MulByXi() => new(C0 - C1, C0 + C1);

    public readonly Fp Norm() => C0.Square() + C1.Square();

    public readonly Fp2 Inverse()
    {
        Fp t = Norm().Inverse();
        return new Fp2(C0 * t, -(C1 * t));
    }

    /// <summary>sgn0 for m = 2 (RFC 9380 section 4.1).</summary>
    public readonly bool Sgn0
    {
        get
        {
            bool s0 = C0.Sgn0;
            bool z0 = C0.IsZero;
            bool s1 = C1.Sgn0;
            return s0 || (z0 && s1);
        }
    }

    /// <summary>ZCash sign bit: compares c1 first, then c0 when c1 is zero.</summary>
    public readonly bool IsLexLargest => C1.IsZero ? C0.IsLexLargest : C1.IsLexLargest;

    public readonly Fp2 Pow(ReadOnlySpan<ulong> e)
    {
        Fp2 r = One;
        for (int i = e.Length - 1; i >= 0; i--)
            for (int bit = 63; bit >= 0; bit--)
            {
                Square(out r, r);
                if (((e[i] >> bit) & 1) != 0) Mul(out r, r, this);
            }
        return r;
    }

    /// <summary>a is a square in Fp2 iff its norm is a square in Fp.</summary>
    public readonly bool IsSquare() => Norm().IsSquare();

    private static readonly Fp HalfFp = Fp.FromUlong(2).Inverse();

    /// <summary>
    /// Square root in Fp2 by the norm ("complex") method: with n = a0^2 + a1^2 and s = sqrt(n) in Fp,
    /// x0 = sqrt((a0 ± s)/2) and x1 = a1/(2·x0). Two Fp exponentiations, no inversion. Variable time
    /// (inputs are public: hashed messages and decoded points).
    /// </summary>
    public readonly bool TrySqrt(out Fp2 root)
    {
        if (C1.IsZero)
        {
            if (C0.TrySqrt(out Fp r0)) { root = new Fp2(r0, Fp.Zero); return true; }
            // (r·u)^2 = -r^2: take r = sqrt(-a0), which exists since -1 is a non-residue.
            if ((-C0).TrySqrt(out Fp r1)) { root = new Fp2(Fp.Zero, r1); return true; }
            root = Zero;
            return false;
        }
        if (!Norm().TrySqrt(out Fp s)) { root = Zero; return false; }
        return TrySqrtGivenNormRoot(s, out root);
    }

    /// <summary>
    /// The second half of <see cref="TrySqrt"/> for a1 ≠ 0, given s with s^2 = a0^2 + a1^2 (either sign).
    /// </summary>
    public readonly bool TrySqrtGivenNormRoot(in Fp s, out Fp2 root)
    {
        Fp t = SqrtHalfNormSum(s);
        return TrySqrtFinish(t, t.Pow(Fp.PMinus3Div4), out root);
    }

    /// <summary>
    /// <see cref="TrySqrtGivenNormRoot"/> for every a[i] with active[i] (s[i] its norm's root), the
    /// exponentiations eight at a time in AVX-512 lanes (the caller checks <see cref="FpX8.IsSupported"/>);
    /// active[i] is cleared where a[i] turns out to have no square root.
    /// </summary>
    internal static void TrySqrtGivenNormRootsMany(ReadOnlySpan<Fp2> a, ReadOnlySpan<Fp> s, Span<bool> active, Span<Fp2> roots)
    {
        var t = new Fp[a.Length];
        for (int i = 0; i < a.Length; i++) t[i] = active[i] ? a[i].SqrtHalfNormSum(s[i]) : Fp.One;
        var w = (Fp[])t.Clone();
        FpX8.PowMany(w, Fp.PMinus3Div4);
        for (int i = 0; i < a.Length; i++)
            if (active[i] && !a[i].TrySqrtFinish(t[i], w[i], out roots[i])) active[i] = false;
    }

    /// <summary>t = (a0 + s)/2, whose square root (with its inverse) <see cref="TrySqrtFinish"/> needs.</summary>
    private readonly Fp SqrtHalfNormSum(in Fp s) => (C0 + s) * HalfFp;

    /// <summary>
    /// The root of this from t = (a0 + s)/2 and w = t^((p-3)/4) (computed in lanes for batches); false
    /// when this has no square root.
    /// </summary>
    private readonly bool TrySqrtFinish(in Fp t, in Fp w, out Fp2 root)
    {
        // x0 = t·w: x0^2 = ±t and x0·w = ±1 with the same sign, so 1/x0 = ±w.
        Fp x0 = t * w;
        Fp y = C1 * w * HalfFp;
        if (x0.Square() == t)
        {
            root = new Fp2(x0, y);
        }
        else
        {
            // t is a non-residue, so x0^2 = -t and 1/x0 = -w. Since (a0 - s)/2 · t = -a1^2/4, the other
            // candidate (a0 - s)/2 equals (a1 / (2·x0))^2 = (-y)^2: no second exponentiation needed.
            root = new Fp2(-y, x0);
        }
        return root.Square() == this;
    }

    public static Fp2 FromBig(BigInteger c0, BigInteger c1) => new(Limbs.FpFromBig(c0), Limbs.FpFromBig(c1));

    public override readonly string ToString() => "(" + C0 + ", " + C1 + ")";
}

/// <summary>One-time constant setup helpers (BigInteger allowed here only).</summary>
internal static class Limbs
{
    public static readonly BigInteger P = BigInteger.Parse("01a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab", System.Globalization.NumberStyles.HexNumber);
    public static readonly BigInteger R = BigInteger.Parse("073eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001", System.Globalization.NumberStyles.HexNumber);

    public static ulong[] From(BigInteger v, int n)
    {
        var r = new ulong[n];
        for (int i = 0; i < n; i++) { r[i] = (ulong)(v & ulong.MaxValue); v >>= 64; }
        return r;
    }

    public static Fp FpFromBig(BigInteger v)
    {
        v %= P;
        if (v.Sign < 0) v += P;
        ulong[] l = From(v, 6);
        return Fp.ToMont(new Fp(l[0], l[1], l[2], l[3], l[4], l[5]));
    }

    public static BigInteger ToBig(in Fp a)
    {
        Fp c = a.FromMont();
        BigInteger r = c.L5;
        r = (r << 64) | c.L4; r = (r << 64) | c.L3; r = (r << 64) | c.L2; r = (r << 64) | c.L1; r = (r << 64) | c.L0;
        return r;
    }

    public static BigInteger Hex(string h) => BigInteger.Parse("0" + (h.StartsWith("0x", StringComparison.Ordinal) ? h[2..] : h), System.Globalization.NumberStyles.HexNumber);
}
