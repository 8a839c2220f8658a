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

    public static Fp6 operator *(in Fp6 a, in Fp6 b)
    {
        Fp2 t0 = a.C0 * b.C0, t1 = a.C1 * b.C1, t2 = a.C2 * b.C2;
        Fp2 c0 = ((a.C1 + a.C2) * (b.C1 + b.C2) - t1 - t2).MulByXi() + t0;
        Fp2 c1 = (a.C0 + a.C1) * (b.C0 + b.C1) - t0 - t1 + t2.MulByXi();
        Fp2 c2 = (a.C0 + a.C2) * (b.C0 + b.C2) - t0 - t2 + t1;
        return new Fp6(c0, c1, c2);
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
