using System.Numerics;
using System.Runtime.CompilerServices;

namespace Cirrus.Crypto.Bls12381;

/// <summary>
/// Variable-time inversion by Bernstein–Yang divsteps (only for public values): 62 divsteps at a time
/// on the low 64 bits of f and g give a 2×2 transition matrix, which is then applied to the full f, g
/// (signed, radix 2^62) and to the modular cofactors d, e (made divisible by 2^62 by adding a multiple
/// of p). Runs of zero bits and up to eight bits of an odd g are eliminated per inner iteration.
/// </summary>
internal partial struct Fp
{
    private const ulong M62 = (1UL << 62) - 1;
    /// <summary>p^-1 mod 2^62.</summary>
    private const ulong PInv62 = 0x360c000300030003UL;
    private static readonly S62 P62 = S62.Of(0x39feffffffffaaab, 0x3aaffffac54ffffe, 0x330d2a0f6b0f6241, 0x1dd2e13ce144afd9, 0x1ba7b6434bacd764, 0x0447a8e5ff9a692c, 0x1a0);
    /// <summary>2^1152 mod p: Montgomery-multiplying a^-1 by it gives the Montgomery form of the inverse.</summary>
    private static readonly Fp R3 = new(0xed48ac6bd94ca1e0UL, 0x315f831e03a7adf8UL, 0x9a53352a615e29ddUL, 0x34c04e5e921e1761UL, 0x2512d43565724728UL, 0x0aa6346091755d4dUL);

    /// <summary>Seven radix-2^62 limbs: L0..L5 in [0, 2^62), L6 signed.</summary>
    [InlineArray(7)]
    private struct S62
    {
        private long _l;

        public static S62 Of(long l0, long l1, long l2, long l3, long l4, long l5, long l6)
        {
            S62 s = default;
            s[0] = l0; s[1] = l1; s[2] = l2; s[3] = l3; s[4] = l4; s[5] = l5; s[6] = l6;
            return s;
        }
    }

    /// <summary>
    /// Multiplicative inverse by Bernstein–Yang divsteps (variable time: only for public values such as
    /// points being normalized); the inverse of 0 is 0.
    /// </summary>
    public readonly Fp Inverse()
    {
        if (IsZero) return Zero;
        // Invert the stored value a = x·R as a plain integer; a^-1·R^3·R^-1 = x^-1·R.
        S62 f = P62, g = default, d = default, e = default;
        g[0] = (long)(L0 & M62);
        g[1] = (long)(((L0 >> 62) | (L1 << 2)) & M62);
        g[2] = (long)(((L1 >> 60) | (L2 << 4)) & M62);
        g[3] = (long)(((L2 >> 58) | (L3 << 6)) & M62);
        g[4] = (long)(((L3 >> 56) | (L4 << 8)) & M62);
        g[5] = (long)(((L4 >> 54) | (L5 << 10)) & M62);
        g[6] = (long)(L5 >> 52);
        e[0] = 1;
        // Invariants: f ≡ d·a and g ≡ e·a (mod p); gcd(f, g) = gcd(p, a) = 1.
        long eta = -1;
        for (int batch = 0; ; batch++)
        {
            // Without a bug g reaches 0 within about 2·381 divsteps (13 batches); this bound only stops a loop.
            if (batch == 64) throw new InvalidOperationException("inversion did not converge");
            Divsteps62(ref eta, (ulong)f[0] | ((ulong)f[1] << 62), (ulong)g[0] | ((ulong)g[1] << 62), out long u, out long v, out long q, out long r);
            UpdateDE(ref d, ref e, u, v, q, r);
            UpdateFG(ref f, ref g, u, v, q, r);
            if ((g[0] | g[1] | g[2] | g[3] | g[4] | g[5] | g[6]) == 0) break;
        }
        // f = ±1, so a^-1 = ±d.
        if (f[6] < 0)
        {
            for (int i = 0; i < 7; i++) d[i] = -d[i];
            Carry(ref d);
            if (d[6] < 0) AddP(ref d);
        }
        Fp inv = new(
            (ulong)d[0] | ((ulong)d[1] << 62),
            ((ulong)d[1] >> 2) | ((ulong)d[2] << 60),
            ((ulong)d[2] >> 4) | ((ulong)d[3] << 58),
            ((ulong)d[3] >> 6) | ((ulong)d[4] << 56),
            ((ulong)d[4] >> 8) | ((ulong)d[5] << 54),
            ((ulong)d[5] >> 10) | ((ulong)d[6] << 52));
        Mul(out Fp res, inv, R3);
        return res;
    }

    /// <summary>
    /// 62 divsteps on the low bits of f (odd) and g; eta = -delta. The matrix (u v; q r) satisfies
    /// 2^62·(f', g') = (u·f + v·g, q·f + r·g) and its entries are at most 2^62 in absolute value.
    /// </summary>
    private static void Divsteps62(ref long eta, ulong f, ulong g, out long u, out long v, out long q, out long r)
    {
        long uu = 1, vv = 0, qq = 0, rr = 1, et = eta;
        int left = 62;
        while (true)
        {
            // A run of zeros: g/2 per step; keeping f's row scaled by 2 per step instead of halving g's.
            int z = BitOperations.TrailingZeroCount(g | (1UL << left));
            g >>= z; uu <<= z; vv <<= z; et -= z; left -= z;
            if (left == 0) break;
            // g is odd.
            if (et < 0)
            {
                // delta > 0: (f, g) = (g, -f), then the step below makes it (g - f)/2.
                et = -et;
                ulong tf = f; f = g; g = 0 - tf;
                long t = uu; uu = qq; qq = -t;
                t = vv; vv = rr; rr = -t;
            }
            // The next min(eta + 1, left) steps cannot swap: add the multiple w·f that clears that many
            // low bits of g at once (w = -g/f mod 2^limit, f^-1 from 3f^2 correct to 5 bits, one Newton step).
            int limit = (int)Math.Min(Math.Min(et + 1, left), 8);
            ulong finv = (3 * f) ^ 2;
            finv *= 2 - f * finv;
            ulong w = (0 - g * finv) & ((1UL << limit) - 1);
            g += f * w; qq += uu * (long)w; rr += vv * (long)w;
        }
        eta = et;
        u = uu; v = vv; q = qq; r = rr;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Int128 Mul128(long a, long b)
    {
        long hi = Math.BigMul(a, b, out long lo);
        return new Int128((ulong)hi, (ulong)lo);
    }

    /// <summary>(f, g) = ((u·f + v·g) / 2^62, (q·f + r·g) / 2^62), exact divisions.</summary>
    private static void UpdateFG(ref S62 f, ref S62 g, long u, long v, long q, long r)
    {
        Int128 cf = Mul128(u, f[0]) + Mul128(v, g[0]);
        Int128 cg = Mul128(q, f[0]) + Mul128(r, g[0]);
        cf >>= 62; cg >>= 62;
        for (int i = 1; i < 7; i++)
        {
            cf += Mul128(u, f[i]) + Mul128(v, g[i]);
            cg += Mul128(q, f[i]) + Mul128(r, g[i]);
            f[i - 1] = (long)((ulong)cf & M62);
            g[i - 1] = (long)((ulong)cg & M62);
            cf >>= 62; cg >>= 62;
        }
        f[6] = (long)cf;
        g[6] = (long)cg;
    }

    /// <summary>
    /// (d, e) = ((u·d + v·e)·2^-62, (q·d + r·e)·2^-62) mod p for d, e in [0, p); the results are brought
    /// back into [0, p): before the correction they lie in [-p, 2p).
    /// </summary>
    private static void UpdateDE(ref S62 d, ref S62 e, long u, long v, long q, long r)
    {
        // Multiples of p that make the sums divisible by 2^62.
        ulong sd = (ulong)u * (ulong)d[0] + (ulong)v * (ulong)e[0];
        ulong se = (ulong)q * (ulong)d[0] + (ulong)r * (ulong)e[0];
        long md = (long)((0 - sd) * PInv62 & M62);
        long me = (long)((0 - se) * PInv62 & M62);
        Int128 cd = Mul128(u, d[0]) + Mul128(v, e[0]) + Mul128(md, P62[0]);
        Int128 ce = Mul128(q, d[0]) + Mul128(r, e[0]) + Mul128(me, P62[0]);
        cd >>= 62; ce >>= 62;
        for (int i = 1; i < 7; i++)
        {
            cd += Mul128(u, d[i]) + Mul128(v, e[i]) + Mul128(md, P62[i]);
            ce += Mul128(q, d[i]) + Mul128(r, e[i]) + Mul128(me, P62[i]);
            d[i - 1] = (long)((ulong)cd & M62);
            e[i - 1] = (long)((ulong)ce & M62);
            cd >>= 62; ce >>= 62;
        }
        d[6] = (long)cd;
        e[6] = (long)ce;
        Normalize(ref d);
        Normalize(ref e);
    }

    /// <summary>Brings a value in [-p, 2p) into [0, p).</summary>
    private static void Normalize(ref S62 a)
    {
        if (a[6] < 0) { AddP(ref a); return; }
        S62 t = a;
        for (int i = 0; i < 7; i++) t[i] -= P62[i];
        Carry(ref t);
        if (t[6] >= 0) a = t;
    }

    private static void AddP(ref S62 a)
    {
        for (int i = 0; i < 7; i++) a[i] += P62[i];
        Carry(ref a);
    }

    /// <summary>Moves the signed excess of limbs 0..5 upwards so they lie in [0, 2^62).</summary>
    private static void Carry(ref S62 a)
    {
        for (int i = 0; i < 6; i++)
        {
            long c = a[i] >> 62;
            a[i] &= (long)M62;
            a[i + 1] += c;
        }
    }
}
