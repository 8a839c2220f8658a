using System.Security.Cryptography;
using System.Text;

namespace Cirrus.Crypto.Bls12381;

/// <summary>RFC 9380 hash_to_curve for G2, suite BLS12381G2_XMD:SHA-256_SSWU_RO_.</summary>
internal static class HashToCurve
{
    /// <summary>expand_message_xmd with SHA-256 (RFC 9380 section 5.3.1).</summary>
    public static void ExpandMessageXmd(ReadOnlySpan<byte> msg, ReadOnlySpan<byte> dst, Span<byte> output)
    {
        int len = output.Length;
        int ell = (len + 31) / 32;
        if (ell > 255 || len > 65535) throw new ArgumentException("requested output too long");
        if (dst.Length > 255)
        {
            byte[] prefix = Encoding.ASCII.GetBytes("H2C-OVERSIZE-DST-");
            byte[] tmp = new byte[prefix.Length + dst.Length];
            prefix.CopyTo(tmp, 0);
            dst.CopyTo(tmp.AsSpan(prefix.Length));
            dst = SHA256.HashData(tmp);
        }
        int dstPrimeLen = dst.Length + 1;
        Span<byte> dstPrime = stackalloc byte[dstPrimeLen];
        dst.CopyTo(dstPrime);
        dstPrime[dst.Length] = (byte)dst.Length;

        // msg_prime = Z_pad(64) || msg || I2OSP(len, 2) || 0x00 || DST_prime
        int mpLen = 64 + msg.Length + 3 + dstPrimeLen;
        byte[]? rented = null;
        Span<byte> mp = mpLen <= 1024 ? stackalloc byte[mpLen] : (rented = new byte[mpLen]);
        mp[..64].Clear();
        msg.CopyTo(mp[64..]);
        int o = 64 + msg.Length;
        mp[o] = (byte)(len >> 8);
        mp[o + 1] = (byte)len;
        mp[o + 2] = 0;
        dstPrime.CopyTo(mp[(o + 3)..]);
        Span<byte> b0 = stackalloc byte[32];
        SHA256.HashData(mp, b0);

        Span<byte> input = stackalloc byte[32 + 1 + dstPrimeLen];
        Span<byte> bi = stackalloc byte[32];
        for (int i = 1; i <= ell; i++)
        {
            for (int j = 0; j < 32; j++) input[j] = (byte)(i == 1 ? b0[j] : (b0[j] ^ bi[j]));
            input[32] = (byte)i;
            dstPrime.CopyTo(input[33..]);
            SHA256.HashData(input, bi);
            int take = Math.Min(32, len - (i - 1) * 32);
            bi[..take].CopyTo(output[((i - 1) * 32)..]);
        }
    }

    /// <summary>hash_to_field(msg, 2) into Fp2 (L = 64).</summary>
    public static void HashToField(ReadOnlySpan<byte> msg, ReadOnlySpan<byte> dst, out Fp2 u0, out Fp2 u1)
    {
        Span<byte> buf = stackalloc byte[256];
        ExpandMessageXmd(msg, dst, buf);
        u0 = new Fp2(Fp.FromBytesWide(buf[..64]), Fp.FromBytesWide(buf.Slice(64, 64)));
        u1 = new Fp2(Fp.FromBytesWide(buf.Slice(128, 64)), Fp.FromBytesWide(buf.Slice(192, 64)));
    }

    // The isogenous curve E2': y^2 = x^3 + A'x + B' and the SSWU constant Z.
    private static readonly Fp2 IsoA = new(Fp.Zero, Fp.FromUlong(240));
    private static readonly Fp2 IsoB = new(Fp.FromUlong(1012), Fp.FromUlong(1012));
    private static readonly Fp2 SswuZ = new(-Fp.FromUlong(2), -Fp.One);
    private static readonly Fp2 MinusBOverA = -(IsoB * IsoA.Inverse());
    private static readonly Fp2 BOverZA = IsoB * (SswuZ * IsoA).Inverse();

    /// <summary>Simplified SWU onto E2' (RFC 9380 section 6.6.2), affine output.</summary>
    public static void MapToCurveSswu(in Fp2 u, out Fp2 x, out Fp2 y)
    {
        SswuDenominator(u, out Fp2 zu2, out Fp2 tv1);
        MapToCurveSswu(u, zu2, tv1, tv1.IsZero ? Fp2.Zero : tv1.Inverse(), out x, out y);
    }

    /// <summary>Z·u^2 and tv1 = Z^2·u^4 + Z·u^2, whose inverse the map needs.</summary>
    private static void SswuDenominator(in Fp2 u, out Fp2 zu2, out Fp2 tv1)
    {
        zu2 = SswuZ * u.Square();
        tv1 = zu2.Square() + zu2;
    }

    /// <summary>The map given 1/tv1 (anything when tv1 = 0), so two maps can share one inversion.</summary>
    private static void MapToCurveSswu(in Fp2 u, in Fp2 zu2, in Fp2 tv1, in Fp2 tv1Inverse, out Fp2 x, out Fp2 y)
    {
        Fp2 x1 = tv1.IsZero ? BOverZA : MinusBOverA * (Fp2.One + tv1Inverse);
        Fp2 gx1 = (x1.Square() + IsoA) * x1 + IsoB;
        if (gx1.C1.IsZero)
        {
            if (gx1.TrySqrt(out y)) x = x1;
            else SecondCandidate(zu2, x1, out x, out y);
        }
        else
        {
            // gx1 is a square iff its norm is. When it is not, sqrt(norm) returned c with c^2 = -norm(gx1),
            // and gx2 = Z^3·u^6·gx1 has norm 5^3·norm(u)^6·norm(gx1) (norm(Z) = 5), whose root is
            // 5·norm(u)^3·sqrt(-5)·c: the second candidate costs one exponentiation, not two.
            Fp n1 = gx1.Norm();
            if (n1.TrySqrt(out Fp c) && gx1.TrySqrtGivenNormRoot(c, out y))
            {
                x = x1;
            }
            else
            {
                x = zu2 * x1;
                Fp2 gx2 = (x.Square() + IsoA) * x + IsoB;
                Fp nu = u.Norm();
                Fp s2 = nu.Square() * nu * FiveSqrtMinusFive * c;
                if (gx2.C1.IsZero || s2.Square() != gx2.Norm() || !gx2.TrySqrtGivenNormRoot(s2, out y))
                    SecondCandidate(zu2, x1, out x, out y);
            }
        }
        if (u.Sgn0 != y.Sgn0) y = -y;
    }

    /// <summary>
    /// <see cref="MapToCurveSswu(in Fp2, in Fp2, in Fp2, in Fp2, out Fp2, out Fp2)"/> for many inputs, with
    /// its two Fp exponentiations per map (the norm's root, then the root and inverse of (a0 + s)/2)
    /// done eight maps at a time in AVX-512 lanes. Any map off the common path (gx1 in Fp, a failed
    /// check) is redone by the scalar code, which gives the same point: the map's output is unique.
    /// </summary>
    private static void MapToCurveSswuLanes(Fp2[] u, Fp2[] zu2, Fp2[] tv1, Fp2[] tv1Inverse, Fp2[] xs, Fp2[] ys)
    {
        int m = u.Length;
        var gx1 = new Fp2[m];
        var a = new Fp2[m];
        var s = new Fp[m];
        var lane = new bool[m]; // false: the scalar map decides
        for (int i = 0; i < m; i++)
        {
            Fp2 x1 = tv1[i].IsZero ? BOverZA : MinusBOverA * (Fp2.One + tv1Inverse[i]);
            xs[i] = x1;
            gx1[i] = (x1.Square() + IsoA) * x1 + IsoB;
            lane[i] = !gx1[i].C1.IsZero;
            s[i] = lane[i] ? gx1[i].Norm() : Fp.One;
        }
        var n1 = (Fp[])s.Clone();
        FpX8.PowMany(s, Fp.PPlus1Div4); // c = n1^((p+1)/4): sqrt(n1), or sqrt(-n1) when n1 is not a square
        for (int i = 0; i < m; i++)
        {
            if (!lane[i]) continue;
            Fp c = s[i];
            if (c.Square() == n1[i])
            {
                a[i] = gx1[i];
                continue;
            }
            // As in the scalar map: gx2's norm root follows from c.
            Fp2 x2 = zu2[i] * xs[i];
            Fp2 gx2 = (x2.Square() + IsoA) * x2 + IsoB;
            Fp nu = u[i].Norm();
            Fp s2 = nu.Square() * nu * FiveSqrtMinusFive * c;
            if (gx2.C1.IsZero || s2.Square() != gx2.Norm()) { lane[i] = false; continue; }
            xs[i] = x2;
            a[i] = gx2;
            s[i] = s2;
        }
        var roots = new Fp2[m];
        Fp2.TrySqrtGivenNormRootsMany(a, s, lane, roots);
        for (int i = 0; i < m; i++)
        {
            if (lane[i]) ys[i] = u[i].Sgn0 != roots[i].Sgn0 ? -roots[i] : roots[i];
            else MapToCurveSswu(u[i], zu2[i], tv1[i], tv1Inverse[i], out xs[i], out ys[i]);
        }
    }

    /// <summary>5·sqrt(-5) in Fp (-5 is a square: 5 = norm(Z) must be a non-square for SSWU to work).</summary>
    private static readonly Fp FiveSqrtMinusFive = MakeFiveSqrtMinusFive();

    private static Fp MakeFiveSqrtMinusFive()
    {
        Fp five = Fp.FromUlong(5);
        if (!(-five).TrySqrt(out Fp r)) throw new InvalidOperationException("-5 is not a square");
        return five * r;
    }

    /// <summary>x2 = Z·u^2·x1 and a square root of gx2 by the general method.</summary>
    private static void SecondCandidate(in Fp2 zu2, in Fp2 x1, out Fp2 x, out Fp2 y)
    {
        x = zu2 * x1;
        Fp2 gx2 = (x.Square() + IsoA) * x + IsoB;
        if (!gx2.TrySqrt(out y)) throw new InvalidOperationException("SSWU: neither gx1 nor gx2 is square");
    }

    private static Fp2 H(string c0, string c1) => Fp2.FromBig(Limbs.Hex(c0), Limbs.Hex(c1));

    // 3-isogeny E2' -> E2 (RFC 9380 appendix E.3).
    private static readonly Fp2[] XNum =
    [
        H("5c759507e8e333ebb5b7a9a47d7ed8532c52d39fd3a042a88b58423c50ae15d5c2638e343d9c71c6238aaaaaaaa97d6", "5c759507e8e333ebb5b7a9a47d7ed8532c52d39fd3a042a88b58423c50ae15d5c2638e343d9c71c6238aaaaaaaa97d6"),
        H("0", "11560bf17baa99bc32126fced787c88f984f87adf7ae0c7f9a208c6b4f20a4181472aaa9cb8d555526a9ffffffffc71a"),
        H("11560bf17baa99bc32126fced787c88f984f87adf7ae0c7f9a208c6b4f20a4181472aaa9cb8d555526a9ffffffffc71e", "8ab05f8bdd54cde190937e76bc3e447cc27c3d6fbd7063fcd104635a790520c0a395554e5c6aaaa9354ffffffffe38d"),
        H("171d6541fa38ccfaed6dea691f5fb614cb14b4e7f4e810aa22d6108f142b85757098e38d0f671c7188e2aaaaaaaa5ed1", "0"),
    ];
    private static readonly Fp2[] XDen =
    [
        H("0", "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaa63"),
        H("c", "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaa9f"),
        Fp2.One,
    ];
    private static readonly Fp2[] YNum =
    [
        H("1530477c7ab4113b59a4c18b076d11930f7da5d4a07f649bf54439d87d27e500fc8c25ebf8c92f6812cfc71c71c6d706", "1530477c7ab4113b59a4c18b076d11930f7da5d4a07f649bf54439d87d27e500fc8c25ebf8c92f6812cfc71c71c6d706"),
        H("0", "5c759507e8e333ebb5b7a9a47d7ed8532c52d39fd3a042a88b58423c50ae15d5c2638e343d9c71c6238aaaaaaaa97be"),
        H("11560bf17baa99bc32126fced787c88f984f87adf7ae0c7f9a208c6b4f20a4181472aaa9cb8d555526a9ffffffffc71c", "8ab05f8bdd54cde190937e76bc3e447cc27c3d6fbd7063fcd104635a790520c0a395554e5c6aaaa9354ffffffffe38f"),
        H("124c9ad43b6cf79bfbf7043de3811ad0761b0f37a1e26286b0e977c69aa274524e79097a56dc4bd9e1b371c71c718b10", "0"),
    ];
    private static readonly Fp2[] YDen =
    [
        H("1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffa8fb", "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffa8fb"),
        H("0", "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffa9d3"),
        H("12", "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaa99"),
        Fp2.One,
    ];

    private static Fp2 Horner(Fp2[] k, in Fp2 x)
    {
        Fp2 r = k[^1];
        for (int i = k.Length - 2; i >= 0; i--) r = r * x + k[i];
        return r;
    }

    /// <summary>The 3-isogeny to E2, producing Jacobian coordinates without inversion.</summary>
    public static Jacobian<Fp2> IsoMap(in Fp2 x, in Fp2 y)
    {
        Fp2 xn = Horner(XNum, x), xd = Horner(XDen, x), yn = Horner(YNum, x), yd = Horner(YDen, x);
        // x = xn/xd, y = y·yn/yd; with Z = xd·yd: X = xn·xd·yd^2, Y = y·yn·xd^3·yd^2.
        Fp2 z = xd * yd;
        Fp2 yd2 = yd.Square();
        Fp2 xd2 = xd.Square();
        Fp2 X = xn * xd * yd2;
        Fp2 Y = y * yn * xd2 * xd * yd2;
        return new Jacobian<Fp2>(X, Y, z);
    }

    public static Jacobian<Fp2> MapToCurve(in Fp2 u)
    {
        MapToCurveSswu(u, out Fp2 x, out Fp2 y);
        return IsoMap(x, y);
    }

    /// <summary>clear_cofactor via h_eff·P = [x^2 - x - 1]P + [x - 1]ψ(P) + ψ^2(2P) (RFC 9380 appendix G.3).</summary>
    public static Jacobian<Fp2> ClearCofactor(in Jacobian<Fp2> p)
    {
        Jacobian<Fp2> t1 = G2.MulByX(p);
        Jacobian<Fp2> t2 = G2.Psi(p);
        Jacobian<Fp2> t3 = G2.Psi(G2.Psi(p.Double()));
        t3 = t3.Add(t2.Negate());
        t2 = G2.MulByX(t1.Add(t2));
        t3 = t3.Add(t2);
        t3 = t3.Add(t1.Negate());
        return t3.Add(p.Negate());
    }

    /// <summary>
    /// clear_cofactor for an affine point, as <see cref="ClearCofactor"/>: the additions of P and ψ(P)
    /// become mixed additions (about 0.9 µs cheaper each), which pays when a batch shares the inversion.
    /// </summary>
    public static Jacobian<Fp2> ClearCofactorAffine(in Fp2 x, in Fp2 y)
    {
        // [x]P: binary over |x| from its top bit (the point itself), then negated.
        Jacobian<Fp2> t1 = Jacobian<Fp2>.FromAffine(x, y);
        for (int bit = 62; bit >= 0; bit--)
        {
            t1 = t1.Double();
            if (((G1.AbsX >> bit) & 1) != 0) t1 = t1.AddAffine(x, y);
        }
        t1 = t1.Negate();
        Fp2 psx = x.Conjugate() * G2.PsiC1, psy = y.Conjugate() * G2.PsiC2;
        Jacobian<Fp2> t3 = G2.Psi(G2.Psi(Jacobian<Fp2>.FromAffine(x, y).Double()));
        t3 = t3.AddAffine(psx, -psy);
        Jacobian<Fp2> t2 = G2.MulByX(t1.AddAffine(psx, psy));
        t3 = t3.Add(t2);
        t3 = t3.Add(t1.Negate());
        return t3.AddAffine(x, -y);
    }

    /// <summary>
    /// hash_to_curve for many messages: as <see cref="HashToG2"/>, with one inversion for all the SSWU
    /// maps and one for the affine inputs of <see cref="ClearCofactorAffine"/>, instead of one per message.
    /// </summary>
    public static void HashToG2Batch(ReadOnlySpan<byte[]> msgs, ReadOnlySpan<byte> dst, Span<Jacobian<Fp2>> output)
    {
        int n = msgs.Length;
        var u = new Fp2[2 * n];
        var zu = new Fp2[2 * n];
        var tv = new Fp2[2 * n];
        var inv = new Fp2[2 * n];
        for (int i = 0; i < n; i++)
        {
            HashToField(msgs[i], dst, out u[2 * i], out u[2 * i + 1]);
            SswuDenominator(u[2 * i], out zu[2 * i], out tv[2 * i]);
            SswuDenominator(u[2 * i + 1], out zu[2 * i + 1], out tv[2 * i + 1]);
        }
        // A zero tv1 needs no inverse: stand in 1 and pass zero on.
        for (int j = 0; j < 2 * n; j++) inv[j] = tv[j].IsZero ? Fp2.One : tv[j];
        AffineBatch.InvertAll(inv, new Fp2[2 * n]);
        for (int j = 0; j < 2 * n; j++) if (tv[j].IsZero) inv[j] = Fp2.Zero;
        var mx = new Fp2[2 * n];
        var my = new Fp2[2 * n];
        if (FpX8.IsSupported) MapToCurveSswuLanes(u, zu, tv, inv, mx, my);
        else
            for (int j = 0; j < 2 * n; j++) MapToCurveSswu(u[j], zu[j], tv[j], inv[j], out mx[j], out my[j]);
        var pts = new Jacobian<Fp2>[n];
        for (int i = 0; i < n; i++)
            pts[i] = IsoMap(mx[2 * i], my[2 * i]).Add(IsoMap(mx[2 * i + 1], my[2 * i + 1]));
        Jacobian<Fp2>.NormalizeBatch(pts);
        int done = FpX8.IsSupported ? ClearCofactorLanes(pts, output) : 0;
        for (int i = done; i < n; i++)
            output[i] = pts[i].IsInfinity ? pts[i] : ClearCofactorAffine(pts[i].X, pts[i].Y);
    }

    /// <summary>
    /// Cofactor clearing of affine points (infinity passes through) eight at a time in AVX-512 lanes; a
    /// lane the lanes flag as exceptional is redone by <see cref="ClearCofactorAffine"/>. A last group of
    /// one or two points is left to the caller (a lane group costs about three scalar clearings); returns
    /// how many leading points it handled.
    /// </summary>
    private static int ClearCofactorLanes(ReadOnlySpan<Jacobian<Fp2>> pts, Span<Jacobian<Fp2>> output)
    {
        int n = pts.Length;
        int handled = n % 8 >= 3 ? n : n - n % 8;
        Span<Fp2> x = stackalloc Fp2[8], y = stackalloc Fp2[8], z = stackalloc Fp2[8];
        for (int b = 0; b < handled; b += 8)
        {
            int m = Math.Min(8, handled - b);
            for (int k = 0; k < 8; k++)
            {
                // Infinity and unused lanes compute on the generator instead; their results are not used.
                bool skip = k >= m || pts[b + k].IsInfinity;
                x[k] = skip ? G2.Generator.X : pts[b + k].X;
                y[k] = skip ? G2.Generator.Y : pts[b + k].Y;
            }
            Fp2X8.Load(x, out Fp2X8 vx);
            Fp2X8.Load(y, out Fp2X8 vy);
            G2X8.ClearCofactorAffine(out JacobianX8<Fp2X8> r, vx, vy);
            r.X.Store(x);
            r.Y.Store(y);
            r.Z.Store(z);
            for (int k = 0; k < m; k++)
            {
                ref readonly Jacobian<Fp2> q = ref pts[b + k];
                output[b + k] = q.IsInfinity ? q
                    : r.Bad[k] != 0 ? ClearCofactorAffine(q.X, q.Y)
                    : new Jacobian<Fp2>(x[k], y[k], z[k]);
            }
        }
        return handled;
    }

    public static Jacobian<Fp2> HashToG2(ReadOnlySpan<byte> msg, ReadOnlySpan<byte> dst)
    {
        HashToField(msg, dst, out Fp2 u0, out Fp2 u1);
        SswuDenominator(u0, out Fp2 zu0, out Fp2 tv0);
        SswuDenominator(u1, out Fp2 zu1, out Fp2 tv1);
        // One inversion for both maps (Montgomery's trick); a zero tv1 needs none.
        Fp2 inv0 = Fp2.Zero, inv1 = Fp2.Zero;
        if (!tv0.IsZero && !tv1.IsZero)
        {
            Fp2 both = (tv0 * tv1).Inverse();
            inv0 = both * tv1;
            inv1 = both * tv0;
        }
        else if (!tv0.IsZero) inv0 = tv0.Inverse();
        else if (!tv1.IsZero) inv1 = tv1.Inverse();
        MapToCurveSswu(u0, zu0, tv0, inv0, out Fp2 x0, out Fp2 y0);
        MapToCurveSswu(u1, zu1, tv1, inv1, out Fp2 x1, out Fp2 y1);
        return ClearCofactor(IsoMap(x0, y0).Add(IsoMap(x1, y1)));
    }
}
