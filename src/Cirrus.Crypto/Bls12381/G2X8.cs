using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Cirrus.Crypto.Bls12381;

/// <summary>Eight Fp2 elements in AVX-512 lanes (see <see cref="FpX8"/>).</summary>
internal struct Fp2X8
{
    public FpX8 C0, C1;

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

/// <summary>
/// Eight G2 points in Jacobian coordinates in AVX-512 lanes, for public inputs only (hash outputs). The
/// formulas are those of <see cref="Jacobian{F}"/> without its branches: a lane that meets an exceptional
/// case (a doubling or infinity inside an addition, a point of order 2) is flagged in <see cref="Bad"/>
/// and its result is garbage; the caller recomputes such lanes with the scalar code. For hash outputs
/// this never happens short of finding a point of small order.
/// </summary>
internal struct G2X8
{
    public Fp2X8 X, Y, Z;
    public Vector512<ulong> Bad;

    public static void FromAffine(out G2X8 r, in Fp2X8 x, in Fp2X8 y)
    {
        r.X = x;
        r.Y = y;
        r.Z = Fp2X8.Broadcast(Fp2.One);
        r.Bad = Vector512<ulong>.Zero;
    }

    public static void Negate(ref G2X8 p) => Fp2X8.Neg(out p.Y, p.Y);

    /// <summary>dbl-2009-l (a = 0), in place.</summary>
    public static void Double(ref G2X8 p)
    {
        Fp2X8.Sqr(out Fp2X8 a, p.X);
        Fp2X8.Sqr(out Fp2X8 b, p.Y);
        Fp2X8.Sqr(out Fp2X8 c, b);
        Fp2X8.Add(out Fp2X8 d, p.X, b);
        Fp2X8.Sqr(out d, d);
        Fp2X8.Sub(out d, d, a);
        Fp2X8.Sub(out d, d, c);
        Fp2X8.Add(out d, d, d);
        Fp2X8.Add(out Fp2X8 e, a, a);
        Fp2X8.Add(out e, e, a);
        Fp2X8.Sqr(out Fp2X8 f, e);
        p.Bad |= Fp2X8.IsZeroMask(p.Y);
        Fp2X8.Mul(out Fp2X8 yz, p.Y, p.Z);
        Fp2X8.Add(out p.Z, yz, yz);
        Fp2X8.Add(out Fp2X8 d2, d, d);
        Fp2X8.Sub(out p.X, f, d2);
        Fp2X8.Add(out c, c, c);
        Fp2X8.Add(out c, c, c);
        Fp2X8.Add(out c, c, c);
        Fp2X8.Sub(out d, d, p.X);
        Fp2X8.Mul(out d, e, d);
        Fp2X8.Sub(out p.Y, d, c);
    }

    /// <summary>madd-2007-bl: p += (x2, y2), in place; flags p = ±(x2, y2) and p at infinity.</summary>
    public static void AddAffine(ref G2X8 p, in Fp2X8 x2, in Fp2X8 y2)
    {
        Fp2X8.Sqr(out Fp2X8 z1z1, p.Z);
        Fp2X8.Mul(out Fp2X8 u2, x2, z1z1);
        Fp2X8.Mul(out Fp2X8 s2, y2, p.Z);
        Fp2X8.Mul(out s2, s2, z1z1);
        Fp2X8.Sub(out Fp2X8 h, u2, p.X);
        Fp2X8.Sub(out Fp2X8 r, s2, p.Y);
        p.Bad |= Fp2X8.IsZeroMask(h) | Fp2X8.IsZeroMask(p.Z);
        Fp2X8.Sqr(out Fp2X8 hh, h);
        Fp2X8.Add(out Fp2X8 i, hh, hh);
        Fp2X8.Add(out i, i, i);
        Fp2X8.Mul(out Fp2X8 j, h, i);
        Fp2X8.Add(out r, r, r);
        Fp2X8.Mul(out Fp2X8 v, p.X, i);
        Fp2X8.Sqr(out Fp2X8 x3, r);
        Fp2X8.Sub(out x3, x3, j);
        Fp2X8.Sub(out x3, x3, v);
        Fp2X8.Sub(out x3, x3, v);
        Fp2X8.Mul(out Fp2X8 y1j, p.Y, j);
        Fp2X8.Add(out y1j, y1j, y1j);
        Fp2X8.Sub(out v, v, x3);
        Fp2X8.Mul(out v, r, v);
        Fp2X8.Sub(out p.Y, v, y1j);
        Fp2X8.Add(out Fp2X8 zh, p.Z, h);
        Fp2X8.Sqr(out zh, zh);
        Fp2X8.Sub(out zh, zh, z1z1);
        Fp2X8.Sub(out p.Z, zh, hh);
        p.X = x3;
    }

    /// <summary>add-2007-bl: p += q, in place; flags p = ±q and either point at infinity.</summary>
    public static void Add(ref G2X8 p, in G2X8 q)
    {
        Fp2X8.Sqr(out Fp2X8 z1z1, p.Z);
        Fp2X8.Sqr(out Fp2X8 z2z2, q.Z);
        Fp2X8.Mul(out Fp2X8 u1, p.X, z2z2);
        Fp2X8.Mul(out Fp2X8 u2, q.X, z1z1);
        Fp2X8.Mul(out Fp2X8 s1, p.Y, q.Z);
        Fp2X8.Mul(out s1, s1, z2z2);
        Fp2X8.Mul(out Fp2X8 s2, q.Y, p.Z);
        Fp2X8.Mul(out s2, s2, z1z1);
        Fp2X8.Sub(out Fp2X8 h, u2, u1);
        Fp2X8.Sub(out Fp2X8 r, s2, s1);
        p.Bad |= q.Bad | Fp2X8.IsZeroMask(h) | Fp2X8.IsZeroMask(p.Z) | Fp2X8.IsZeroMask(q.Z);
        Fp2X8.Add(out Fp2X8 h2, h, h);
        Fp2X8.Sqr(out Fp2X8 i, h2);
        Fp2X8.Mul(out Fp2X8 j, h, i);
        Fp2X8.Add(out r, r, r);
        Fp2X8.Mul(out Fp2X8 v, u1, i);
        Fp2X8.Sqr(out Fp2X8 x3, r);
        Fp2X8.Sub(out x3, x3, j);
        Fp2X8.Sub(out x3, x3, v);
        Fp2X8.Sub(out x3, x3, v);
        Fp2X8.Mul(out Fp2X8 s1j, s1, j);
        Fp2X8.Add(out s1j, s1j, s1j);
        Fp2X8.Sub(out v, v, x3);
        Fp2X8.Mul(out v, r, v);
        Fp2X8.Sub(out p.Y, v, s1j);
        Fp2X8.Add(out Fp2X8 zz, p.Z, q.Z);
        Fp2X8.Sqr(out zz, zz);
        Fp2X8.Sub(out zz, zz, z1z1);
        Fp2X8.Sub(out zz, zz, z2z2);
        Fp2X8.Mul(out p.Z, zz, h);
        p.X = x3;
    }

    private static readonly Fp2X8 PsiC1 = Fp2X8.Broadcast(G2.PsiC1), PsiC2 = Fp2X8.Broadcast(G2.PsiC2);

    /// <summary>ψ(p) in place.</summary>
    public static void Psi(ref G2X8 p)
    {
        Fp2X8.Conjugate(out Fp2X8 t, p.X);
        Fp2X8.Mul(out p.X, t, PsiC1);
        Fp2X8.Conjugate(out t, p.Y);
        Fp2X8.Mul(out p.Y, t, PsiC2);
        Fp2X8.Conjugate(out p.Z, p.Z);
    }

    /// <summary>r = [|x|](x, y) for affine points, with mixed additions of the point.</summary>
    public static void MulByAbsXAffine(out G2X8 r, in Fp2X8 x, in Fp2X8 y)
    {
        FromAffine(out r, x, y);
        for (int bit = 62; bit >= 0; bit--)
        {
            Double(ref r);
            if (((G1.AbsX >> bit) & 1) != 0) AddAffine(ref r, x, y);
        }
    }

    /// <summary>p = [|x|]p, in place (|x| has its top bit set: start from p itself).</summary>
    private static void MulByAbsX(ref G2X8 p)
    {
        G2X8 b = p;
        for (int bit = 62; bit >= 0; bit--)
        {
            Double(ref p);
            if (((G1.AbsX >> bit) & 1) != 0) Add(ref p, b);
        }
    }

    /// <summary>
    /// <see cref="HashToCurve.ClearCofactorAffine"/> on eight affine points at once:
    /// h_eff·P = [x^2 - x - 1]P + [x - 1]ψ(P) + ψ^2(2P), with the same additions in the same order.
    /// </summary>
    public static void ClearCofactorAffine(out G2X8 r, in Fp2X8 x, in Fp2X8 y)
    {
        // t1 = [x]P = -[|x|]P.
        MulByAbsXAffine(out G2X8 t1, x, y);
        Negate(ref t1);
        Fp2X8.Conjugate(out Fp2X8 t, x);
        Fp2X8.Mul(out Fp2X8 psx, t, PsiC1);
        Fp2X8.Conjugate(out t, y);
        Fp2X8.Mul(out Fp2X8 psy, t, PsiC2);
        Fp2X8.Neg(out Fp2X8 npsy, psy);
        // t3 = ψ^2(2P) - ψ(P)
        FromAffine(out G2X8 t3, x, y);
        Double(ref t3);
        Psi(ref t3);
        Psi(ref t3);
        AddAffine(ref t3, psx, npsy);
        // t2 = [x](t1 + ψ(P))
        G2X8 t2 = t1;
        AddAffine(ref t2, psx, psy);
        MulByAbsX(ref t2);
        Negate(ref t2);
        Add(ref t3, t2);
        Negate(ref t1);
        Add(ref t3, t1);
        Fp2X8.Neg(out Fp2X8 ny, y);
        AddAffine(ref t3, x, ny);
        t3.Bad |= t1.Bad | Fp2X8.IsZeroMask(t3.Z);
        r = t3;
    }
}
