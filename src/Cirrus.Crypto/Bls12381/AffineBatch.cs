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

    /// <summary>
    /// (2j+1)·Q_i for j &lt; 4 into xs/ys[i·4 + j], with four shared inversions in all. False only if some
    /// small multiple is infinity, which no point of prime order r (G2, not infinity) has.
    /// </summary>
    public static bool OddMultiples(ReadOnlySpan<Fp2> qx, ReadOnlySpan<Fp2> qy, Span<Fp2> xs, Span<Fp2> ys)
    {
        int n = qx.Length;
        var den = new Fp2[n];
        var pre = new Fp2[n];
        var dx = new Fp2[n];
        var dy = new Fp2[n];
        for (int i = 0; i < n; i++) Fp2.Double(out den[i], qy[i]);
        if (!InvertAll(den, pre)) return false;
        for (int i = 0; i < n; i++)
        {
            // 2Q: slope 3x^2 / 2y.
            Fp2.Square(out Fp2 x2, qx[i]);
            Fp2.Double(out Fp2 l, x2);
            Fp2.Add(out l, l, x2);
            Fp2.Mul(out l, l, den[i]);
            Fp2.Double(out Fp2 sum, qx[i]);
            Chord(qx[i], qy[i], l, sum, out dx[i], out dy[i]);
            xs[i * OddCount] = qx[i];
            ys[i * OddCount] = qy[i];
        }
        for (int j = 1; j < OddCount; j++)
        {
            // (2j+1)Q = (2j-1)Q + 2Q.
            for (int i = 0; i < n; i++) Fp2.Sub(out den[i], dx[i], xs[i * OddCount + j - 1]);
            if (!InvertAll(den, pre)) return false;
            for (int i = 0; i < n; i++)
            {
                ref Fp2 px = ref xs[i * OddCount + j - 1];
                ref Fp2 py = ref ys[i * OddCount + j - 1];
                Fp2.Sub(out Fp2 l, dy[i], py);
                Fp2.Mul(out l, l, den[i]);
                Fp2.Add(out Fp2 sum, px, dx[i]);
                Chord(px, py, l, sum, out xs[i * OddCount + j], out ys[i * OddCount + j]);
            }
        }
        return true;
    }

    /// <summary>The third point on the line of slope l through (x, y), negated: x3 = l^2 - sum, y3 = l·(x - x3) - y.</summary>
    private static void Chord(in Fp2 x, in Fp2 y, in Fp2 l, in Fp2 sumX, out Fp2 x3, out Fp2 y3)
    {
        Fp2.Square(out Fp2 t, l);
        Fp2.Sub(out t, t, sumX);
        Fp2.Sub(out Fp2 d, x, t);
        Fp2.Mul(out d, l, d);
        Fp2.Sub(out y3, d, y);
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
