namespace Cirrus.Crypto.Bls12381;

/// <summary>
/// Homogeneous projective point (x = X/Z, y = Y/Z) with the complete addition law of Renes, Costello
/// and Batina (eprint 2015/1060, algorithm 7, a = 0): one formula for every input, including doubling
/// and the identity (0 : 1 : 0), with no branches. Used for secret scalar multiplication.
/// </summary>
internal struct Projective<F> where F : struct, IField<F>
{
    public F X, Y, Z;

    public Projective(in F x, in F y, in F z) { X = x; Y = y; Z = z; }

    public static Projective<F> Identity => new(F.FZero, F.FOne, F.FZero);

    public static Projective<F> FromJacobian(in Jacobian<F> p)
    {
        // (X, Y, Z) Jacobian -> (X·Z, Y, Z^3); infinity maps to the identity.
        if (p.IsInfinity) return Identity;
        return new Projective<F>(F.FMul(p.X, p.Z), p.Y, F.FMul(F.FSqr(p.Z), p.Z));
    }

    public readonly Jacobian<F> ToJacobian()
    {
        // x = X/Z, y = Y/Z -> Jacobian (X·Z, Y·Z^2, Z); Z = 0 stays the point at infinity.
        F z2 = F.FSqr(Z);
        return new Jacobian<F>(F.FMul(X, Z), F.FMul(Y, z2), Z);
    }

    /// <summary>P + Q for any P, Q (b3 = 3·b of the curve).</summary>
    public static Projective<F> Add(in Projective<F> p, in Projective<F> q, in F b3)
    {
        F t0 = F.FMul(p.X, q.X);
        F t1 = F.FMul(p.Y, q.Y);
        F t2 = F.FMul(p.Z, q.Z);
        F t3 = F.FMul(F.FAdd(p.X, p.Y), F.FAdd(q.X, q.Y));
        F t4 = F.FAdd(t0, t1);
        t3 = F.FSub(t3, t4);
        t4 = F.FMul(F.FAdd(p.Y, p.Z), F.FAdd(q.Y, q.Z));
        F x3 = F.FAdd(t1, t2);
        t4 = F.FSub(t4, x3);
        x3 = F.FMul(F.FAdd(p.X, p.Z), F.FAdd(q.X, q.Z));
        F y3 = F.FAdd(t0, t2);
        y3 = F.FSub(x3, y3);
        x3 = F.FAdd(t0, t0);
        t0 = F.FAdd(x3, t0);
        t2 = F.FMul(b3, t2);
        F z3 = F.FAdd(t1, t2);
        t1 = F.FSub(t1, t2);
        y3 = F.FMul(b3, y3);
        x3 = F.FMul(t4, y3);
        t2 = F.FMul(t3, t1);
        x3 = F.FSub(t2, x3);
        y3 = F.FMul(y3, t0);
        t1 = F.FMul(t1, z3);
        y3 = F.FAdd(t1, y3);
        t0 = F.FMul(t0, t3);
        z3 = F.FMul(z3, t4);
        z3 = F.FAdd(z3, t0);
        return new Projective<F>(x3, y3, z3);
    }

    /// <summary>2P for any P (Renes–Costello–Batina algorithm 9, a = 0): 6 products, 2 squarings, one by b3.</summary>
    public static Projective<F> Double(in Projective<F> p, in F b3)
    {
        F t0 = F.FSqr(p.Y);
        F z3 = F.FAdd(t0, t0);
        z3 = F.FAdd(z3, z3);
        z3 = F.FAdd(z3, z3);
        F t1 = F.FMul(p.Y, p.Z);
        F t2 = F.FMul(b3, F.FSqr(p.Z));
        F x3 = F.FMul(t2, z3);
        F y3 = F.FAdd(t0, t2);
        z3 = F.FMul(t1, z3);
        t1 = F.FAdd(t2, t2);
        t2 = F.FAdd(t1, t2);
        t0 = F.FSub(t0, t2);
        y3 = F.FAdd(x3, F.FMul(t0, y3));
        t1 = F.FMul(p.X, p.Y);
        x3 = F.FMul(t0, t1);
        x3 = F.FAdd(x3, x3);
        return new Projective<F>(x3, y3, z3);
    }

    public static Projective<F> Select(in Projective<F> a, in Projective<F> b, bool flag) =>
        new(F.FSelect(a.X, b.X, flag), F.FSelect(a.Y, b.Y, flag), F.FSelect(a.Z, b.Z, flag));

    /// <summary>
    /// [k]P for a secret k (big-endian bytes): fixed 4-bit windows, every step the same complete
    /// additions, the window entry read by a full branch-free scan of the table.
    /// </summary>
    public static Jacobian<F> MulSecret(in Jacobian<F> point, ReadOnlySpan<byte> scalarBe, in F b3)
    {
        var table = new Projective<F>[16];
        table[0] = Identity;
        table[1] = FromJacobian(point);
        for (int i = 2; i < 16; i++) table[i] = Add(table[i - 1], table[1], b3);
        Projective<F> r = Identity;
        for (int i = 0; i < scalarBe.Length; i++)
        {
            for (int half = 0; half < 2; half++)
            {
                int nib = half == 0 ? scalarBe[i] >> 4 : scalarBe[i] & 15;
                r = Double(r, b3);
                r = Double(r, b3);
                r = Double(r, b3);
                r = Double(r, b3);
                Projective<F> t = table[0];
                for (int j = 1; j < 16; j++) t = Select(t, table[j], j == nib);
                r = Add(r, t, b3);
            }
        }
        Array.Clear(table);
        return r.ToJacobian();
    }
}

/// <summary>Secret scalar multiplication on G2 through ψ.</summary>
internal static class G2Secret
{
    /// <summary>
    /// [k]P for P in G2 and a secret 0 ≤ k &lt; r (big-endian bytes). ψ acts on G2 as [x], so with k's
    /// digits in base |x| (k = d0 + d1·|x| + d2·|x|^2 + d3·|x|^3, each below 2^64, found by branch-free
    /// long division) [k]P = d0·P − d1·ψ(P) + d2·ψ^2(P) − d3·ψ^3(P): 64 doublings instead of 256, each
    /// followed by one complete addition of the sum of the four points picked by the digits' bits, read
    /// from a 16-entry table by a full branch-free scan.
    /// </summary>
    public static Jacobian<Fp2> Mul(in Jacobian<Fp2> point, ReadOnlySpan<byte> scalarBe)
    {
        Span<ulong> k = stackalloc ulong[4];
        for (int i = 0; i < 4; i++)
            for (int b = 0; b < 8; b++) k[i] = (k[i] << 8) | scalarBe[31 - 8 * i - (7 - b)];
        Span<ulong> d = stackalloc ulong[4];
        for (int i = 0; i < 3; i++) d[i] = DivRemAbsX(k);
        d[3] = k[0];
        var table = new Projective<Fp2>[16];
        Projective<Fp2> q = Projective<Fp2>.FromJacobian(point);
        table[0] = Projective<Fp2>.Identity;
        for (int i = 0; i < 4; i++)
        {
            // Q_i = (-1)^i·ψ^i(P), since [|x|] = [-x] = -ψ.
            int bit = 1 << i;
            table[bit] = (i & 1) == 0 ? q : Negate(q);
            for (int m = 1; m < bit; m++) table[bit + m] = Projective<Fp2>.Add(table[m], table[bit], G2.B3);
            q = Psi(q);
        }
        Projective<Fp2> r = Projective<Fp2>.Identity;
        for (int bit = 63; bit >= 0; bit--)
        {
            r = Projective<Fp2>.Double(r, G2.B3);
            int m = (int)(((d[0] >> bit) & 1) | (((d[1] >> bit) & 1) << 1) | (((d[2] >> bit) & 1) << 2) | (((d[3] >> bit) & 1) << 3));
            Projective<Fp2> t = table[0];
            for (int j = 1; j < 16; j++) t = Projective<Fp2>.Select(t, table[j], j == m);
            r = Projective<Fp2>.Add(r, t, G2.B3);
        }
        Array.Clear(table);
        k.Clear();
        d.Clear();
        return r.ToJacobian();
    }

    private static Projective<Fp2> Negate(in Projective<Fp2> p) => new(p.X, -p.Y, p.Z);

    /// <summary>ψ on homogeneous coordinates (conjugation commutes with the division by Z).</summary>
    private static Projective<Fp2> Psi(in Projective<Fp2> p) =>
        new(p.X.Conjugate() * G2.PsiC1, p.Y.Conjugate() * G2.PsiC2, p.Z.Conjugate());

    /// <summary>k = k / |x| in place, returning k mod |x|, with the same operations for every k.</summary>
    private static ulong DivRemAbsX(Span<ulong> k)
    {
        const ulong D = G1.AbsX;
        ulong remHi = 0, rem = 0;
        for (int i = 255; i >= 0; i--)
        {
            // rem = 2·rem + bit (below 2·D < 2^65: remHi is its 65th bit)
            remHi = rem >> 63;
            rem = (rem << 1) | ((k[i >> 6] >> (i & 63)) & 1);
            ulong diff = rem - D;
            ulong borrow = ((~rem & D) | ((~rem | D) & diff)) >> 63;
            ulong ge = remHi | (borrow ^ 1); // rem ≥ D
            ulong mask = 0 - ge;
            rem = (diff & mask) | (rem & ~mask);
            k[i >> 6] = (k[i >> 6] & ~(1UL << (i & 63))) | (ge << (i & 63));
        }
        return rem;
    }
}

