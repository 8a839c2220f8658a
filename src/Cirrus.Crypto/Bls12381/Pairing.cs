namespace Cirrus.Crypto.Bls12381;

/// <summary>An affine G1 point for pairing input (never infinity).</summary>
internal readonly struct G1Affine(Fp x, Fp y)
{
    public readonly Fp X = x, Y = y;
}

/// <summary>An affine G2 point for pairing input (never infinity).</summary>
internal readonly struct G2Affine(Fp2 x, Fp2 y)
{
    public readonly Fp2 X = x, Y = y;
}

/// <summary>The optimal ate pairing on BLS12-381: multi-Miller loop and final exponentiation.</summary>
internal static class Pairing
{
    /// <summary>
    /// Homogeneous projective point on the twist (x = X/Z, y = Y/Z), with its pair's G1 coordinates
    /// pre-scaled for the line evaluations (3·xp, -xp, yp, -yp).
    /// </summary>
    private struct Proj
    {
        public Fp2 X, Y, Z;
        public Fp Xp3, NXp, Yp, NYp;
    }

    /// <summary>Tangent step: T = 2T, returns the line (c0, c1, c4) evaluated at P.</summary>
    private static void DoublingStep(ref Proj t, out Fp2 c0, out Fp2 c1, out Fp2 c4)
    {
        Fp2.Mul(out Fp2 a, t.X, t.Y);
        Fp2.Halve(out a, a);
        Fp2.Square(out Fp2 b, t.Y);
        Fp2.Square(out Fp2 c, t.Z);
        // e = 3b'·c = 12·ξ·c by additions.
        Fp2.MulByXi(out Fp2 e, c);
        Fp2.Double(out Fp2 e2x, e);
        Fp2.Add(out e, e2x, e);
        Fp2.Double(out e, e);
        Fp2.Double(out e, e);
        Fp2.Double(out Fp2 f, e);
        Fp2.Add(out f, f, e);
        Fp2.Add(out Fp2 g, b, f);
        Fp2.Halve(out g, g);
        Fp2.Add(out Fp2 h, t.Y, t.Z);
        Fp2.Square(out h, h);
        Fp2.Add(out Fp2 bc, b, c);
        Fp2.Sub(out h, h, bc);
        Fp2.Square(out Fp2 x2, t.X);
        Fp2.Square(out Fp2 ee, e);
        Fp2.Sub(out c0, e, b);
        c1 = x2 * t.Xp3;
        c4 = h * t.NYp;
        Fp2.Sub(out Fp2 bf, b, f);
        Fp2.Mul(out t.X, a, bf);
        Fp2.Square(out Fp2 gg, g);
        Fp2.Double(out Fp2 e3, ee);
        Fp2.Add(out e3, e3, ee);
        Fp2.Sub(out t.Y, gg, e3);
        Fp2.Mul(out t.Z, b, h);
    }

    /// <summary>Chord step: T = T + Q, returns the line (c0, c1, c4) evaluated at P.</summary>
    private static void AdditionStep(ref Proj t, in G2Affine q, out Fp2 c0, out Fp2 c1, out Fp2 c4)
    {
        Fp2 theta = t.Y - q.Y * t.Z;
        Fp2 lambda = t.X - q.X * t.Z;
        Fp2 c = theta.Square();
        Fp2 d = lambda.Square();
        Fp2 e = lambda * d;
        Fp2 f = t.Z * c;
        Fp2 g = t.X * d;
        Fp2 h = e + f - (g + g);
        c0 = theta * q.X - lambda * q.Y;
        c1 = theta * t.NXp;
        c4 = lambda * t.Yp;
        t.X = lambda * h;
        t.Y = theta * (g - h) - e * t.Y;
        t.Z = t.Z * e;
    }

    /// <summary>∏ f_{|x|,Q_i}(P_i), conjugated for the negative x; pairs are given as parallel spans.</summary>
    public static Fp12 MillerLoop(ReadOnlySpan<G1Affine> ps, ReadOnlySpan<G2Affine> qs)
    {
        int n = ps.Length;
        if (qs.Length != n) throw new ArgumentException("pair count mismatch");
        var ts = n <= 16 ? stackalloc Proj[n] : new Proj[n];
        for (int i = 0; i < n; i++)
        {
            ts[i].X = qs[i].X;
            ts[i].Y = qs[i].Y;
            ts[i].Z = Fp2.One;
            Fp xp = ps[i].X;
            ts[i].Xp3 = xp + xp + xp;
            ts[i].NXp = -xp;
            ts[i].Yp = ps[i].Y;
            ts[i].NYp = -ps[i].Y;
        }
        Fp12 f = Fp12.One;
        bool first = true;
        for (int bit = 62; bit >= 0; bit--)
        {
            if (!first) f = f.Square();
            first = false;
            // Lines are multiplied in pairs (MulByLinePair), a lone last one sparsely.
            int i = 0;
            for (; i + 1 < n; i += 2)
            {
                DoublingStep(ref ts[i], out Fp2 a0, out Fp2 a1, out Fp2 a4);
                DoublingStep(ref ts[i + 1], out Fp2 b0, out Fp2 b1, out Fp2 b4);
                if (bit == 62 && i == 0)
                {
                    // f is 1: the first line pair is f.
                    Fp12.LinePair(a0, a1, a4, b0, b1, b4, out f.C0.C0, out f.C0.C1, out f.C0.C2, out f.C1.C1, out f.C1.C2);
                    f.C1.C0 = Fp2.Zero;
                }
                else Fp12.MulByLinePair(out f, f, a0, a1, a4, b0, b1, b4);
            }
            if (i < n)
            {
                DoublingStep(ref ts[i], out Fp2 c0, out Fp2 c1, out Fp2 c4);
                Fp12.MulBy014(out f, f, c0, c1, c4);
            }
            if (((G1.AbsX >> bit) & 1) != 0)
            {
                for (i = 0; i + 1 < n; i += 2)
                {
                    AdditionStep(ref ts[i], qs[i], out Fp2 a0, out Fp2 a1, out Fp2 a4);
                    AdditionStep(ref ts[i + 1], qs[i + 1], out Fp2 b0, out Fp2 b1, out Fp2 b4);
                    Fp12.MulByLinePair(out f, f, a0, a1, a4, b0, b1, b4);
                }
                if (i < n)
                {
                    AdditionStep(ref ts[i], qs[i], out Fp2 c0, out Fp2 c1, out Fp2 c4);
                    Fp12.MulBy014(out f, f, c0, c1, c4);
                }
            }
        }
        return f.Conjugate();
    }

    /// <summary>
    /// The multi-Miller loop in affine twist coordinates, for many pairs (batches): every step of every
    /// pair needs an inversion, and all of a step's inversions share one (Montgomery's trick, three Fp2
    /// products each). Each line is scaled (by a factor the final exponentiation removes) so its vw
    /// coefficient is 1: 1/yP and -xP/yP are precomputed, and multiplying f by such a line costs 10 Fp2
    /// products (against 11.5 per line for the projective loop's line pairs). The result equals <see cref="MillerLoop"/>'s up to such factors, so only
    /// after the final exponentiation. Points must be in G1 and G2 (never infinity).
    /// </summary>
    public static Fp12 MillerLoopAffine(ReadOnlySpan<G1Affine> ps, ReadOnlySpan<G2Affine> qs)
    {
        int n = ps.Length;
        if (qs.Length != n) throw new ArgumentException("pair count mismatch");
        var yInv = new Fp[n];
        var nxy = new Fp[n];
        var pre = new Fp[n];
        Fp acc = Fp.One;
        for (int i = 0; i < n; i++)
        {
            pre[i] = acc;
            acc *= ps[i].Y;
        }
        // yP = 0 only for a 2-torsion point, never in G1; fall back rather than divide by zero.
        if (acc.IsZero) return MillerLoop(ps, qs);
        Fp inv = acc.Inverse();
        for (int i = n - 1; i >= 0; i--)
        {
            yInv[i] = inv * pre[i];
            inv *= ps[i].Y;
            nxy[i] = -(ps[i].X * yInv[i]);
        }
        var tx = new Fp2[n];
        var ty = new Fp2[n];
        var den = new Fp2[n];
        var pre2 = new Fp2[n];
        for (int i = 0; i < n; i++)
        {
            tx[i] = qs[i].X;
            ty[i] = qs[i].Y;
        }
        Fp12 f = Fp12.One;
        for (int bit = 62; bit >= 0; bit--)
        {
            if (bit != 62) f = f.Square();
            // Tangents: slope 3x^2 / 2y.
            for (int i = 0; i < n; i++) Fp2.Double(out den[i], ty[i]);
            if (!AffineBatch.InvertAll(den, pre2)) return MillerLoop(ps, qs);
            for (int k = 0; k < n; k++)
            {
                TangentStep(ref tx[k], ref ty[k], den[k], yInv[k], nxy[k], out Fp2 c0, out Fp2 c1);
                Fp12.MulByMonicLine(out f, f, c0, c1);
            }
            if (((G1.AbsX >> bit) & 1) == 0) continue;
            // Chords through T and Q: slope (yT - yQ) / (xT - xQ). T = [k]Q with 1 < k < r, so xT ≠ xQ.
            for (int i = 0; i < n; i++) Fp2.Sub(out den[i], tx[i], qs[i].X);
            if (!AffineBatch.InvertAll(den, pre2)) return MillerLoop(ps, qs);
            for (int k = 0; k < n; k++)
            {
                ChordStep(ref tx[k], ref ty[k], qs[k], den[k], yInv[k], nxy[k], out Fp2 c0, out Fp2 c1);
                Fp12.MulByMonicLine(out f, f, c0, c1);
            }
        }
        return f.Conjugate();
    }

    /// <summary>T = 2T given 1/(2yT); the tangent line scaled to (λ·xT - yT)/yP + (-λ·xP/yP)·v + vw.</summary>
    private static void TangentStep(ref Fp2 x, ref Fp2 y, in Fp2 inv2y, in Fp yInv, in Fp nxy, out Fp2 c0, out Fp2 c1)
    {
        Fp2.Square(out Fp2 x2, x);
        Fp2.Double(out Fp2 n3, x2);
        Fp2.Add(out n3, n3, x2);
        Fp2.Mul(out Fp2 l, n3, inv2y);
        Fp2.Double(out Fp2 x2x, x);
        Finish(ref x, ref y, l, x2x, yInv, nxy, out c0, out c1);
    }

    /// <summary>T = T + Q given 1/(xT - xQ); the chord line scaled as in <see cref="TangentStep"/>.</summary>
    private static void ChordStep(ref Fp2 x, ref Fp2 y, in G2Affine q, in Fp2 invDx, in Fp yInv, in Fp nxy, out Fp2 c0, out Fp2 c1)
    {
        Fp2.Sub(out Fp2 dy, y, q.Y);
        Fp2.Mul(out Fp2 l, dy, invDx);
        Fp2.Add(out Fp2 sx, x, q.X);
        Finish(ref x, ref y, l, sx, yInv, nxy, out c0, out c1);
    }

    /// <summary>Given the slope l and the sum of the two abscissas: x3 = l^2 - sum, y3 = l·(x - x3) - y, and the line.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Finish(ref Fp2 x, ref Fp2 y, in Fp2 l, in Fp2 sumX, in Fp yInv, in Fp nxy, out Fp2 c0, out Fp2 c1)
    {
        Fp2.Mul(out Fp2 lx, l, x);
        Fp2.Sub(out lx, lx, y);
        c0 = lx * yInv;
        c1 = l * nxy;
        Fp2.Square(out Fp2 x3, l);
        Fp2.Sub(out x3, x3, sumX);
        Fp2.Sub(out Fp2 d, x, x3);
        Fp2.Mul(out d, l, d);
        Fp2.Sub(out y, d, y);
        x = x3;
    }

    /// <summary>
    /// a^x (x negative) for a in the cyclotomic subgroup: compressed (Karabina) squarings, keeping
    /// a^(2^i) for the six set bits of |x|, then one batched decompression and five products.
    /// </summary>
    internal static Fp12 CycExpX(in Fp12 a)
    {
        Span<Fp12> pw = stackalloc Fp12[8];
        int k = 0;
        Fp2 z2 = a.C1.C0, z3 = a.C0.C2, z4 = a.C0.C1, z5 = a.C1.C2;
        if (FpX8.IsSupported)
        {
            // The squarings' twelve Fp products two lane products at a time (FpX8.CompressedSquare).
            Span<Fp> z = [z2.C0, z2.C1, z3.C0, z3.C1, z4.C0, z4.C1, z5.C0, z5.C1];
            FpX8.Load(z, out FpX8 lanes);
            for (int bit = 1; bit < 64; bit++)
            {
                FpX8.CompressedSquare(ref lanes);
                if (((G1.AbsX >> bit) & 1) != 0)
                {
                    lanes.Store(z);
                    ref Fp12 p = ref pw[k++];
                    p.C1.C0 = new Fp2(z[0], z[1]); p.C0.C2 = new Fp2(z[2], z[3]);
                    p.C0.C1 = new Fp2(z[4], z[5]); p.C1.C2 = new Fp2(z[6], z[7]);
                }
            }
        }
        else
        {
            for (int bit = 1; bit < 64; bit++)
            {
                Fp12.CompressedSquare(ref z2, ref z3, ref z4, ref z5);
                if (((G1.AbsX >> bit) & 1) != 0)
                {
                    ref Fp12 p = ref pw[k++];
                    p.C1.C0 = z2; p.C0.C2 = z3; p.C0.C1 = z4; p.C1.C2 = z5;
                }
            }
        }
        if (!Fp12.TryDecompress(pw[..k])) return CycExpXPlain(a);
        Fp12 r = pw[0];
        for (int i = 1; i < k; i++) Fp12.Mul(out r, r, pw[i]);
        return r.Conjugate();
    }

    /// <summary>a^x by square-and-multiply with Granger-Scott squarings (the fallback, and the reference in tests).</summary>
    internal static Fp12 CycExpXPlain(in Fp12 a)
    {
        Fp12 r = a;
        for (int bit = 62; bit >= 0; bit--)
        {
            r = r.CyclotomicSquare();
            if (((G1.AbsX >> bit) & 1) != 0) r = r * a;
        }
        return r.Conjugate();
    }

    /// <summary>
    /// f^(3·(p^12 - 1)/r): easy part (p^6 - 1)(p^2 + 1), then the hard part via
    /// 3·Φ12(p)/r = (x - 1)^2·(x + p)·(x^2 + p^2 - 1) + 3. The fixed cube is harmless for
    /// signature checks (3 is prime to r).
    /// </summary>
    public static Fp12 FinalExponentiation(in Fp12 f)
    {
        Fp12 t = f.Conjugate() * f.Inverse();
        Fp12 m = t.Frobenius().Frobenius() * t;
        Fp12 a = CycExpX(m) * m.Conjugate();            // m^(x-1)
        a = CycExpX(a) * a.Conjugate();                  // m^((x-1)^2)
        Fp12 b = CycExpX(a) * a.Frobenius();             // ^(x+p)
        Fp12 c = CycExpX(CycExpX(b)) * b.Frobenius().Frobenius() * b.Conjugate(); // ^(x^2+p^2-1)
        return c * m.CyclotomicSquare() * m;
    }

    public static Fp12 Pair(in G1Affine p, in G2Affine q)
    {
        ReadOnlySpan<G1Affine> ps = [p];
        ReadOnlySpan<G2Affine> qs = [q];
        return FinalExponentiation(MillerLoop(ps, qs));
    }
}
