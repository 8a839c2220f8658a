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

    /// <summary>
    /// Multiplies by the product of two lines (a0 + a1·v + a4·v·w)(b0 + b1·v + b4·v·w): the line product
    /// (6 Fp2 products) has a zero w coefficient, and multiplying by it costs 17, against 26 for two
    /// separate sparse multiplications.
    /// </summary>
    public static void MulByLinePair(out Fp12 r, in Fp12 f, in Fp2 a0, in Fp2 a1, in Fp2 a4, in Fp2 b0, in Fp2 b1, in Fp2 b4)
    {
        LinePair(a0, a1, a4, b0, b1, b4, out Fp2 g0, out Fp2 g1, out Fp2 g2, out Fp2 h1, out Fp2 h2);
        MulByLineProduct(out r, f, g0, g1, g2, h1, h2);
    }

    /// <summary>
    /// The product of two lines, (g0 + g1·v + g2·v^2) + (h1·v + h2·v^2)·w, in 6 Fp2 products; also the
    /// Miller loop's first value, where f is still 1.
    /// </summary>
    public static void LinePair(in Fp2 a0, in Fp2 a1, in Fp2 a4, in Fp2 b0, in Fp2 b1, in Fp2 b4,
        out Fp2 g0, out Fp2 g1, out Fp2 g2, out Fp2 h1, out Fp2 h2)
    {
        Fp2.Mul(out Fp2 m00, a0, b0);
        Fp2.Mul(out g2, a1, b1);
        Fp2.Mul(out Fp2 m44, a4, b4);
        Fp2.Add(out Fp2 x, a0, a1);
        Fp2.Add(out Fp2 y, b0, b1);
        Fp2.Mul(out g1, x, y);
        Fp2.Sub(out g1, g1, m00);
        Fp2.Sub(out g1, g1, g2);
        Fp2.Add(out x, a0, a4);
        Fp2.Add(out y, b0, b4);
        Fp2.Mul(out h1, x, y);
        Fp2.Sub(out h1, h1, m00);
        Fp2.Sub(out h1, h1, m44);
        Fp2.Add(out x, a1, a4);
        Fp2.Add(out y, b1, b4);
        Fp2.Mul(out h2, x, y);
        Fp2.Sub(out h2, h2, g2);
        Fp2.Sub(out h2, h2, m44);
        Fp2.MulByXi(out g0, m44);
        Fp2.Add(out g0, g0, m00);
    }

    /// <summary>
    /// Multiplies by the monic line L + v·w, L = c0 + c1·v: (A + B·w)(L + v·w) = (A·L + B·v^2) + (A·v + B·L)·w.
    /// 10 Fp2 products; schoolbook, as the w part needs no product (Karatsuba would only add additions).
    /// </summary>
    public static void MulByMonicLine(out Fp12 r, in Fp12 a, in Fp2 c0, in Fp2 c1)
    {
        Fp6.MulBy01(out Fp6 al, a.C0, c0, c1);
        Fp6.MulBy01(out Fp6 bl, a.C1, c0, c1);
        // B·v^2 = (ξ·b1, ξ·b2, b0) and A·v = (ξ·a2, a0, a1); r may be a, so a.C1 is read before r.C1 is
        // written and a.C0 before r.C0.
        Fp2.MulByXi(out Fp2 t, a.C1.C1);
        Fp2.Add(out Fp2 n0, al.C0, t);
        Fp2.MulByXi(out t, a.C1.C2);
        Fp2.Add(out Fp2 n1, al.C1, t);
        Fp2.Add(out Fp2 n2, al.C2, a.C1.C0);
        Fp2.MulByXi(out t, a.C0.C2);
        Fp2.Add(out r.C1.C0, bl.C0, t);
        Fp2.Add(out r.C1.C1, bl.C1, a.C0.C0);
        Fp2.Add(out r.C1.C2, bl.C2, a.C0.C1);
        r.C0.C0 = n0;
        r.C0.C1 = n1;
        r.C0.C2 = n2;
    }

    /// <summary>r = f·((g0 + g1·v + g2·v^2) + (h1·v + h2·v^2)·w), the shape of a product of two lines (17 Fp2 products).</summary>
    public static void MulByLineProduct(out Fp12 r, in Fp12 f, in Fp2 g0, in Fp2 g1, in Fp2 g2, in Fp2 h1, in Fp2 h2)
    {
        Fp6 gc0 = new(g0, g1, g2);
        Fp6.Mul(out Fp6 t0, f.C0, gc0);
        Fp6.MulBy12(out Fp6 t1, f.C1, h1, h2);
        Fp6.Add(out Fp6 s, f.C0, f.C1);
        Fp2.Add(out gc0.C1, g1, h1);
        Fp2.Add(out gc0.C2, g2, h2);
        Fp6.Mul(out s, s, gc0);
        Fp6.Sub(out s, s, t0);
        Fp6.Sub(out r.C1, s, t1);
        Fp6.MulByV(out t1, t1);
        Fp6.Add(out r.C0, t0, t1);
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

    /// <summary>
    /// Karabina's compressed cyclotomic squaring: the squares of z2 = C1.C0, z3 = C0.C2, z4 = C0.C1 and
    /// z5 = C1.C2 depend only on those four (two Fp4 squarings, 6 Fp2 squarings against Granger-Scott's 9);
    /// C0.C0 and C1.C1 are recovered afterwards by <see cref="TryDecompress"/>.
    /// </summary>
    public static void CompressedSquare(ref Fp2 z2, ref Fp2 z3, ref Fp2 z4, ref Fp2 z5)
    {
        Fp4Square(z2, z3, out Fp2 t0, out Fp2 t1);
        Fp4Square(z4, z5, out Fp2 t2, out Fp2 t3);
        ThreeMinusTwo(out z4, t0, z4);
        ThreePlusTwo(out z5, t1, z5);
        Fp2.MulByXi(out t3, t3);
        ThreePlusTwo(out z2, t3, z2);
        ThreeMinusTwo(out z3, t2, z3);
    }

    /// <summary>
    /// Recovers cyclotomic elements from their compressed parts (z2, z3, z4, z5), sharing one inversion:
    /// C1.C1 = (ξ·z5² + 3·z4² − 2·z3) / (4·z2), C0.C0 = ξ·(2·C1.C1² + z2·z5 − 3·z4·z3) + 1.
    /// False when some z2 is zero (that formula does not apply; callers fall back to plain squaring).
    /// </summary>
    public static bool TryDecompress(Span<Fp12> xs)
    {
        int n = xs.Length;
        Span<Fp2> num = n <= 8 ? stackalloc Fp2[n] : new Fp2[n];
        Span<Fp2> acc = n <= 8 ? stackalloc Fp2[n] : new Fp2[n];
        Fp2 prod = Fp2.One;
        for (int i = 0; i < n; i++)
        {
            ref Fp12 x = ref xs[i];
            if (x.C1.C0.IsZero) return false;
            Fp2.Square(out Fp2 t0, x.C0.C1);
            Fp2.Sub(out Fp2 t1, t0, x.C0.C2);
            Fp2.Double(out t1, t1);
            Fp2.Add(out t1, t1, t0);
            Fp2.Square(out Fp2 t2, x.C1.C2);
            Fp2.MulByXi(out t2, t2);
            Fp2.Add(out num[i], t2, t1);
            acc[i] = prod;
            Fp2.Double(out Fp2 d, x.C1.C0);
            Fp2.Double(out d, d);
            Fp2.Mul(out prod, prod, d);
        }
        Fp2 inv = prod.Inverse();
        for (int i = n - 1; i >= 0; i--)
        {
            ref Fp12 x = ref xs[i];
            // inv = 1 / (d_0 ... d_i): 1/d_i = inv · (d_0 ... d_{i-1}); then drop d_i from inv.
            Fp2.Mul(out Fp2 di, inv, acc[i]);
            Fp2.Double(out Fp2 d, x.C1.C0);
            Fp2.Double(out d, d);
            Fp2.Mul(out inv, inv, d);
            Fp2.Mul(out Fp2 g4, num[i], di);
            Fp2.Square(out Fp2 t0, g4);
            Fp2.Double(out t0, t0);
            Fp2.Mul(out Fp2 t1, x.C0.C1, x.C0.C2);
            Fp2.Sub(out t0, t0, t1);
            Fp2.Double(out t1, t1);
            Fp2.Sub(out t0, t0, t1);
            Fp2.Mul(out Fp2 t2, x.C1.C0, x.C1.C2);
            Fp2.Add(out t0, t0, t2);
            Fp2.MulByXi(out t0, t0);
            Fp2.Add(out x.C0.C0, t0, Fp2.One);
            x.C1.C1 = g4;
        }
        return true;
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
