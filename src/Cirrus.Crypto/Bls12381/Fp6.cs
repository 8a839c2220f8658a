namespace Cirrus.Crypto.Bls12381;

/// <summary>Fp6 = Fp2[v] / (v^3 - ξ), ξ = 1 + u; an element is C0 + C1·v + C2·v^2.</summary>
internal struct Fp6 : IEquatable<Fp6>
{
    public Fp2 C0, C1, C2;

    public Fp6(in Fp2 c0, in Fp2 c1, in Fp2 c2) { C0 = c0; C1 = c1; C2 = c2; }

    public static readonly Fp6 Zero = default;
    public static readonly Fp6 One = new(Fp2.One, Fp2.Zero, Fp2.Zero);

    public readonly bool IsZero => C0.IsZero && C1.IsZero && C2.IsZero;
    public readonly bool Equals(Fp6 o) => C0.Equals(o.C0) && C1.Equals(o.C1) && C2.Equals(o.C2);
    public override readonly bool Equals(object? obj) => obj is Fp6 f && Equals(f);
    public override readonly int GetHashCode() => HashCode.Combine(C0, C1, C2);

    public static Fp6 operator +(in Fp6 a, in Fp6 b) => new(a.C0 + b.C0, a.C1 + b.C1, a.C2 + b.C2);
    public static Fp6 operator -(in Fp6 a, in Fp6 b) => new(a.C0 - b.C0, a.C1 - b.C1, a.C2 - b.C2);
    public static Fp6 operator -(in Fp6 a) => new(-a.C0, -a.C1, -a.C2);

    public static Fp6 operator *(in Fp6 a, in Fp6 b) { Mul(out Fp6 r, a, b); return r; }

    public static void Mul(out Fp6 r, in Fp6 a, in Fp6 b)
    {
        Fp2.Mul(out Fp2 t0, a.C0, b.C0);
        Fp2.Mul(out Fp2 t1, a.C1, b.C1);
        Fp2.Mul(out Fp2 t2, a.C2, b.C2);
        Fp2.Add(out Fp2 x, a.C1, a.C2);
        Fp2.Add(out Fp2 y, b.C1, b.C2);
        Fp2.Mul(out Fp2 c0, x, y);
        Fp2.Sub(out c0, c0, t1);
        Fp2.Sub(out c0, c0, t2);
        Fp2.MulByXi(out c0, c0);
        Fp2.Add(out c0, c0, t0);
        Fp2.Add(out x, a.C0, a.C1);
        Fp2.Add(out y, b.C0, b.C1);
        Fp2.Mul(out Fp2 c1, x, y);
        Fp2.Sub(out c1, c1, t0);
        Fp2.Sub(out c1, c1, t1);
        Fp2.MulByXi(out Fp2 xt2, t2);
        Fp2.Add(out c1, c1, xt2);
        Fp2.Add(out x, a.C0, a.C2);
        Fp2.Add(out y, b.C0, b.C2);
        Fp2.Mul(out Fp2 c2, x, y);
        Fp2.Sub(out c2, c2, t0);
        Fp2.Sub(out c2, c2, t2);
        Fp2.Add(out c2, c2, t1);
        r.C0 = c0;
        r.C1 = c1;
        r.C2 = c2;
    }

    public static void Add(out Fp6 r, in Fp6 a, in Fp6 b)
    {
        Fp2.Add(out r.C0, a.C0, b.C0);
        Fp2.Add(out r.C1, a.C1, b.C1);
        Fp2.Add(out r.C2, a.C2, b.C2);
    }

    public static void Sub(out Fp6 r, in Fp6 a, in Fp6 b)
    {
        Fp2.Sub(out r.C0, a.C0, b.C0);
        Fp2.Sub(out r.C1, a.C1, b.C1);
        Fp2.Sub(out r.C2, a.C2, b.C2);
    }

    /// <summary>r = a·v: (c0, c1, c2) -> (ξ·c2, c0, c1).</summary>
    public static void MulByV(out Fp6 r, in Fp6 a)
    {
        Fp2.MulByXi(out Fp2 c0, a.C2);
        Fp2 c1 = a.C0, c2 = a.C1;
        r.C0 = c0;
        r.C1 = c1;
        r.C2 = c2;
    }

    /// <summary>r = a·(b0 + b1·v).</summary>
    public static void MulBy01(out Fp6 r, in Fp6 a, in Fp2 b0, in Fp2 b1)
    {
        if (System.Runtime.Intrinsics.X86.Bmi2.X64.IsSupported) MulBy01Lazy(out r, a, b0, b1);
        else MulBy01Reduced(out r, a, b0, b1);
    }

    /// <summary>
    /// <see cref="MulBy01"/> with lazy reduction (BMI2): the five Fp2 products stay as unreduced columns
    /// (<see cref="Fp2.MulColumns"/>) and each of the six output Fp coefficients is reduced once (6
    /// reductions instead of 10). With tk = (rek, imk) the products a0·b0, a1·b1, a2·b1, a2·b0,
    /// (a0 + a1)(b0 + b1), all inputs &lt; p (so re ∈ (−p², p²), im ∈ [0, 2p²)), and K = 4p² added where a
    /// sum can be negative, every sum S below lies in [0, 9p²] ⊂ [0, p·2^384) (2^384/p ≈ 9.85), which
    /// <see cref="Fp.ReduceColumns"/> needs; its columns stay within ±86·2^56 &lt; 2^63 (with the ≤ 14·2^56
    /// that the reduction itself adds).
    /// </summary>
    internal static void MulBy01Lazy(out Fp6 r, in Fp6 a, in Fp2 b0, in Fp2 b1)
    {
        Fp2.MulColumns(out Fp.Columns re0, out Fp.Columns im0, a.C0, b0);
        Fp2.MulColumns(out Fp.Columns re1, out Fp.Columns im1, a.C1, b1);
        Fp2.MulColumns(out Fp.Columns re2, out Fp.Columns im2, a.C2, b1);
        Fp2.MulColumns(out Fp.Columns re3, out Fp.Columns im3, a.C2, b0);
        Fp2.Add(out Fp2 x, a.C0, a.C1);
        Fp2.Add(out Fp2 y, b0, b1);
        Fp2.MulColumns(out Fp.Columns re4, out Fp.Columns im4, x, y);
        // c0 = t0 + ξ·t2 = (re0 + re2 − im2) + (im0 + re2 + im2)·u: (−4p², 2p²) + K and (−p², 5p²) + K.
        Fp.ReduceColumns(out r.C0.C0, re0, re2, im2, Fp.Columns.MinusFourPSquared);
        Fp.Columns.Combine(out Fp.Columns s, re2, im2, Fp.Columns.MinusFourPSquared, Fp.Columns.Zero);
        Fp.ReduceColumns(out r.C0.C1, s, im0, Fp.Columns.Zero, Fp.Columns.Zero);
        // c1 = t4 − t0 − t1 (x, y reduced, so not exact): (−3p², 3p²) + K and (−4p², 2p²) + K.
        Fp.ReduceColumns(out r.C1.C0, re4, Fp.Columns.FourPSquared, re0, re1);
        Fp.ReduceColumns(out r.C1.C1, im4, Fp.Columns.FourPSquared, im0, im1);
        // c2 = t3 + t1: (−2p², 2p²) + K and [0, 4p²).
        Fp.ReduceColumns(out r.C2.C0, re3, re1, Fp.Columns.MinusFourPSquared, Fp.Columns.Zero);
        Fp.ReduceColumns(out r.C2.C1, im3, im1, Fp.Columns.Zero, Fp.Columns.Zero);
    }

    /// <summary><see cref="MulBy01"/> with reduced Fp2 products (portable path; the reference in tests).</summary>
    internal static void MulBy01Reduced(out Fp6 r, in Fp6 a, in Fp2 b0, in Fp2 b1)
    {
        Fp2.Mul(out Fp2 t0, a.C0, b0);
        Fp2.Mul(out Fp2 t1, a.C1, b1);
        Fp2.Mul(out Fp2 c0, a.C2, b1);
        Fp2.MulByXi(out c0, c0);
        Fp2.Add(out c0, c0, t0);
        Fp2.Add(out Fp2 x, a.C0, a.C1);
        Fp2.Add(out Fp2 y, b0, b1);
        Fp2.Mul(out Fp2 c1, x, y);
        Fp2.Sub(out c1, c1, t0);
        Fp2.Sub(out c1, c1, t1);
        Fp2.Mul(out Fp2 c2, a.C2, b0);
        Fp2.Add(out c2, c2, t1);
        r.C0 = c0;
        r.C1 = c1;
        r.C2 = c2;
    }

    /// <summary>r = a·(b1·v + b2·v^2).</summary>
    public static void MulBy12(out Fp6 r, in Fp6 a, in Fp2 b1, in Fp2 b2)
    {
        Fp2.Mul(out Fp2 m1, a.C1, b1);
        Fp2.Mul(out Fp2 m2, a.C2, b2);
        Fp2.Add(out Fp2 x, a.C1, a.C2);
        Fp2.Add(out Fp2 y, b1, b2);
        Fp2.Mul(out Fp2 c0, x, y);
        Fp2.Sub(out c0, c0, m1);
        Fp2.Sub(out c0, c0, m2);
        Fp2.MulByXi(out c0, c0);
        Fp2.Mul(out Fp2 c1, a.C0, b1);
        Fp2.MulByXi(out m2, m2);
        Fp2.Add(out c1, c1, m2);
        Fp2.Mul(out Fp2 c2, a.C0, b2);
        Fp2.Add(out c2, c2, m1);
        r.C0 = c0;
        r.C1 = c1;
        r.C2 = c2;
    }

    /// <summary>r = a·(b1·v).</summary>
    public static void MulBy1(out Fp6 r, in Fp6 a, in Fp2 b1)
    {
        Fp2.Mul(out Fp2 c0, a.C2, b1);
        Fp2.MulByXi(out c0, c0);
        Fp2.Mul(out Fp2 c1, a.C0, b1);
        Fp2.Mul(out Fp2 c2, a.C1, b1);
        r.C0 = c0;
        r.C1 = c1;
        r.C2 = c2;
    }

    public static Fp6 operator *(in Fp6 a, in Fp2 b) => new(a.C0 * b, a.C1 * b, a.C2 * b);

    public readonly Fp6 Square()
    {
        Fp2 s0 = C0.Square();
        Fp2 ab = C0 * C1;
        Fp2 s1 = ab + ab;
        Fp2 s2 = (C0 - C1 + C2).Square();
        Fp2 bc = C1 * C2;
        Fp2 s3 = bc + bc;
        Fp2 s4 = C2.Square();
        return new Fp6(s3.MulByXi() + s0, s4.MulByXi() + s1, s1 + s2 + s3 - s0 - s4);
    }

    /// <summary>Multiplies by v: (c0, c1, c2) -> (ξ·c2, c0, c1).</summary>
    public readonly Fp6 MulByV() => new(C2.MulByXi(), C0, C1);

    /// <summary>Multiplies by b0 + b1·v.</summary>
    public readonly Fp6 MulBy01(in Fp2 b0, in Fp2 b1)
    {
        Fp2 t0 = C0 * b0, t1 = C1 * b1;
        Fp2 c0 = (C2 * b1).MulByXi() + t0;
        Fp2 c1 = (C0 + C1) * (b0 + b1) - t0 - t1;
        Fp2 c2 = C2 * b0 + t1;
        return new Fp6(c0, c1, c2);
    }

    /// <summary>Multiplies by b1·v.</summary>
    public readonly Fp6 MulBy1(in Fp2 b1) => new((C2 * b1).MulByXi(), C0 * b1, C1 * b1);

    public readonly Fp6 Inverse()
    {
        Fp2 c0 = C0.Square() - (C1 * C2).MulByXi();
        Fp2 c1 = C2.Square().MulByXi() - C0 * C1;
        Fp2 c2 = C1.Square() - C0 * C2;
        Fp2 t = C0 * c0 + (C2 * c1 + C1 * c2).MulByXi();
        Fp2 ti = t.Inverse();
        return new Fp6(c0 * ti, c1 * ti, c2 * ti);
    }

    public readonly Fp6 Frobenius() =>
        new(C0.Conjugate(), C1.Conjugate() * Frob.G61, C2.Conjugate() * Frob.G62);
}

/// <summary>Frobenius constants, computed once.</summary>
internal static class Frob
{
    public static readonly Fp2 Xi = new(Fp.One, Fp.One);
    /// <summary>ξ^((p-1)/3), ξ^(2(p-1)/3), ξ^((p-1)/6).</summary>
    public static readonly Fp2 G61 = Xi.Pow(Limbs.From((Limbs.P - 1) / 3, 6));
    public static readonly Fp2 G62 = Xi.Pow(Limbs.From(2 * (Limbs.P - 1) / 3, 6));
    public static readonly Fp2 G121 = Xi.Pow(Limbs.From((Limbs.P - 1) / 6, 6));
}
