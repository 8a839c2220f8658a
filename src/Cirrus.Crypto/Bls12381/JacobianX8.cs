using System.Runtime.Intrinsics;

namespace Cirrus.Crypto.Bls12381;

/// <summary>What <see cref="JacobianX8{F}"/> needs of its lane field (eight Fp, or eight Fp2).</summary>
internal interface ILaneField<T> where T : struct, ILaneField<T>
{
    static abstract T LOne { get; }
    static abstract void LAdd(out T r, in T a, in T b);
    static abstract void LSub(out T r, in T a, in T b);
    static abstract void LNeg(out T r, in T a);
    static abstract void LMul(out T r, in T a, in T b);
    static abstract void LSqr(out T r, in T a);
    static abstract Vector512<ulong> LIsZeroMask(in T a);
}

/// <summary>
/// Eight points in Jacobian coordinates in AVX-512 lanes (G1 over <see cref="FpX8"/>, G2 over
/// <see cref="Fp2X8"/>), for public inputs only (hash outputs, decoded points). The formulas are those
/// of <see cref="Jacobian{F}"/> without its branches: a lane that meets an exceptional case (a doubling
/// or infinity inside an addition, a point of order 2) is flagged in <see cref="Bad"/> and its result
/// is garbage; the caller recomputes such lanes with the scalar code. For valid inputs this never
/// happens short of finding a point of small order.
/// </summary>
internal struct JacobianX8<F> where F : struct, ILaneField<F>
{
    public F X, Y, Z;
    public Vector512<ulong> Bad;

    public static void FromAffine(out JacobianX8<F> r, in F x, in F y)
    {
        r.X = x;
        r.Y = y;
        r.Z = F.LOne;
        r.Bad = Vector512<ulong>.Zero;
    }

    public static void Negate(ref JacobianX8<F> p) => F.LNeg(out p.Y, p.Y);

    /// <summary>dbl-2009-l (a = 0), in place.</summary>
    public static void Double(ref JacobianX8<F> p)
    {
        F.LSqr(out F a, p.X);
        F.LSqr(out F b, p.Y);
        F.LSqr(out F c, b);
        F.LAdd(out F d, p.X, b);
        F.LSqr(out d, d);
        F.LSub(out d, d, a);
        F.LSub(out d, d, c);
        F.LAdd(out d, d, d);
        F.LAdd(out F e, a, a);
        F.LAdd(out e, e, a);
        F.LSqr(out F f, e);
        p.Bad |= F.LIsZeroMask(p.Y);
        F.LMul(out F yz, p.Y, p.Z);
        F.LAdd(out p.Z, yz, yz);
        F.LAdd(out F d2, d, d);
        F.LSub(out p.X, f, d2);
        F.LAdd(out c, c, c);
        F.LAdd(out c, c, c);
        F.LAdd(out c, c, c);
        F.LSub(out d, d, p.X);
        F.LMul(out d, e, d);
        F.LSub(out p.Y, d, c);
    }

    /// <summary>madd-2007-bl: p += (x2, y2), in place; flags p = ±(x2, y2) and p at infinity.</summary>
    public static void AddAffine(ref JacobianX8<F> p, in F x2, in F y2)
    {
        F.LSqr(out F z1z1, p.Z);
        F.LMul(out F u2, x2, z1z1);
        F.LMul(out F s2, y2, p.Z);
        F.LMul(out s2, s2, z1z1);
        F.LSub(out F h, u2, p.X);
        F.LSub(out F r, s2, p.Y);
        p.Bad |= F.LIsZeroMask(h) | F.LIsZeroMask(p.Z);
        F.LSqr(out F hh, h);
        F.LAdd(out F i, hh, hh);
        F.LAdd(out i, i, i);
        F.LMul(out F j, h, i);
        F.LAdd(out r, r, r);
        F.LMul(out F v, p.X, i);
        F.LSqr(out F x3, r);
        F.LSub(out x3, x3, j);
        F.LSub(out x3, x3, v);
        F.LSub(out x3, x3, v);
        F.LMul(out F y1j, p.Y, j);
        F.LAdd(out y1j, y1j, y1j);
        F.LSub(out v, v, x3);
        F.LMul(out v, r, v);
        F.LSub(out p.Y, v, y1j);
        F.LAdd(out F zh, p.Z, h);
        F.LSqr(out zh, zh);
        F.LSub(out zh, zh, z1z1);
        F.LSub(out p.Z, zh, hh);
        p.X = x3;
    }

    /// <summary>add-2007-bl: p += q, in place; flags p = ±q and either point at infinity.</summary>
    public static void Add(ref JacobianX8<F> p, in JacobianX8<F> q)
    {
        F.LSqr(out F z1z1, p.Z);
        F.LSqr(out F z2z2, q.Z);
        F.LMul(out F u1, p.X, z2z2);
        F.LMul(out F u2, q.X, z1z1);
        F.LMul(out F s1, p.Y, q.Z);
        F.LMul(out s1, s1, z2z2);
        F.LMul(out F s2, q.Y, p.Z);
        F.LMul(out s2, s2, z1z1);
        F.LSub(out F h, u2, u1);
        F.LSub(out F r, s2, s1);
        p.Bad |= q.Bad | F.LIsZeroMask(h) | F.LIsZeroMask(p.Z) | F.LIsZeroMask(q.Z);
        F.LAdd(out F h2, h, h);
        F.LSqr(out F i, h2);
        F.LMul(out F j, h, i);
        F.LAdd(out r, r, r);
        F.LMul(out F v, u1, i);
        F.LSqr(out F x3, r);
        F.LSub(out x3, x3, j);
        F.LSub(out x3, x3, v);
        F.LSub(out x3, x3, v);
        F.LMul(out F s1j, s1, j);
        F.LAdd(out s1j, s1j, s1j);
        F.LSub(out v, v, x3);
        F.LMul(out v, r, v);
        F.LSub(out p.Y, v, s1j);
        F.LAdd(out F zz, p.Z, q.Z);
        F.LSqr(out zz, zz);
        F.LSub(out zz, zz, z1z1);
        F.LSub(out zz, zz, z2z2);
        F.LMul(out p.Z, zz, h);
        p.X = x3;
    }

    /// <summary>r = [|x|](x, y) for affine points, with mixed additions of the point.</summary>
    public static void MulByAbsXAffine(out JacobianX8<F> r, in F x, in F y)
    {
        FromAffine(out r, x, y);
        for (int bit = 62; bit >= 0; bit--)
        {
            Double(ref r);
            if (((G1.AbsX >> bit) & 1) != 0) AddAffine(ref r, x, y);
        }
    }

    /// <summary>p = [|x|]p, in place (|x| has its top bit set: start from p itself).</summary>
    public static void MulByAbsX(ref JacobianX8<F> p)
    {
        JacobianX8<F> b = p;
        for (int bit = 62; bit >= 0; bit--)
        {
            Double(ref p);
            if (((G1.AbsX >> bit) & 1) != 0) Add(ref p, b);
        }
    }
}

/// <summary>G2-only operations on <see cref="JacobianX8{F}"/> of <see cref="Fp2X8"/>.</summary>
internal static class G2X8
{
    private static readonly Fp2X8 PsiC1 = Fp2X8.Broadcast(G2.PsiC1), PsiC2 = Fp2X8.Broadcast(G2.PsiC2);

    /// <summary>ψ(p) in place.</summary>
    public static void Psi(ref JacobianX8<Fp2X8> p)
    {
        Fp2X8.Conjugate(out Fp2X8 t, p.X);
        Fp2X8.Mul(out p.X, t, PsiC1);
        Fp2X8.Conjugate(out t, p.Y);
        Fp2X8.Mul(out p.Y, t, PsiC2);
        Fp2X8.Conjugate(out p.Z, p.Z);
    }

    /// <summary>
    /// <see cref="HashToCurve.ClearCofactorAffine"/> on eight affine points at once:
    /// h_eff·P = [x^2 - x - 1]P + [x - 1]ψ(P) + ψ^2(2P), with the same additions in the same order.
    /// </summary>
    public static void ClearCofactorAffine(out JacobianX8<Fp2X8> r, in Fp2X8 x, in Fp2X8 y)
    {
        // t1 = [x]P = -[|x|]P.
        JacobianX8<Fp2X8>.MulByAbsXAffine(out JacobianX8<Fp2X8> t1, x, y);
        JacobianX8<Fp2X8>.Negate(ref t1);
        Fp2X8.Conjugate(out Fp2X8 t, x);
        Fp2X8.Mul(out Fp2X8 psx, t, PsiC1);
        Fp2X8.Conjugate(out t, y);
        Fp2X8.Mul(out Fp2X8 psy, t, PsiC2);
        Fp2X8.Neg(out Fp2X8 npsy, psy);
        // t3 = ψ^2(2P) - ψ(P)
        JacobianX8<Fp2X8>.FromAffine(out JacobianX8<Fp2X8> t3, x, y);
        JacobianX8<Fp2X8>.Double(ref t3);
        Psi(ref t3);
        Psi(ref t3);
        JacobianX8<Fp2X8>.AddAffine(ref t3, psx, npsy);
        // t2 = [x](t1 + ψ(P))
        JacobianX8<Fp2X8> t2 = t1;
        JacobianX8<Fp2X8>.AddAffine(ref t2, psx, psy);
        JacobianX8<Fp2X8>.MulByAbsX(ref t2);
        JacobianX8<Fp2X8>.Negate(ref t2);
        JacobianX8<Fp2X8>.Add(ref t3, t2);
        JacobianX8<Fp2X8>.Negate(ref t1);
        JacobianX8<Fp2X8>.Add(ref t3, t1);
        Fp2X8.Neg(out Fp2X8 ny, y);
        JacobianX8<Fp2X8>.AddAffine(ref t3, x, ny);
        t3.Bad |= t1.Bad | Fp2X8.IsZeroMask(t3.Z);
        r = t3;
    }
}
