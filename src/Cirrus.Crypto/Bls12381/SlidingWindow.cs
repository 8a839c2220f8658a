namespace Cirrus.Crypto.Bls12381;

/// <summary>What <see cref="SlidingWindow.Pow{T}"/> needs of an element type (Fp, and eight Fp in lanes).</summary>
internal interface IExponentiable<T> where T : unmanaged, IExponentiable<T>
{
    static abstract T ExpOne { get; }
    static abstract void ExpSqr(out T r, in T a);
    static abstract void ExpMul(out T r, in T a, in T b);
}

internal static class SlidingWindow
{
    /// <summary>
    /// a^e, e as little-endian 64-bit limbs, by a sliding window of up to 5 bits over odd powers: the
    /// sequence of operations depends only on the (public) exponent. About 380 squarings and 80 products
    /// for a 381-bit exponent.
    /// </summary>
    [System.Runtime.CompilerServices.SkipLocalsInit] // the table is filled before use
    public static void Pow<T>(out T r, in T a, ReadOnlySpan<ulong> e) where T : unmanaged, IExponentiable<T>
    {
        int top = e.Length * 64 - 1;
        while (top >= 0 && ((e[top >> 6] >> (top & 63)) & 1) == 0) top--;
        if (top < 0) { r = T.ExpOne; return; }
        // a, a^3, ..., a^31, on the stack: with the table on the heap the lane exponentiation measured
        // twice as slow (11 against 5 µs per lane), for no reason found.
        Span<T> odd = stackalloc T[16];
        odd[0] = a;
        T.ExpSqr(out T sq, a);
        for (int k = 1; k < 16; k++) T.ExpMul(out odd[k], odd[k - 1], sq);
        r = T.ExpOne;
        bool started = false;
        int i = top;
        while (i >= 0)
        {
            if (((e[i >> 6] >> (i & 63)) & 1) == 0)
            {
                T.ExpSqr(out r, r);
                i--;
                continue;
            }
            int j = Math.Max(i - 4, 0);
            while (((e[j >> 6] >> (j & 63)) & 1) == 0) j++;
            int win = 0;
            for (int k = i; k >= j; k--) win = (win << 1) | (int)((e[k >> 6] >> (k & 63)) & 1);
            if (started)
            {
                for (int k = i; k >= j; k--) T.ExpSqr(out r, r);
                T.ExpMul(out r, r, odd[win >> 1]);
            }
            else
            {
                r = odd[win >> 1];
                started = true;
            }
            i = j - 1;
        }
    }
}
