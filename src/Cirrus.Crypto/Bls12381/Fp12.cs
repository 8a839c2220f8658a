using System.Runtime.CompilerServices;

namespace Cirrus.Crypto.Bls12381;

/// <summary>Fp12 = Fp6[w] / (w^2 - v); an element is C0 + C1·w. The pairing's target field.</summary>
internal struct Fp12 : IEquatable<Fp12>
{
    public Fp6 C0, C1;

    public Fp12(in Fp6 c0, in Fp6 c1) { C0 = c0; C1 = c1; }

    public static readonly Fp12 One = new(Fp6.One, Fp6.Zero);

    public readonly bool IsOne => C0.Equals(Fp6.One) && C1.IsZero;
    public readonly bool Equals(Fp12 o) => C0.Equals(o.C0) && C1.Equals(o.C1);
    public override readonly bool Equals(object? obj) => obj is Fp12 f && Equals(f);
    public override readonly int GetHashCode() => HashCode.Combine(C0, C1);

    public static Fp12 operator *(in Fp12 a, in Fp12 b) { Mul(out Fp12 r, a, b); return r; }

    public static void Mul(out Fp12 r, in Fp12 a, in Fp12 b)
    {
        Fp6.Mul(out Fp6 t0, a.C0, b.C0);
        Fp6.Mul(out Fp6 t1, a.C1, b.C1);
        Fp6.Add(out Fp6 x, a.C0, a.C1);
        Fp6.Add(out Fp6 y, b.C0, b.C1);
        Fp6.Mul(out Fp6 c1, x, y);
        Fp6.Sub(out c1, c1, t0);
        Fp6.Sub(out c1, c1, t1);
        Fp6.MulByV(out t1, t1);
        Fp6.Add(out r.C0, t0, t1);
        r.C1 = c1;
    }

    public readonly Fp12 Square() { Square(out Fp12 r, this); return r; }

    public static void Square(out Fp12 r, in Fp12 a)
    {
        Fp6.Mul(out Fp6 ab, a.C0, a.C1);
        Fp6.MulByV(out Fp6 t, a.C1);
        Fp6.Add(out t, t, a.C0);
        Fp6.Add(out Fp6 s, a.C0, a.C1);
        Fp6.Mul(out Fp6 c0, s, t);
        Fp6.Sub(out c0, c0, ab);
        Fp6.MulByV(out t, ab);
        Fp6.Sub(out r.C0, c0, t);
        Fp6.Add(out r.C1, ab, ab);
    }

    public readonly Fp12 Conjugate() => new(C0, -C1);

    public readonly Fp12 Inverse()
    {
        Fp6 t = (C0.Square() - C1.Square().MulByV()).Inverse();
        return new Fp12(C0 * t, -(C1 * t));
    }

    /// <summary>Multiplies by the sparse element c0 + c1·v + c4·v·w (a Miller-loop line).</summary>
    public readonly Fp12 MulBy014(in Fp2 c0, in Fp2 c1, in Fp2 c4) { MulBy014(out Fp12 r, this, c0, c1, c4); return r; }

    public static void MulBy014(out Fp12 r, in Fp12 a, in Fp2 c0, in Fp2 c1, in Fp2 c4)
    {
        Fp6.MulBy01(out Fp6 aa, a.C0, c0, c1);
        Fp6.MulBy1(out Fp6 bb, a.C1, c4);
        Fp6.Add(out Fp6 s, a.C0, a.C1);
        Fp2.Add(out Fp2 c14, c1, c4);
        Fp6.MulBy01(out s, s, c0, c14);
        Fp6.Sub(out s, s, aa);
        Fp6.Sub(out r.C1, s, bb);
        Fp6.MulByV(out bb, bb);
        Fp6.Add(out r.C0, aa, bb);
    }

    public readonly Fp12 Frobenius()
    {
        Fp6 c0 = C0.Frobenius();
        Fp6 c1 = C1.Frobenius() * Frob.G121;
        return new Fp12(c0, c1);
    }

    /// <summary>Squaring for elements of the cyclotomic subgroup (Granger-Scott).</summary>
    public readonly Fp12 CyclotomicSquare() { CyclotomicSquare(out Fp12 r, this); return r; }

    /// <summary>r = 2·(t - z) + t, the "3t - 2z" pattern of the Granger-Scott formulas.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ThreeMinusTwo(out Fp2 r, in Fp2 t, in Fp2 z)
    {
        Fp2.Sub(out Fp2 d, t, z);
        Fp2.Double(out d, d);
        Fp2.Add(out r, d, t);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ThreePlusTwo(out Fp2 r, in Fp2 t, in Fp2 z)
    {
        Fp2.Add(out Fp2 d, t, z);
        Fp2.Double(out d, d);
        Fp2.Add(out r, d, t);
    }

    public static void CyclotomicSquare(out Fp12 r, in Fp12 f)
    {
        // z0 = c0.c0, z4 = c0.c1, z3 = c0.c2, z2 = c1.c0, z1 = c1.c1, z5 = c1.c2
        Fp4Square(f.C0.C0, f.C1.C1, out Fp2 t0, out Fp2 t1);
        ThreeMinusTwo(out Fp2 z0, t0, f.C0.C0);
        ThreePlusTwo(out Fp2 z1, t1, f.C1.C1);
        Fp4Square(f.C1.C0, f.C0.C2, out t0, out t1);
        Fp4Square(f.C0.C1, f.C1.C2, out Fp2 t2, out Fp2 t3);
        ThreeMinusTwo(out Fp2 z4, t0, f.C0.C1);
        ThreePlusTwo(out Fp2 z5, t1, f.C1.C2);
        Fp2.MulByXi(out t0, t3);
        ThreePlusTwo(out Fp2 z2, t0, f.C1.C0);
        ThreeMinusTwo(out Fp2 z3, t2, f.C0.C2);
        r.C0.C0 = z0; r.C0.C1 = z4; r.C0.C2 = z3;
        r.C1.C0 = z2; r.C1.C1 = z1; r.C1.C2 = z5;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fp4Square(in Fp2 a, in Fp2 b, out Fp2 c0, out Fp2 c1)
    {
        Fp2.Square(out Fp2 t0, a);
        Fp2.Square(out Fp2 t1, b);
        Fp2.Add(out Fp2 s, a, b);
        Fp2.Square(out s, s);
        Fp2.Sub(out s, s, t0);
        Fp2.Sub(out c1, s, t1);
        Fp2.MulByXi(out t1, t1);
        Fp2.Add(out c0, t1, t0);
    }
}
