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
                r = Add(r, r, b3);
                r = Add(r, r, b3);
                r = Add(r, r, b3);
                r = Add(r, r, b3);
                Projective<F> t = table[0];
                for (int j = 1; j < 16; j++) t = Select(t, table[j], j == nib);
                r = Add(r, t, b3);
            }
        }
        Array.Clear(table);
        return r.ToJacobian();
    }
}
