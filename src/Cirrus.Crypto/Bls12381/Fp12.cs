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

    public static Fp12 operator *(in Fp12 a, in Fp12 b)
    {
        Fp6 t0 = a.C0 * b.C0, t1 = a.C1 * b.C1;
        Fp6 c1 = (a.C0 + a.C1) * (b.C0 + b.C1) - t0 - t1;
        return new Fp12(t0 + t1.MulByV(), c1);
    }

    public readonly Fp12 Square()
    {
        Fp6 ab = C0 * C1;
        Fp6 c0 = (C0 + C1) * (C0 + C1.MulByV()) - ab - ab.MulByV();
        return new Fp12(c0, ab + ab);
    }

    public readonly Fp12 Conjugate() => new(C0, -C1);

    public readonly Fp12 Inverse()
    {
        Fp6 t = (C0.Square() - C1.Square().MulByV()).Inverse();
        return new Fp12(C0 * t, -(C1 * t));
    }

    /// <summary>Multiplies by the sparse element c0 + c1·v + c4·v·w (a Miller-loop line).</summary>
    public readonly Fp12 MulBy014(in Fp2 c0, in Fp2 c1, in Fp2 c4)
    {
        Fp6 aa = C0.MulBy01(c0, c1);
        Fp6 bb = C1.MulBy1(c4);
        Fp6 s = (C0 + C1).MulBy01(c0, c1 + c4);
        return new Fp12(aa + bb.MulByV(), s - aa - bb);
    }

    public readonly Fp12 Frobenius()
    {
        Fp6 c0 = C0.Frobenius();
        Fp6 c1 = C1.Frobenius() * Frob.G121;
        return new Fp12(c0, c1);
    }

    /// <summary>Squaring for elements of the cyclotomic subgroup (Granger-Scott).</summary>
    public readonly Fp12 CyclotomicSquare()
    {
        Fp2 z0 = C0.C0, z4 = C0.C1, z3 = C0.C2, z2 = C1.C0, z1 = C1.C1, z5 = C1.C2;
        Fp4Square(z0, z1, out Fp2 t0, out Fp2 t1);
        z0 = t0 - z0; z0 = z0 + z0 + t0;
        z1 = t1 + z1; z1 = z1 + z1 + t1;
        Fp4Square(z2, z3, out t0, out t1);
        Fp4Square(z4, z5, out Fp2 t2, out Fp2 t3);
        z4 = t0 - z4; z4 = z4 + z4 + t0;
        z5 = t1 + z5; z5 = z5 + z5 + t1;
        t0 = t3.MulByXi();
        z2 = t0 + z2; z2 = z2 + z2 + t0;
        z3 = t2 - z3; z3 = z3 + z3 + t2;
        return new Fp12(new Fp6(z0, z4, z3), new Fp6(z2, z1, z5));
    }

    private static void Fp4Square(in Fp2 a, in Fp2 b, out Fp2 c0, out Fp2 c1)
    {
        Fp2 t0 = a.Square(), t1 = b.Square();
        c0 = t1.MulByXi() + t0;
        c1 = (a + b).Square() - t0 - t1;
    }
}
