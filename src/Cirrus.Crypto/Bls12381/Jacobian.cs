using System.Runtime.CompilerServices;

namespace Cirrus.Crypto.Bls12381;

/// <summary>
/// A point on y^2 = x^3 + b in Jacobian coordinates (x = X/Z^2, y = Y/Z^3); Z = 0 is the point at
/// infinity. Shared by G1 (F = Fp) and G2 (F = Fp2, the twist).
/// </summary>
internal struct Jacobian<F> where F : struct, IField<F>
{
    public F X, Y, Z;

    public Jacobian(in F x, in F y, in F z) { X = x; Y = y; Z = z; }

    public static Jacobian<F> Infinity => new(F.FOne, F.FOne, F.FZero);

    public static Jacobian<F> FromAffine(in F x, in F y) => new(x, y, F.FOne);

    public readonly bool IsInfinity => F.FIsZero(Z);

    public readonly Jacobian<F> Negate() => new(X, F.FNeg(Y), Z);

    /// <summary>dbl-2009-l (a = 0).</summary>
    public readonly Jacobian<F> Double()
    {
        if (typeof(F) == typeof(Fp2))
        {
            // G2 (cofactor clearing, MulByX) doubles most: an in-place version without the generic
            // by-value copies of 96-byte elements. The type test is resolved when the JIT specializes.
            Unsafe.SkipInit(out Jacobian<F> r);
            JacobianFp2.Double(in Unsafe.As<Jacobian<F>, Jacobian<Fp2>>(ref Unsafe.AsRef(in this)), out Unsafe.As<Jacobian<F>, Jacobian<Fp2>>(ref r));
            return r;
        }
        if (IsInfinity) return this;
        F a = F.FSqr(X);
        F b = F.FSqr(Y);
        F c = F.FSqr(b);
        F d = F.FSub(F.FSub(F.FSqr(F.FAdd(X, b)), a), c);
        d = F.FAdd(d, d);
        F e = F.FAdd(F.FAdd(a, a), a);
        F f = F.FSqr(e);
        F x3 = F.FSub(f, F.FAdd(d, d));
        F c8 = F.FAdd(c, c); c8 = F.FAdd(c8, c8); c8 = F.FAdd(c8, c8);
        F y3 = F.FSub(F.FMul(e, F.FSub(d, x3)), c8);
        F yz = F.FMul(Y, Z);
        F z3 = F.FAdd(yz, yz);
        return new Jacobian<F>(x3, y3, z3);
    }

    /// <summary>add-2007-bl with the exceptional cases handled.</summary>
    public readonly Jacobian<F> Add(in Jacobian<F> q)
    {
        if (IsInfinity) return q;
        if (q.IsInfinity) return this;
        F z1z1 = F.FSqr(Z);
        F z2z2 = F.FSqr(q.Z);
        F u1 = F.FMul(X, z2z2);
        F u2 = F.FMul(q.X, z1z1);
        F s1 = F.FMul(F.FMul(Y, q.Z), z2z2);
        F s2 = F.FMul(F.FMul(q.Y, Z), z1z1);
        F h = F.FSub(u2, u1);
        F r = F.FSub(s2, s1);
        if (F.FIsZero(h))
        {
            if (F.FIsZero(r)) return Double();
            return Infinity;
        }
        F h2 = F.FAdd(h, h);
        F i = F.FSqr(h2);
        F j = F.FMul(h, i);
        r = F.FAdd(r, r);
        F v = F.FMul(u1, i);
        F x3 = F.FSub(F.FSub(F.FSqr(r), j), F.FAdd(v, v));
        F s1j = F.FMul(s1, j);
        F y3 = F.FSub(F.FMul(r, F.FSub(v, x3)), F.FAdd(s1j, s1j));
        F z3 = F.FMul(F.FSub(F.FSub(F.FSqr(F.FAdd(Z, q.Z)), z1z1), z2z2), h);
        return new Jacobian<F>(x3, y3, z3);
    }

    /// <summary>madd-2007-bl: adds an affine point (x2, y2) (not infinity).</summary>
    public readonly Jacobian<F> AddAffine(in F x2, in F y2)
    {
        if (IsInfinity) return FromAffine(x2, y2);
        F z1z1 = F.FSqr(Z);
        F u2 = F.FMul(x2, z1z1);
        F s2 = F.FMul(F.FMul(y2, Z), z1z1);
        F h = F.FSub(u2, X);
        F r = F.FSub(s2, Y);
        if (F.FIsZero(h))
        {
            if (F.FIsZero(r)) return Double();
            return Infinity;
        }
        F hh = F.FSqr(h);
        F i = F.FAdd(hh, hh); i = F.FAdd(i, i);
        F j = F.FMul(h, i);
        r = F.FAdd(r, r);
        F v = F.FMul(X, i);
        F x3 = F.FSub(F.FSub(F.FSqr(r), j), F.FAdd(v, v));
        F y1j = F.FMul(Y, j);
        F y3 = F.FSub(F.FMul(r, F.FSub(v, x3)), F.FAdd(y1j, y1j));
        F z3 = F.FSub(F.FSub(F.FSqr(F.FAdd(Z, h)), z1z1), hh);
        return new Jacobian<F>(x3, y3, z3);
    }

    public readonly bool EqualsPoint(in Jacobian<F> q)
    {
        bool i1 = IsInfinity, i2 = q.IsInfinity;
        if (i1 || i2) return i1 && i2;
        F z1z1 = F.FSqr(Z), z2z2 = F.FSqr(q.Z);
        if (!F.FEq(F.FMul(X, z2z2), F.FMul(q.X, z1z1))) return false;
        return F.FEq(F.FMul(F.FMul(Y, z2z2), q.Z), F.FMul(F.FMul(q.Y, z1z1), Z));
    }

    /// <summary>Affine coordinates (one inversion); the point must not be infinity.</summary>
    public readonly void ToAffine(out F x, out F y)
    {
        // Decoded keys and signatures are stored with Z = 1: skip the inversion.
        if (F.FEq(Z, F.FOne)) { x = X; y = Y; return; }
        F zi = F.FInv(Z);
        F zi2 = F.FSqr(zi);
        x = F.FMul(X, zi2);
        y = F.FMul(Y, F.FMul(zi2, zi));
    }

    public readonly bool IsOnCurve(in F b)
    {
        if (IsInfinity) return true;
        // Y^2 = X^3 + b·Z^6
        F z2 = F.FSqr(Z);
        F z6 = F.FMul(F.FSqr(z2), z2);
        F rhs = F.FAdd(F.FMul(F.FSqr(X), X), F.FMul(b, z6));
        return F.FEq(F.FSqr(Y), rhs);
    }

    /// <summary>Variable-time multiplication by a scalar given as little-endian 64-bit limbs (public scalars only).</summary>
    public readonly Jacobian<F> MulVartime(ReadOnlySpan<ulong> k)
    {
        Jacobian<F> r = Infinity;
        int top = k.Length * 64 - 1;
        while (top >= 0 && ((k[top >> 6] >> (top & 63)) & 1) == 0) top--;
        for (int i = top; i >= 0; i--)
        {
            r = r.Double();
            if (((k[i >> 6] >> (i & 63)) & 1) != 0) r = r.Add(this);
        }
        return r;
    }

    /// <summary>Variable-time multiplication by a 64-bit scalar.</summary>
    public readonly Jacobian<F> MulVartime(ulong k)
    {
        Span<ulong> s = [k];
        return MulVartime(s);
    }

    /// <summary>
    /// The non-adjacent form of k as two 65-bit masks (digit +1 where pos is set, -1 where neg is set),
    /// from 3k - k: on average a third of the digits are non-zero, against half of the bits.
    /// </summary>
    public static void Naf(ulong k, out UInt128 pos, out UInt128 neg)
    {
        UInt128 x = k, h = 3 * x;
        pos = (h & ~x) >> 1;
        neg = (~h & x) >> 1;
    }

    /// <summary>Variable-time multiplication of an affine point (Z = 1) by a 64-bit scalar: NAF digits, mixed additions.</summary>
    public readonly Jacobian<F> MulVartimeAffine(ulong k)
    {
        if (IsInfinity || !F.FEq(Z, F.FOne)) return MulVartime(k);
        Naf(k, out UInt128 pos, out UInt128 neg);
        F negY = F.FNeg(Y);
        Jacobian<F> r = Infinity;
        for (int i = 64; i >= 0; i--)
        {
            r = r.Double();
            if (((pos >> i) & 1) != 0) r = r.AddAffine(X, Y);
            else if (((neg >> i) & 1) != 0) r = r.AddAffine(X, negY);
        }
        return r;
    }

    /// <summary>
    /// Variable-time Σ of two signed-digit multiples from affine tables of odd multiples (tx1[j] = (2j+1)·P1):
    /// digits as from <see cref="AffineBatch.Wnaf4"/>, one chain of doublings, mixed additions.
    /// </summary>
    public static Jacobian<F> MulSumTables(ReadOnlySpan<F> tx1, ReadOnlySpan<F> ty1, ReadOnlySpan<sbyte> d1,
        ReadOnlySpan<F> tx2, ReadOnlySpan<F> ty2, ReadOnlySpan<sbyte> d2)
    {
        int top = Math.Max(d1.Length, d2.Length) - 1;
        while (top >= 0 && (top >= d1.Length || d1[top] == 0) && (top >= d2.Length || d2[top] == 0)) top--;
        Jacobian<F> r = Infinity;
        for (int i = top; i >= 0; i--)
        {
            r = r.Double();
            int a = i < d1.Length ? d1[i] : 0, b = i < d2.Length ? d2[i] : 0;
            if (a > 0) r = r.AddAffine(tx1[a >> 1], ty1[a >> 1]);
            else if (a < 0) r = r.AddAffine(tx1[-a >> 1], F.FNeg(ty1[-a >> 1]));
            if (b > 0) r = r.AddAffine(tx2[b >> 1], ty2[b >> 1]);
            else if (b < 0) r = r.AddAffine(tx2[-b >> 1], F.FNeg(ty2[-b >> 1]));
        }
        return r;
    }

    /// <summary>Branch-free choice of b (flag) or a.</summary>
    public static Jacobian<F> Select(in Jacobian<F> a, in Jacobian<F> b, bool flag) =>
        new(F.FSelect(a.X, b.X, flag), F.FSelect(a.Y, b.Y, flag), F.FSelect(a.Z, b.Z, flag));

    /// <summary>Normalizes points to Z = 1 in place with one shared inversion (Montgomery's trick); infinity stays.</summary>
    public static void NormalizeBatch(Span<Jacobian<F>> pts)
    {
        int n = pts.Length;
        if (n == 0) return;
        var prefix = new F[n];
        F acc = F.FOne;
        for (int i = 0; i < n; i++)
        {
            prefix[i] = acc;
            if (!pts[i].IsInfinity) acc = F.FMul(acc, pts[i].Z);
        }
        F inv = F.FInv(acc);
        for (int i = n - 1; i >= 0; i--)
        {
            if (pts[i].IsInfinity) continue;
            F zi = F.FMul(inv, prefix[i]);
            inv = F.FMul(inv, pts[i].Z);
            F zi2 = F.FSqr(zi);
            pts[i] = new Jacobian<F>(F.FMul(pts[i].X, zi2), F.FMul(pts[i].Y, F.FMul(zi2, zi)), F.FOne);
        }
    }
}

/// <summary>Jacobian point operations specialized to Fp2 (G2).</summary>
internal static class JacobianFp2
{
    /// <summary>dbl-2009-l (a = 0); infinity (Z = 0) doubles to Z = 0.</summary>
    public static void Double(in Jacobian<Fp2> p, out Jacobian<Fp2> r)
    {
        Fp2.Square(out Fp2 a, p.X);
        Fp2.Square(out Fp2 b, p.Y);
        Fp2.Square(out Fp2 c, b);
        Fp2.Add(out Fp2 d, p.X, b);
        Fp2.Square(out d, d);
        Fp2.Sub(out d, d, a);
        Fp2.Sub(out d, d, c);
        Fp2.Double(out d, d);
        Fp2.Double(out Fp2 e, a);
        Fp2.Add(out e, e, a);
        Fp2.Square(out Fp2 f, e);
        Fp2.Mul(out Fp2 z3, p.Y, p.Z);
        Fp2.Double(out r.Z, z3);
        Fp2.Double(out Fp2 d2, d);
        Fp2.Sub(out r.X, f, d2);
        Fp2.Sub(out d, d, r.X);
        Fp2.Mul(out Fp2 y3, e, d);
        Fp2.Double(out c, c);
        Fp2.Double(out c, c);
        Fp2.Double(out c, c);
        Fp2.Sub(out r.Y, y3, c);
    }
}
