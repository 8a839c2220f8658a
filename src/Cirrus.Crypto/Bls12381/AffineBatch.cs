namespace Cirrus.Crypto.Bls12381;

/// <summary>Affine G2 arithmetic over many points at once, sharing one inversion per step (Montgomery's trick).</summary>
internal static class AffineBatch
{
    /// <summary>Replaces every element by its inverse with one inversion (three Fp2 products each); false if any is zero.</summary>
    public static bool InvertAll(Span<Fp2> xs, Span<Fp2> prefix)
    {
        Fp2 acc = Fp2.One;
        for (int i = 0; i < xs.Length; i++)
        {
            prefix[i] = acc;
            Fp2.Mul(out acc, acc, xs[i]);
        }
        if (acc.IsZero) return false;
        Fp2 inv = acc.Inverse();
        for (int i = xs.Length - 1; i >= 0; i--)
        {
            Fp2.Mul(out Fp2 xi, inv, prefix[i]);
            Fp2.Mul(out inv, inv, xs[i]);
            xs[i] = xi;
        }
        return true;
    }

    /// <summary>Table size of <see cref="OddMultiples"/>: Q, 3Q, 5Q, 7Q.</summary>
    public const int OddCount = 4;

    /// <summary>As <see cref="InvertAll"/> for either field (the cold paths).</summary>
    public static bool InvertAllGeneric<F>(Span<F> xs, Span<F> prefix) where F : struct, IField<F>
    {
        F acc = F.FOne;
        for (int i = 0; i < xs.Length; i++)
        {
            prefix[i] = acc;
            acc = F.FMul(acc, xs[i]);
        }
        if (F.FIsZero(acc)) return false;
        F inv = F.FInv(acc);
        for (int i = xs.Length - 1; i >= 0; i--)
        {
            F xi = F.FMul(inv, prefix[i]);
            inv = F.FMul(inv, xs[i]);
            xs[i] = xi;
        }
        return true;
    }

    /// <summary>
    /// (2j+1)·Q_i for j &lt; 4 into xs/ys[i·4 + j], with four shared inversions in all. False only if some
    /// small multiple is infinity, which no point of prime order r (G1 or G2, not infinity) has.
    /// </summary>
    public static bool OddMultiples<F>(ReadOnlySpan<F> qx, ReadOnlySpan<F> qy, Span<F> xs, Span<F> ys) where F : struct, IField<F>
    {
        int n = qx.Length;
        var den = new F[n];
        var pre = new F[n];
        var dx = new F[n];
        var dy = new F[n];
        for (int i = 0; i < n; i++) den[i] = F.FAdd(qy[i], qy[i]);
        if (!InvertAllGeneric<F>(den, pre)) return false;
        for (int i = 0; i < n; i++)
        {
            // 2Q: slope 3x^2 / 2y.
            F x2 = F.FSqr(qx[i]);
            F l = F.FMul(F.FAdd(F.FAdd(x2, x2), x2), den[i]);
            Chord(qx[i], qy[i], l, F.FAdd(qx[i], qx[i]), out dx[i], out dy[i]);
            xs[i * OddCount] = qx[i];
            ys[i * OddCount] = qy[i];
        }
        for (int j = 1; j < OddCount; j++)
        {
            // (2j+1)Q = (2j-1)Q + 2Q.
            for (int i = 0; i < n; i++) den[i] = F.FSub(dx[i], xs[i * OddCount + j - 1]);
            if (!InvertAllGeneric<F>(den, pre)) return false;
            for (int i = 0; i < n; i++)
            {
                F px = xs[i * OddCount + j - 1], py = ys[i * OddCount + j - 1];
                F l = F.FMul(F.FSub(dy[i], py), den[i]);
                Chord(px, py, l, F.FAdd(px, dx[i]), out xs[i * OddCount + j], out ys[i * OddCount + j]);
            }
        }
        return true;
    }

    /// <summary>The third point on the line of slope l through (x, y), negated: x3 = l^2 - sum, y3 = l·(x - x3) - y.</summary>
    private static void Chord<F>(in F x, in F y, in F l, in F sumX, out F x3, out F y3) where F : struct, IField<F>
    {
        F t = F.FSub(F.FSqr(l), sumX);
        y3 = F.FSub(F.FMul(l, F.FSub(x, t)), y);
        x3 = t;
    }

    /// <summary>
    /// Width-4 NAF of k into digits (little-endian, one entry more than k has bits): odd digits in [-7, 7], each
    /// non-zero digit followed by at least three zeros, so about one addition per five bits.
    /// </summary>
    public static void Wnaf4(ulong k, Span<sbyte> digits)
    {
        digits.Clear();
        UInt128 v = k;
        int i = 0;
        while (v != 0)
        {
            if ((v & 1) != 0)
            {
                int d = (int)(v & 15);
                if (d >= 8) d -= 16;
                digits[i] = (sbyte)d;
                v = d >= 0 ? v - (uint)d : v + (uint)(-d);
            }
            v >>= 1;
            i++;
        }
    }
}
