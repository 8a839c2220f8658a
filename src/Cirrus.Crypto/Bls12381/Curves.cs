using System.Numerics;

namespace Cirrus.Crypto.Bls12381;

/// <summary>E1: y^2 = x^3 + 4 over Fp, and its order-r subgroup G1.</summary>
internal static class G1
{
    public static readonly Fp B = Fp.FromUlong(4);
    public static readonly Fp B3 = Fp.FromUlong(12);

    /// <summary>|x| for the BLS parameter x = -0xd201000000010000.</summary>
    public const ulong AbsX = 0xd201000000010000UL;

    public static readonly Jacobian<Fp> Generator = Jacobian<Fp>.FromAffine(
        Limbs.FpFromBig(Limbs.Hex("17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb")),
        Limbs.FpFromBig(Limbs.Hex("08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1")));

    /// <summary>The cube root of unity β for which φ(x, y) = (β·x, y) acts on G1 as multiplication by -x^2.</summary>
    public static readonly Fp Beta = FindBeta();

    private static Fp FindBeta()
    {
        // The two primitive cube roots of unity are w and w^2 with w = g^((p-1)/3) for a non-cube g.
        BigInteger p = Limbs.P;
        for (int g = 2; ; g++)
        {
            BigInteger w = BigInteger.ModPow(g, (p - 1) / 3, p);
            if (w == 1) continue;
            foreach (BigInteger cand in new[] { w, w * w % p })
            {
                Fp beta = Limbs.FpFromBig(cand);
                if (Phi(Generator, beta).EqualsPoint(MulByMinusXSquared(Generator))) return beta;
            }
            throw new InvalidOperationException("no suitable cube root of unity");
        }
    }

    private static Jacobian<Fp> Phi(in Jacobian<Fp> p, in Fp beta) => new(p.X * beta, p.Y, p.Z);

    /// <summary>[x^2]P = -φ(P) = (β·x, -y) for an affine P in G1: a 128-bit multiple for two products.</summary>
    public static void MulByXSquaredAffine(in Fp x, in Fp y, out Fp x2, out Fp y2)
    {
        x2 = x * Beta;
        y2 = -y;
    }

    /// <summary>[x]P = -[|x|]P.</summary>
    public static Jacobian<Fp> MulByX(in Jacobian<Fp> p) => p.MulVartime(AbsX).Negate();

    private static Jacobian<Fp> MulByMinusXSquared(in Jacobian<Fp> p) => MulByX(MulByX(p)).Negate();

    /// <summary>Subgroup check (Scott): P is in G1 iff φ(P) = [-x^2]P.</summary>
    public static bool IsInSubgroup(in Jacobian<Fp> p)
    {
        if (p.IsInfinity) return true;
        return Phi(p, Beta).EqualsPoint(MulByMinusXSquared(p));
    }

    public static bool IsOnCurve(in Jacobian<Fp> p) => p.IsOnCurve(B);

    /// <summary>KeyValidate of one compressed point: valid encoding, on the curve, not infinity, in G1.</summary>
    public static bool DecodeKey(ReadOnlySpan<byte> data, out Jacobian<Fp> point)
    {
        if (data.Length == 48 && (data[0] & 0x80) != 0 && TryDecode(data, out point) && !point.IsInfinity && IsInSubgroup(point)) return true;
        point = Jacobian<Fp>.Infinity;
        return false;
    }

    /// <summary>
    /// <see cref="DecodeKey"/> for many encodings at once: the square roots and the [x^2]P of the subgroup
    /// check (φ(P) = [-x^2]P) run eight keys at a time in AVX-512 lanes; anything off the common path is
    /// decided by the scalar code.
    /// </summary>
    public static void DecodeKeysMany(ReadOnlySpan<byte[]> encodings, Span<Jacobian<Fp>> points, Span<bool> ok)
    {
        int n = encodings.Length;
        if (!FpX8.IsSupported || n < 2)
        {
            for (int i = 0; i < n; i++) ok[i] = encodings[i] is { } e1 && DecodeKey(e1, out points[i]);
            return;
        }
        var x = new Fp[n];
        var rhs = new Fp[n];
        var lane = new bool[n];
        Span<byte> buf = stackalloc byte[48];
        for (int i = 0; i < n; i++)
        {
            ok[i] = false;
            points[i] = Jacobian<Fp>.Infinity;
            rhs[i] = Fp.One;
            byte[] e = encodings[i];
            if (e is null) continue;
            if (e.Length != 48 || (e[0] & 0xc0) != 0x80)
            {
                ok[i] = DecodeKey(e, out points[i]);
                continue;
            }
            e.CopyTo(buf);
            buf[0] &= 0x1f;
            if (!Fp.TryFromBytes(buf, out x[i])) continue;
            rhs[i] = x[i].Square() * x[i] + B;
            lane[i] = true;
        }
        var y = (Fp[])rhs.Clone();
        FpX8.PowMany(y, Fp.PPlus1Div4);
        for (int i = 0; i < n; i++)
        {
            if (!lane[i]) continue;
            if (y[i].Square() != rhs[i]) { lane[i] = false; continue; } // not on the curve
            if (y[i].IsLexLargest != ((encodings[i][0] & 0x20) != 0)) y[i] = -y[i];
        }
        // Subgroup check (Scott): φ(P) = (β·x, y) equals [-x^2]P = -[|x|]([|x|]P).
        Span<Fp> gx = stackalloc Fp[8], gy = stackalloc Fp[8], qx = stackalloc Fp[8], qy = stackalloc Fp[8], qz = stackalloc Fp[8];
        Span<int> idx = stackalloc int[8];
        int next = 0, m;
        while ((m = LaneGroups.Next(lane, ref next, idx)) > 0)
        {
            for (int k = 0; k < 8; k++)
            {
                gx[k] = x[idx[k]];
                gy[k] = y[idx[k]];
            }
            FpX8.Load(gx, out FpX8 vx);
            FpX8.Load(gy, out FpX8 vy);
            JacobianX8<FpX8>.MulByAbsXAffine(out JacobianX8<FpX8> q, vx, vy);
            JacobianX8<FpX8>.MulByAbsX(ref q);
            q.X.Store(qx);
            q.Y.Store(qy);
            q.Z.Store(qz);
            for (int k = 0; k < m; k++)
            {
                int i = idx[k];
                var p = Jacobian<Fp>.FromAffine(x[i], y[i]);
                points[i] = p;
                if (q.Bad[k] != 0 || qz[k].IsZero) { ok[i] = IsInSubgroup(p); continue; }
                Fp z2 = qz[k].Square();
                ok[i] = qx[k] == x[i] * Beta * z2 && -qy[k] == y[i] * z2 * qz[k];
            }
        }
    }

    /// <summary>
    /// Decodes a ZCash-format point (48 bytes compressed or 96 uncompressed). Checks flags, field range
    /// and that the point is on the curve; does NOT check the subgroup.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, out Jacobian<Fp> point)
    {
        point = Jacobian<Fp>.Infinity;
        if (data.Length != 48 && data.Length != 96) return false;
        bool compressed = (data[0] & 0x80) != 0;
        bool infinity = (data[0] & 0x40) != 0;
        bool sign = (data[0] & 0x20) != 0;
        if (compressed != (data.Length == 48)) return false;
        Span<byte> buf = stackalloc byte[48];
        data[..48].CopyTo(buf);
        buf[0] &= 0x1f;
        if (infinity)
        {
            if (sign) return false;
            foreach (byte b in buf) if (b != 0) return false;
            for (int i = 48; i < data.Length; i++) if (data[i] != 0) return false;
            return true;
        }
        if (!Fp.TryFromBytes(buf, out Fp x)) return false;
        Fp y;
        if (compressed)
        {
            Fp rhs = x.Square() * x + B;
            if (!rhs.TrySqrt(out y)) return false;
            if (y.IsLexLargest != sign) y = -y;
        }
        else
        {
            if (sign) return false;
            if (!Fp.TryFromBytes(data.Slice(48, 48), out y)) return false;
        }
        point = Jacobian<Fp>.FromAffine(x, y);
        return IsOnCurve(point);
    }

    public static void EncodeCompressed(in Jacobian<Fp> p, Span<byte> out48)
    {
        out48[..48].Clear();
        if (p.IsInfinity) { out48[0] = 0xc0; return; }
        p.ToAffine(out Fp x, out Fp y);
        x.ToBytes(out48);
        out48[0] |= 0x80;
        if (y.IsLexLargest) out48[0] |= 0x20;
    }

    public static void EncodeUncompressed(in Jacobian<Fp> p, Span<byte> out96)
    {
        out96[..96].Clear();
        if (p.IsInfinity) { out96[0] = 0x40; return; }
        p.ToAffine(out Fp x, out Fp y);
        x.ToBytes(out96);
        y.ToBytes(out96[48..]);
    }
}

/// <summary>E2: y^2 = x^3 + 4(1 + u) over Fp2 (the sextic M-twist), and its order-r subgroup G2.</summary>
internal static class G2
{
    public static readonly Fp2 B = new(Fp.FromUlong(4), Fp.FromUlong(4));
    public static readonly Fp2 B3 = new(Fp.FromUlong(12), Fp.FromUlong(12));

    public static readonly Jacobian<Fp2> Generator = Jacobian<Fp2>.FromAffine(
        Fp2.FromBig(Limbs.Hex("024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"),
                    Limbs.Hex("13e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e")),
        Fp2.FromBig(Limbs.Hex("0ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801"),
                    Limbs.Hex("0606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be")));

    /// <summary>ψ = untwist-Frobenius-twist: ψ(x, y) = (conj(x)·c1, conj(y)·c2).</summary>
    public static readonly Fp2 PsiC1 = Frob.Xi.Pow(Limbs.From((Limbs.P - 1) / 3, 6)).Inverse();
    public static readonly Fp2 PsiC2 = Frob.Xi.Pow(Limbs.From((Limbs.P - 1) / 2, 6)).Inverse();

    public static Jacobian<Fp2> Psi(in Jacobian<Fp2> p) =>
        new(p.X.Conjugate() * PsiC1, p.Y.Conjugate() * PsiC2, p.Z.Conjugate());

    /// <summary>Norms of the ψ constants: ψ^2(x, y) = (x·|c1|^2, y·|c2|^2).</summary>
    private static readonly Fp Psi2X = PsiC1.Norm(), Psi2Y = PsiC2.Norm();

    /// <summary>[x^2]Q = ψ^2(Q) for an affine Q in G2 (four Fp products).</summary>
    public static void MulByXSquaredAffine(in Fp2 x, in Fp2 y, out Fp2 x2, out Fp2 y2)
    {
        x2 = x * Psi2X;
        y2 = y * Psi2Y;
    }

    /// <summary>[x]P = -[|x|]P.</summary>
    public static Jacobian<Fp2> MulByX(in Jacobian<Fp2> p) =>
        (FpX8.IsSupported ? MulByAbsXLanes(p) : p.MulVartime(G1.AbsX)).Negate();

    /// <summary>
    /// [|x|]P for one point with its 63 doublings in AVX-512 lanes (<see cref="FpX8.DoubleG2"/>, exact for
    /// every input) and its five additions in the scalar code, which handles their exceptional cases.
    /// </summary>
    private static Jacobian<Fp2> MulByAbsXLanes(in Jacobian<Fp2> p)
    {
        if (p.IsInfinity) return p;
        Span<Fp> v = stackalloc Fp[6];
        FpX8 lanes = LoadPoint(p, v);
        for (int bit = 62; bit >= 0; bit--)
        {
            FpX8.DoubleG2(ref lanes);
            if (((G1.AbsX >> bit) & 1) != 0) lanes = LoadPoint(StorePoint(lanes, v).Add(p), v);
        }
        return StorePoint(lanes, v);
    }

    /// <summary>One G2 point into the lane layout of <see cref="FpX8.DoubleG2"/> (v: six Fp of scratch).</summary>
    internal static FpX8 LoadPoint(in Jacobian<Fp2> p, Span<Fp> v)
    {
        v[0] = p.X.C0; v[1] = p.X.C1; v[2] = p.Y.C0; v[3] = p.Y.C1; v[4] = p.Z.C0; v[5] = p.Z.C1;
        FpX8.Load(v, out FpX8 r);
        return r;
    }

    /// <summary>The inverse of <see cref="LoadPoint"/>.</summary>
    internal static Jacobian<Fp2> StorePoint(in FpX8 lanes, Span<Fp> v)
    {
        lanes.Store(v);
        return new Jacobian<Fp2>(new Fp2(v[0], v[1]), new Fp2(v[2], v[3]), new Fp2(v[4], v[5]));
    }

    /// <summary>Subgroup check (Scott): P is in G2 iff ψ(P) = [x]P.</summary>
    public static bool IsInSubgroup(in Jacobian<Fp2> p)
    {
        if (p.IsInfinity) return true;
        return Psi(p).EqualsPoint(MulByX(p));
    }

    public static bool IsOnCurve(in Jacobian<Fp2> p) => p.IsOnCurve(B);

    /// <summary>
    /// Decodes a ZCash-format point (96 bytes compressed or 192 uncompressed; x = x.c1 || x.c0).
    /// Checks flags, field range and curve membership; does NOT check the subgroup.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, out Jacobian<Fp2> point)
    {
        point = Jacobian<Fp2>.Infinity;
        if (data.Length != 96 && data.Length != 192) return false;
        bool compressed = (data[0] & 0x80) != 0;
        bool infinity = (data[0] & 0x40) != 0;
        bool sign = (data[0] & 0x20) != 0;
        if (compressed != (data.Length == 96)) return false;
        Span<byte> buf = stackalloc byte[48];
        data[..48].CopyTo(buf);
        buf[0] &= 0x1f;
        if (infinity)
        {
            if (sign) return false;
            foreach (byte b in buf) if (b != 0) return false;
            for (int i = 48; i < data.Length; i++) if (data[i] != 0) return false;
            return true;
        }
        if (!Fp.TryFromBytes(buf, out Fp x1) || !Fp.TryFromBytes(data.Slice(48, 48), out Fp x0)) return false;
        var x = new Fp2(x0, x1);
        Fp2 y;
        if (compressed)
        {
            Fp2 rhs = x.Square() * x + B;
            if (!rhs.TrySqrt(out y)) return false;
            if (y.IsLexLargest != sign) y = -y;
        }
        else
        {
            if (sign) return false;
            if (!Fp.TryFromBytes(data.Slice(96, 48), out Fp y1) || !Fp.TryFromBytes(data.Slice(144, 48), out Fp y0)) return false;
            y = new Fp2(y0, y1);
        }
        point = Jacobian<Fp2>.FromAffine(x, y);
        return IsOnCurve(point);
    }

    /// <summary>
    /// <see cref="TryDecode"/> of compressed points followed by <see cref="IsInSubgroup"/>, for many
    /// encodings at once: the two square-root exponentiations and the [x]P of the subgroup check run
    /// eight points at a time in AVX-512 lanes. ok[i] tells whether encodings[i] is a valid compressed
    /// point of G2 (infinity included); anything off the common path is decided by the scalar code.
    /// </summary>
    public static void DecodeCompressedInSubgroupMany(ReadOnlySpan<byte[]> encodings, Span<Jacobian<Fp2>> points, Span<bool> ok)
    {
        int n = encodings.Length;
        if (!FpX8.IsSupported || n < 2)
        {
            for (int i = 0; i < n; i++) ok[i] = DecodeCompressedInSubgroup(encodings[i], out points[i]);
            return;
        }
        var x = new Fp2[n];
        var rhs = new Fp2[n];
        var s = new Fp[n];
        // lane[i]: still on the lane path; otherwise ok[i] already holds the answer.
        var lane = new bool[n];
        for (int i = 0; i < n; i++)
        {
            ok[i] = false;
            points[i] = Jacobian<Fp2>.Infinity;
            s[i] = Fp.One;
            byte[] e = encodings[i];
            if (e is null || e.Length != 96 || (e[0] & 0xc0) != 0x80 || rhsInFp(e, out x[i], out rhs[i], out bool parsed))
            {
                // Infinity, a malformed encoding, or x^3 + b in Fp: the scalar code decides.
                ok[i] = e is not null && DecodeCompressedInSubgroup(e, out points[i]);
                continue;
            }
            if (!parsed) continue;
            lane[i] = true;
            s[i] = rhs[i].Norm();
        }
        var norm = (Fp[])s.Clone();
        FpX8.PowMany(s, Fp.PPlus1Div4);
        for (int i = 0; i < n; i++)
            if (lane[i] && s[i].Square() != norm[i]) lane[i] = false; // no square root: not on the curve
        var y = new Fp2[n];
        Fp2.TrySqrtGivenNormRootsMany(rhs, s, lane, y);
        for (int i = 0; i < n; i++)
            if (lane[i] && y[i].IsLexLargest != ((encodings[i][0] & 0x20) != 0)) y[i] = -y[i];
        // Subgroup check (Scott): ψ(P) = [x]P = -[|x|]P, eight points at a time.
        Span<Fp2> gx = stackalloc Fp2[8], gy = stackalloc Fp2[8], qx = stackalloc Fp2[8], qy = stackalloc Fp2[8], qz = stackalloc Fp2[8];
        Span<int> idx = stackalloc int[8];
        int next = 0, m;
        while ((m = LaneGroups.Next(lane, ref next, idx)) > 0)
        {
            for (int k = 0; k < 8; k++)
            {
                gx[k] = x[idx[k]];
                gy[k] = y[idx[k]];
            }
            Fp2X8.Load(gx, out Fp2X8 vx);
            Fp2X8.Load(gy, out Fp2X8 vy);
            JacobianX8<Fp2X8>.MulByAbsXAffine(out JacobianX8<Fp2X8> q, vx, vy);
            q.X.Store(qx);
            q.Y.Store(qy);
            q.Z.Store(qz);
            for (int k = 0; k < m; k++)
            {
                int i = idx[k];
                var p = Jacobian<Fp2>.FromAffine(x[i], y[i]);
                points[i] = p;
                if (q.Bad[k] != 0 || qz[k].IsZero) { ok[i] = IsInSubgroup(p); continue; }
                // -[|x|]P = (X, -Y, Z) against the affine ψ(P).
                Fp2 z2 = qz[k].Square();
                ok[i] = qx[k] == x[i].Conjugate() * PsiC1 * z2
                    && -qy[k] == y[i].Conjugate() * PsiC2 * z2 * qz[k];
            }
        }

        static bool rhsInFp(byte[] e, out Fp2 x, out Fp2 rhs, out bool parsed)
        {
            x = rhs = Fp2.Zero;
            Span<byte> buf = stackalloc byte[48];
            e.AsSpan(0, 48).CopyTo(buf);
            buf[0] &= 0x1f;
            parsed = Fp.TryFromBytes(buf, out Fp x1) & Fp.TryFromBytes(e.AsSpan(48, 48), out Fp x0);
            if (!parsed) return false;
            x = new Fp2(x0, x1);
            rhs = x.Square() * x + B;
            return rhs.C1.IsZero;
        }
    }

    /// <summary>One compressed point: <see cref="TryDecode"/> and <see cref="IsInSubgroup"/>.</summary>
    public static bool DecodeCompressedInSubgroup(ReadOnlySpan<byte> data, out Jacobian<Fp2> point)
    {
        if (data.Length == 96 && (data[0] & 0x80) != 0 && TryDecode(data, out point) && IsInSubgroup(point)) return true;
        point = Jacobian<Fp2>.Infinity;
        return false;
    }

    public static void EncodeCompressed(in Jacobian<Fp2> p, Span<byte> out96)
    {
        out96[..96].Clear();
        if (p.IsInfinity) { out96[0] = 0xc0; return; }
        p.ToAffine(out Fp2 x, out Fp2 y);
        x.C1.ToBytes(out96);
        x.C0.ToBytes(out96[48..]);
        out96[0] |= 0x80;
        if (y.IsLexLargest) out96[0] |= 0x20;
    }

    public static void EncodeUncompressed(in Jacobian<Fp2> p, Span<byte> out192)
    {
        out192[..192].Clear();
        if (p.IsInfinity) { out192[0] = 0x40; return; }
        p.ToAffine(out Fp2 x, out Fp2 y);
        x.C1.ToBytes(out192);
        x.C0.ToBytes(out192[48..]);
        y.C1.ToBytes(out192[96..]);
        y.C0.ToBytes(out192[144..]);
    }
}

/// <summary>Grouping of the items still on a lane path into groups of eight.</summary>
internal static class LaneGroups
{
    /// <summary>
    /// Fills idx with the next up to eight positions i ≥ next where onPath[i], padding the rest of the
    /// eight with the first of them (lanes whose results are ignored); returns how many are real, 0 at the end.
    /// </summary>
    public static int Next(ReadOnlySpan<bool> onPath, ref int next, Span<int> idx)
    {
        int m = 0;
        for (; next < onPath.Length && m < 8; next++) if (onPath[next]) idx[m++] = next;
        for (int k = m; k < 8 && m > 0; k++) idx[k] = idx[0];
        return m;
    }

    public delegate void DecodeMany<TPoint>(ReadOnlySpan<byte[]> encodings, Span<TPoint> points, Span<bool> ok);

    /// <summary>
    /// Runs a many-at-once decoder over blocks of the encodings on the cores and wraps each valid point
    /// with a copy of its encoding (null where an encoding is invalid).
    /// </summary>
    public static TResult?[] DecodeInBlocks<TPoint, TResult>(IReadOnlyList<byte[]> encodings, int block,
        DecodeMany<TPoint> decode, Func<TPoint, byte[], TResult> wrap) where TResult : class
    {
        int n = encodings.Count;
        var enc = new byte[n][];
        for (int i = 0; i < n; i++) enc[i] = encodings[i];
        var points = new TPoint[n];
        var ok = new bool[n];
        Parallel.For(0, (n + block - 1) / block, b =>
        {
            int start = b * block, len = Math.Min(block, n - start);
            decode(enc.AsSpan(start, len), points.AsSpan(start, len), ok.AsSpan(start, len));
        });
        var result = new TResult?[n];
        for (int i = 0; i < n; i++)
            if (ok[i]) result[i] = wrap(points[i], (byte[])enc[i].Clone());
        return result;
    }
}

