using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Cirrus.Crypto.Bls12381;

/// <summary>
/// An element of the BLS12-381 base field Fp, p = 0x1a0111ea...aaab (381 bits), kept in Montgomery
/// form (a·2^384 mod p) on six little-endian 64-bit limbs. Every value is fully reduced (&lt; p).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal partial struct Fp : IEquatable<Fp>, IExponentiable<Fp>
{
    public ulong L0, L1, L2, L3, L4, L5;

    public const ulong P0 = 0xb9feffffffffaaabUL, P1 = 0x1eabfffeb153ffffUL, P2 = 0x6730d2a0f6b0f624UL,
        P3 = 0x64774b84f38512bfUL, P4 = 0x4b1ba7b6434bacd7UL, P5 = 0x1a0111ea397fe69aUL;
    /// <summary>-p^-1 mod 2^64.</summary>
    private const ulong Inv = 0x89f3fffcfffcfffdUL;

    public Fp(ulong l0, ulong l1, ulong l2, ulong l3, ulong l4, ulong l5)
    {
        L0 = l0; L1 = l1; L2 = l2; L3 = l3; L4 = l4; L5 = l5;
    }

    public static readonly Fp Zero = default;
    /// <summary>1 in Montgomery form (2^384 mod p).</summary>
    public static readonly Fp One = new(0x760900000002fffdUL, 0xebf4000bc40c0002UL, 0x5f48985753c758baUL, 0x77ce585370525745UL, 0x5c071a97a256ec6dUL, 0x15f65ec3fa80e493UL);
    /// <summary>2^768 mod p: converts a canonical value into Montgomery form.</summary>
    public static readonly Fp R2 = new(0xf4df1f341c341746UL, 0x0a76e6a609d104f1UL, 0x8de5476c4c95b6d5UL, 0x67eb88a9939d83c0UL, 0x9a793e85b519952dUL, 0x11988fe592cae3aaUL);

    public readonly bool IsZero => (L0 | L1 | L2 | L3 | L4 | L5) == 0;

    public readonly bool IsOne => Equals(One);

    public readonly bool Equals(Fp o) =>
        ((L0 ^ o.L0) | (L1 ^ o.L1) | (L2 ^ o.L2) | (L3 ^ o.L3) | (L4 ^ o.L4) | (L5 ^ o.L5)) == 0;

    public override readonly bool Equals(object? obj) => obj is Fp f && Equals(f);

    public override readonly int GetHashCode() => HashCode.Combine(L0, L1, L2, L5);

    public static bool operator ==(in Fp a, in Fp b) => a.Equals(b);
    public static bool operator !=(in Fp a, in Fp b) => !a.Equals(b);

    /// <summary>t (six limbs, below 2p) reduced to [0, p).</summary>
    public static Fp ReduceOnce(ulong t0, ulong t1, ulong t2, ulong t3, ulong t4, ulong t5)
    {
        Reduce(out Fp r, t0, t1, t2, t3, t4, t5);
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Reduce(out Fp r, ulong t0, ulong t1, ulong t2, ulong t3, ulong t4, ulong t5)
    {
        // t < 2p: subtract p once if t >= p. Borrows come from the top bits (MAJ(~x, y, d) at bit 63),
        // which needs no flags; with y a limb of p its top bit is known (1 only in the lowest limb), so
        // the majority shrinks to ~t | d or ~t & d. t < 2^382: the sign of the top limb of t - p is the
        // final borrow.
        ulong bw;
        ulong d0 = t0 - P0; bw = (~t0 | d0) >> 63;
        ulong d1 = t1 - P1 - bw; bw = (~t1 & d1) >> 63;
        ulong d2 = t2 - P2 - bw; bw = (~t2 & d2) >> 63;
        ulong d3 = t3 - P3 - bw; bw = (~t3 & d3) >> 63;
        ulong d4 = t4 - P4 - bw; bw = (~t4 & d4) >> 63;
        ulong d5 = t5 - P5 - bw;
        ulong keep = (ulong)((long)d5 >> 63); // all ones if t < p
        r.L0 = d0 ^ ((t0 ^ d0) & keep);
        r.L1 = d1 ^ ((t1 ^ d1) & keep);
        r.L2 = d2 ^ ((t2 ^ d2) & keep);
        r.L3 = d3 ^ ((t3 ^ d3) & keep);
        r.L4 = d4 ^ ((t4 ^ d4) & keep);
        r.L5 = d5 ^ ((t5 ^ d5) & keep);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Sbb(ulong a, ulong b, ref ulong borrow)
    {
        // b1 depends only on the inputs and b2 only on d and the incoming borrow: a short chain.
        ulong d = a - b;
        ulong b1 = a < b ? 1UL : 0UL;
        ulong b2 = d < borrow ? 1UL : 0UL;
        d -= borrow;
        borrow = b1 | b2;
        return d;
    }

    // Add, Sub and Neg spell out their carry chains instead of calling helpers like Sbb: inside large callers the
    // JIT's inlining budget runs out and a non-inlined helper with a ref carry goes through memory. The
    // chains take each carry from bit 63 (a majority of the operands' and the result's top bits): five
    // flag-free instructions per limb instead of two compare-and-set pairs, ≈ 30% fewer in an addition.

    // Add and Sub are not inlined: inlined copies (≈ 100 instructions each) in the Fp6/Fp12 and curve
    // code cost more in instruction-cache misses than the calls (measured ≈ 4% on a pairing).
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Sub(out Fp r, in Fp a, in Fp b) => SubInline(out r, a, b);

    /// <summary>The body of <see cref="Sub"/>, for routines that do several in one call (Fp2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SubInline(out Fp r, in Fp a, in Fp b)
    {
        // Carries and borrows are taken from bit 63 (borrow(x - y - c) = MAJ(~x, y, x - y - c), carry(x + y + c)
        // = MAJ(x, y, ~(x + y + c))): fewer instructions than compare-and-set, and no flags. Operands are
        // below 2^382, so the sign of the top limb of a - b is the final borrow.
        ulong x, y, bw;
        x = a.L0; y = b.L0; ulong t0 = x - y; bw = ((~x & y) | (~(x ^ y) & t0)) >> 63;
        x = a.L1; y = b.L1; ulong t1 = x - y - bw; bw = ((~x & y) | (~(x ^ y) & t1)) >> 63;
        x = a.L2; y = b.L2; ulong t2 = x - y - bw; bw = ((~x & y) | (~(x ^ y) & t2)) >> 63;
        x = a.L3; y = b.L3; ulong t3 = x - y - bw; bw = ((~x & y) | (~(x ^ y) & t3)) >> 63;
        x = a.L4; y = b.L4; ulong t4 = x - y - bw; bw = ((~x & y) | (~(x ^ y) & t4)) >> 63;
        ulong t5 = a.L5 - b.L5 - bw;
        // On borrow add p back; the sum wraps to the right value and its final carry is dropped.
        ulong mask = (ulong)((long)t5 >> 63), c, q;
        q = P0 & mask; ulong r0 = t0 + q; c = ((t0 & q) | ((t0 | q) & ~r0)) >> 63;
        // Limbs 1..5 of p have a clear top bit: the carry is MAJ(t, 0, ~r) = t & ~r.
        q = P1 & mask; ulong r1 = t1 + q + c; c = (t1 & ~r1) >> 63;
        q = P2 & mask; ulong r2 = t2 + q + c; c = (t2 & ~r2) >> 63;
        q = P3 & mask; ulong r3 = t3 + q + c; c = (t3 & ~r3) >> 63;
        q = P4 & mask; ulong r4 = t4 + q + c; c = (t4 & ~r4) >> 63;
        r.L0 = r0; r.L1 = r1; r.L2 = r2; r.L3 = r3; r.L4 = r4; r.L5 = t5 + (P5 & mask) + c;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Neg(out Fp r, in Fp a)
    {
        ulong nz = a.IsZero ? 0UL : ~0UL;
        ulong x, bw;
        // borrow(P - x - b) = MAJ(~P, x, d): x & d where p's limb has its top bit set (limb 0), else x | d.
        x = a.L0; ulong t0 = P0 - x; bw = (x & t0) >> 63;
        x = a.L1; ulong t1 = P1 - x - bw; bw = (x | t1) >> 63;
        x = a.L2; ulong t2 = P2 - x - bw; bw = (x | t2) >> 63;
        x = a.L3; ulong t3 = P3 - x - bw; bw = (x | t3) >> 63;
        x = a.L4; ulong t4 = P4 - x - bw; bw = (x | t4) >> 63;
        ulong t5 = P5 - a.L5 - bw;
        r.L0 = t0 & nz; r.L1 = t1 & nz; r.L2 = t2 & nz; r.L3 = t3 & nz; r.L4 = t4 & nz; r.L5 = t5 & nz;
    }

    /// <summary>a + b without reduction (a, b &lt; p, so the sum is below 2p &lt; 2^382): an input for the BMI2 products.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddUnreduced(out Fp r, in Fp a, in Fp b)
    {
        ulong x, y, c;
        x = a.L0; y = b.L0; ulong t0 = x + y; c = ((x & y) | ((x | y) & ~t0)) >> 63;
        x = a.L1; y = b.L1; ulong t1 = x + y + c; c = ((x & y) | ((x | y) & ~t1)) >> 63;
        x = a.L2; y = b.L2; ulong t2 = x + y + c; c = ((x & y) | ((x | y) & ~t2)) >> 63;
        x = a.L3; y = b.L3; ulong t3 = x + y + c; c = ((x & y) | ((x | y) & ~t3)) >> 63;
        x = a.L4; y = b.L4; ulong t4 = x + y + c; c = ((x & y) | ((x | y) & ~t4)) >> 63;
        r.L0 = t0; r.L1 = t1; r.L2 = t2; r.L3 = t3; r.L4 = t4; r.L5 = a.L5 + b.L5 + c;
    }

    /// <summary>a - b + p without reduction (a, b &lt; p, so the result lies in (0, 2p)): an input for the BMI2 products.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SubPlusPUnreduced(out Fp r, in Fp a, in Fp b)
    {
        ulong x, y, bw;
        x = a.L0; y = b.L0; ulong t0 = x - y; bw = ((~x & y) | (~(x ^ y) & t0)) >> 63;
        x = a.L1; y = b.L1; ulong t1 = x - y - bw; bw = ((~x & y) | (~(x ^ y) & t1)) >> 63;
        x = a.L2; y = b.L2; ulong t2 = x - y - bw; bw = ((~x & y) | (~(x ^ y) & t2)) >> 63;
        x = a.L3; y = b.L3; ulong t3 = x - y - bw; bw = ((~x & y) | (~(x ^ y) & t3)) >> 63;
        x = a.L4; y = b.L4; ulong t4 = x - y - bw; bw = ((~x & y) | (~(x ^ y) & t4)) >> 63;
        ulong t5 = a.L5 - b.L5 - bw;
        // Adding p wraps a negative difference back into range; the final carry is dropped.
        ulong c;
        // carry(t + P + c) = MAJ(t, P, ~r): t | ~r where p's limb has its top bit set (limb 0), else t & ~r.
        ulong r0 = t0 + P0; c = (t0 | ~r0) >> 63;
        ulong r1 = t1 + P1 + c; c = (t1 & ~r1) >> 63;
        ulong r2 = t2 + P2 + c; c = (t2 & ~r2) >> 63;
        ulong r3 = t3 + P3 + c; c = (t3 & ~r3) >> 63;
        ulong r4 = t4 + P4 + c; c = (t4 & ~r4) >> 63;
        r.L0 = r0; r.L1 = r1; r.L2 = r2; r.L3 = r3; r.L4 = r4; r.L5 = t5 + P5 + c;
    }

    /// <summary>a/2 mod p, branch-free: (a + (a odd ? p : 0)) / 2; a + p &lt; 2^382 does not overflow.</summary>
    public static void Halve(out Fp r, in Fp a)
    {
        ulong mask = 0UL - (a.L0 & 1), q, c;
        q = P0 & mask; ulong t0 = a.L0 + q; c = ((a.L0 & q) | ((a.L0 | q) & ~t0)) >> 63;
        q = P1 & mask; ulong t1 = a.L1 + q + c; c = (a.L1 & ~t1) >> 63;
        q = P2 & mask; ulong t2 = a.L2 + q + c; c = (a.L2 & ~t2) >> 63;
        q = P3 & mask; ulong t3 = a.L3 + q + c; c = (a.L3 & ~t3) >> 63;
        q = P4 & mask; ulong t4 = a.L4 + q + c; c = (a.L4 & ~t4) >> 63;
        ulong t5 = a.L5 + (P5 & mask) + c;
        r.L0 = (t0 >> 1) | (t1 << 63);
        r.L1 = (t1 >> 1) | (t2 << 63);
        r.L2 = (t2 >> 1) | (t3 << 63);
        r.L3 = (t3 >> 1) | (t4 << 63);
        r.L4 = (t4 >> 1) | (t5 << 63);
        r.L5 = t5 >> 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Double(out Fp r, in Fp a) => Add(out r, a, a);

    public static Fp operator +(in Fp a, in Fp b) { Add(out Fp r, a, b); return r; }
    public static Fp operator -(in Fp a, in Fp b) { Sub(out Fp r, a, b); return r; }
    public static Fp operator -(in Fp a) { Neg(out Fp r, a); return r; }
    public static Fp operator *(in Fp a, in Fp b) { Mul(out Fp r, a, b); return r; }

    public readonly Fp Square() { Sqr(out Fp r, this); return r; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Sqr(out Fp r, in Fp a)
    {
        if (Bmi2.X64.IsSupported) SquareBmi2(out r, a);
        else MulPortable(out r, a, a);
    }

    /// <summary>Montgomery multiplication: radix-2^56 MULX path (FpRadix56.cs) or portable 64-bit CIOS.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Mul(out Fp r, in Fp a, in Fp b)
    {
        if (Bmi2.X64.IsSupported) MulBmi2(out r, a, b);
        else MulPortable(out r, a, b);
    }

    /// <summary>Portable Montgomery multiplication (Math.BigMul).</summary>
    public static void MulPortable(out Fp r, in Fp a, in Fp b)
    {
        ulong a0 = a.L0, a1 = a.L1, a2 = a.L2, a3 = a.L3, a4 = a.L4, a5 = a.L5;
        ulong t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0, A, C, m, bi, lo, hi;
        bi = b.L0;
        hi = Math.BigMul(a0, bi, out lo); lo += t0; hi += lo < t0 ? 1UL : 0UL; t0 = lo; A = hi;
        m = t0 * Inv;
        hi = Math.BigMul(m, P0, out lo); lo += t0; C = hi + (lo < t0 ? 1UL : 0UL);
        hi = Math.BigMul(a1, bi, out lo); lo += t1; hi += lo < t1 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t1 = lo; A = hi;
        hi = Math.BigMul(m, P1, out lo); lo += t1; hi += lo < t1 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t0 = lo; C = hi;
        hi = Math.BigMul(a2, bi, out lo); lo += t2; hi += lo < t2 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t2 = lo; A = hi;
        hi = Math.BigMul(m, P2, out lo); lo += t2; hi += lo < t2 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t1 = lo; C = hi;
        hi = Math.BigMul(a3, bi, out lo); lo += t3; hi += lo < t3 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t3 = lo; A = hi;
        hi = Math.BigMul(m, P3, out lo); lo += t3; hi += lo < t3 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t2 = lo; C = hi;
        hi = Math.BigMul(a4, bi, out lo); lo += t4; hi += lo < t4 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t4 = lo; A = hi;
        hi = Math.BigMul(m, P4, out lo); lo += t4; hi += lo < t4 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t3 = lo; C = hi;
        hi = Math.BigMul(a5, bi, out lo); lo += t5; hi += lo < t5 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t5 = lo; A = hi;
        hi = Math.BigMul(m, P5, out lo); lo += t5; hi += lo < t5 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t4 = lo; C = hi;
        t5 = C + A;
        bi = b.L1;
        hi = Math.BigMul(a0, bi, out lo); lo += t0; hi += lo < t0 ? 1UL : 0UL; t0 = lo; A = hi;
        m = t0 * Inv;
        hi = Math.BigMul(m, P0, out lo); lo += t0; C = hi + (lo < t0 ? 1UL : 0UL);
        hi = Math.BigMul(a1, bi, out lo); lo += t1; hi += lo < t1 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t1 = lo; A = hi;
        hi = Math.BigMul(m, P1, out lo); lo += t1; hi += lo < t1 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t0 = lo; C = hi;
        hi = Math.BigMul(a2, bi, out lo); lo += t2; hi += lo < t2 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t2 = lo; A = hi;
        hi = Math.BigMul(m, P2, out lo); lo += t2; hi += lo < t2 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t1 = lo; C = hi;
        hi = Math.BigMul(a3, bi, out lo); lo += t3; hi += lo < t3 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t3 = lo; A = hi;
        hi = Math.BigMul(m, P3, out lo); lo += t3; hi += lo < t3 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t2 = lo; C = hi;
        hi = Math.BigMul(a4, bi, out lo); lo += t4; hi += lo < t4 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t4 = lo; A = hi;
        hi = Math.BigMul(m, P4, out lo); lo += t4; hi += lo < t4 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t3 = lo; C = hi;
        hi = Math.BigMul(a5, bi, out lo); lo += t5; hi += lo < t5 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t5 = lo; A = hi;
        hi = Math.BigMul(m, P5, out lo); lo += t5; hi += lo < t5 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t4 = lo; C = hi;
        t5 = C + A;
        bi = b.L2;
        hi = Math.BigMul(a0, bi, out lo); lo += t0; hi += lo < t0 ? 1UL : 0UL; t0 = lo; A = hi;
        m = t0 * Inv;
        hi = Math.BigMul(m, P0, out lo); lo += t0; C = hi + (lo < t0 ? 1UL : 0UL);
        hi = Math.BigMul(a1, bi, out lo); lo += t1; hi += lo < t1 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t1 = lo; A = hi;
        hi = Math.BigMul(m, P1, out lo); lo += t1; hi += lo < t1 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t0 = lo; C = hi;
        hi = Math.BigMul(a2, bi, out lo); lo += t2; hi += lo < t2 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t2 = lo; A = hi;
        hi = Math.BigMul(m, P2, out lo); lo += t2; hi += lo < t2 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t1 = lo; C = hi;
        hi = Math.BigMul(a3, bi, out lo); lo += t3; hi += lo < t3 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t3 = lo; A = hi;
        hi = Math.BigMul(m, P3, out lo); lo += t3; hi += lo < t3 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t2 = lo; C = hi;
        hi = Math.BigMul(a4, bi, out lo); lo += t4; hi += lo < t4 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t4 = lo; A = hi;
        hi = Math.BigMul(m, P4, out lo); lo += t4; hi += lo < t4 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t3 = lo; C = hi;
        hi = Math.BigMul(a5, bi, out lo); lo += t5; hi += lo < t5 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t5 = lo; A = hi;
        hi = Math.BigMul(m, P5, out lo); lo += t5; hi += lo < t5 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t4 = lo; C = hi;
        t5 = C + A;
        bi = b.L3;
        hi = Math.BigMul(a0, bi, out lo); lo += t0; hi += lo < t0 ? 1UL : 0UL; t0 = lo; A = hi;
        m = t0 * Inv;
        hi = Math.BigMul(m, P0, out lo); lo += t0; C = hi + (lo < t0 ? 1UL : 0UL);
        hi = Math.BigMul(a1, bi, out lo); lo += t1; hi += lo < t1 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t1 = lo; A = hi;
        hi = Math.BigMul(m, P1, out lo); lo += t1; hi += lo < t1 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t0 = lo; C = hi;
        hi = Math.BigMul(a2, bi, out lo); lo += t2; hi += lo < t2 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t2 = lo; A = hi;
        hi = Math.BigMul(m, P2, out lo); lo += t2; hi += lo < t2 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t1 = lo; C = hi;
        hi = Math.BigMul(a3, bi, out lo); lo += t3; hi += lo < t3 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t3 = lo; A = hi;
        hi = Math.BigMul(m, P3, out lo); lo += t3; hi += lo < t3 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t2 = lo; C = hi;
        hi = Math.BigMul(a4, bi, out lo); lo += t4; hi += lo < t4 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t4 = lo; A = hi;
        hi = Math.BigMul(m, P4, out lo); lo += t4; hi += lo < t4 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t3 = lo; C = hi;
        hi = Math.BigMul(a5, bi, out lo); lo += t5; hi += lo < t5 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t5 = lo; A = hi;
        hi = Math.BigMul(m, P5, out lo); lo += t5; hi += lo < t5 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t4 = lo; C = hi;
        t5 = C + A;
        bi = b.L4;
        hi = Math.BigMul(a0, bi, out lo); lo += t0; hi += lo < t0 ? 1UL : 0UL; t0 = lo; A = hi;
        m = t0 * Inv;
        hi = Math.BigMul(m, P0, out lo); lo += t0; C = hi + (lo < t0 ? 1UL : 0UL);
        hi = Math.BigMul(a1, bi, out lo); lo += t1; hi += lo < t1 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t1 = lo; A = hi;
        hi = Math.BigMul(m, P1, out lo); lo += t1; hi += lo < t1 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t0 = lo; C = hi;
        hi = Math.BigMul(a2, bi, out lo); lo += t2; hi += lo < t2 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t2 = lo; A = hi;
        hi = Math.BigMul(m, P2, out lo); lo += t2; hi += lo < t2 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t1 = lo; C = hi;
        hi = Math.BigMul(a3, bi, out lo); lo += t3; hi += lo < t3 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t3 = lo; A = hi;
        hi = Math.BigMul(m, P3, out lo); lo += t3; hi += lo < t3 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t2 = lo; C = hi;
        hi = Math.BigMul(a4, bi, out lo); lo += t4; hi += lo < t4 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t4 = lo; A = hi;
        hi = Math.BigMul(m, P4, out lo); lo += t4; hi += lo < t4 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t3 = lo; C = hi;
        hi = Math.BigMul(a5, bi, out lo); lo += t5; hi += lo < t5 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t5 = lo; A = hi;
        hi = Math.BigMul(m, P5, out lo); lo += t5; hi += lo < t5 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t4 = lo; C = hi;
        t5 = C + A;
        bi = b.L5;
        hi = Math.BigMul(a0, bi, out lo); lo += t0; hi += lo < t0 ? 1UL : 0UL; t0 = lo; A = hi;
        m = t0 * Inv;
        hi = Math.BigMul(m, P0, out lo); lo += t0; C = hi + (lo < t0 ? 1UL : 0UL);
        hi = Math.BigMul(a1, bi, out lo); lo += t1; hi += lo < t1 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t1 = lo; A = hi;
        hi = Math.BigMul(m, P1, out lo); lo += t1; hi += lo < t1 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t0 = lo; C = hi;
        hi = Math.BigMul(a2, bi, out lo); lo += t2; hi += lo < t2 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t2 = lo; A = hi;
        hi = Math.BigMul(m, P2, out lo); lo += t2; hi += lo < t2 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t1 = lo; C = hi;
        hi = Math.BigMul(a3, bi, out lo); lo += t3; hi += lo < t3 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t3 = lo; A = hi;
        hi = Math.BigMul(m, P3, out lo); lo += t3; hi += lo < t3 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t2 = lo; C = hi;
        hi = Math.BigMul(a4, bi, out lo); lo += t4; hi += lo < t4 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t4 = lo; A = hi;
        hi = Math.BigMul(m, P4, out lo); lo += t4; hi += lo < t4 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t3 = lo; C = hi;
        hi = Math.BigMul(a5, bi, out lo); lo += t5; hi += lo < t5 ? 1UL : 0UL; lo += A; hi += lo < A ? 1UL : 0UL; t5 = lo; A = hi;
        hi = Math.BigMul(m, P5, out lo); lo += t5; hi += lo < t5 ? 1UL : 0UL; lo += C; hi += lo < C ? 1UL : 0UL; t4 = lo; C = hi;
        t5 = C + A;
        Reduce(out r, t0, t1, t2, t3, t4, t5);
    }

    /// <summary>a + b mod p (a + b &lt; 2^382 never carries out of the top limb).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Add(out Fp r, in Fp a, in Fp b) => AddInline(out r, a, b);

    /// <summary>The body of <see cref="Add"/>, for routines that do several in one call (Fp2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AddInline(out Fp r, in Fp a, in Fp b)
    {
        ulong x, y, c;
        x = a.L0; y = b.L0; ulong t0 = x + y; c = ((x & y) | ((x | y) & ~t0)) >> 63;
        x = a.L1; y = b.L1; ulong t1 = x + y + c; c = ((x & y) | ((x | y) & ~t1)) >> 63;
        x = a.L2; y = b.L2; ulong t2 = x + y + c; c = ((x & y) | ((x | y) & ~t2)) >> 63;
        x = a.L3; y = b.L3; ulong t3 = x + y + c; c = ((x & y) | ((x | y) & ~t3)) >> 63;
        x = a.L4; y = b.L4; ulong t4 = x + y + c; c = ((x & y) | ((x | y) & ~t4)) >> 63;
        ulong t5 = a.L5 + b.L5 + c;
        Reduce(out r, t0, t1, t2, t3, t4, t5);
    }

    /// <summary>Conditional select: returns b if flag, else a (branch-free).</summary>
    public static Fp Select(in Fp a, in Fp b, bool flag)
    {
        ulong m = 0UL - (flag ? 1UL : 0UL);
        return new Fp(a.L0 ^ ((a.L0 ^ b.L0) & m), a.L1 ^ ((a.L1 ^ b.L1) & m), a.L2 ^ ((a.L2 ^ b.L2) & m),
            a.L3 ^ ((a.L3 ^ b.L3) & m), a.L4 ^ ((a.L4 ^ b.L4) & m), a.L5 ^ ((a.L5 ^ b.L5) & m));
    }

    /// <summary>The canonical (non-Montgomery) value as limbs.</summary>
    public readonly Fp FromMont()
    {
        Fp one = new(1, 0, 0, 0, 0, 0);
        Mul(out Fp r, this, one);
        return r;
    }

    /// <summary>Canonical limbs (&lt; p) into Montgomery form.</summary>
    public static Fp ToMont(in Fp canonical)
    {
        Mul(out Fp r, canonical, R2);
        return r;
    }

    public static Fp FromUlong(ulong v) => ToMont(new Fp(v, 0, 0, 0, 0, 0));

    /// <summary>True iff the canonical limbs are &lt; p.</summary>
    public static bool IsCanonical(in Fp c)
    {
        ulong b = 0;
        Sbb(c.L0, P0, ref b); Sbb(c.L1, P1, ref b); Sbb(c.L2, P2, ref b);
        Sbb(c.L3, P3, ref b); Sbb(c.L4, P4, ref b); Sbb(c.L5, P5, ref b);
        return b == 1;
    }

    /// <summary>Reads 48 big-endian bytes; false if the value is &gt;= p.</summary>
    public static bool TryFromBytes(ReadOnlySpan<byte> be48, out Fp r)
    {
        Fp c = new(
            BinaryPrimitives.ReadUInt64BigEndian(be48.Slice(40, 8)),
            BinaryPrimitives.ReadUInt64BigEndian(be48.Slice(32, 8)),
            BinaryPrimitives.ReadUInt64BigEndian(be48.Slice(24, 8)),
            BinaryPrimitives.ReadUInt64BigEndian(be48.Slice(16, 8)),
            BinaryPrimitives.ReadUInt64BigEndian(be48.Slice(8, 8)),
            BinaryPrimitives.ReadUInt64BigEndian(be48.Slice(0, 8)));
        if (!IsCanonical(c)) { r = default; return false; }
        r = ToMont(c);
        return true;
    }

    public readonly void ToBytes(Span<byte> be48)
    {
        Fp c = FromMont();
        BinaryPrimitives.WriteUInt64BigEndian(be48.Slice(0, 8), c.L5);
        BinaryPrimitives.WriteUInt64BigEndian(be48.Slice(8, 8), c.L4);
        BinaryPrimitives.WriteUInt64BigEndian(be48.Slice(16, 8), c.L3);
        BinaryPrimitives.WriteUInt64BigEndian(be48.Slice(24, 8), c.L2);
        BinaryPrimitives.WriteUInt64BigEndian(be48.Slice(32, 8), c.L1);
        BinaryPrimitives.WriteUInt64BigEndian(be48.Slice(40, 8), c.L0);
    }

    /// <summary>2^1024 mod p: Montgomery-multiplying by it turns h into h·2^256 in Montgomery form.</summary>
    private static readonly Fp R2Shift256 = new(0xfb73eaead26ebe58UL, 0x861c23693de6a351UL, 0x76e5bc3ff951c543UL, 0xcc0868ce6a76590cUL, 0xf0a85a3f35446d0bUL, 0x0010a8c1a49a064fUL);

    /// <summary>
    /// Reduces a 64-byte big-endian integer modulo p (hash_to_field): v = hi·2^256 + lo, both halves &lt; p.
    /// </summary>
    public static Fp FromBytesWide(ReadOnlySpan<byte> be64)
    {
        Fp lo = new(
            BinaryPrimitives.ReadUInt64BigEndian(be64.Slice(56, 8)),
            BinaryPrimitives.ReadUInt64BigEndian(be64.Slice(48, 8)),
            BinaryPrimitives.ReadUInt64BigEndian(be64.Slice(40, 8)),
            BinaryPrimitives.ReadUInt64BigEndian(be64.Slice(32, 8)), 0, 0);
        Fp hi = new(
            BinaryPrimitives.ReadUInt64BigEndian(be64.Slice(24, 8)),
            BinaryPrimitives.ReadUInt64BigEndian(be64.Slice(16, 8)),
            BinaryPrimitives.ReadUInt64BigEndian(be64.Slice(8, 8)),
            BinaryPrimitives.ReadUInt64BigEndian(be64.Slice(0, 8)), 0, 0);
        Mul(out Fp a, lo, R2);
        Mul(out Fp b, hi, R2Shift256);
        return a + b;
    }

    /// <summary>Parity of the canonical value (sgn0 for m = 1).</summary>
    public readonly bool Sgn0 => (FromMont().L0 & 1) == 1;

    /// <summary>The canonical value is lexicographically larger than its negation (ZCash "sign" bit).</summary>
    public readonly bool IsLexLargest
    {
        get
        {
            // value > (p-1)/2
            Fp c = FromMont();
            ulong b = 0;
            // (p-1)/2 limbs
            Sbb(HalfP0, c.L0, ref b); Sbb(HalfP1, c.L1, ref b); Sbb(HalfP2, c.L2, ref b);
            Sbb(HalfP3, c.L3, ref b); Sbb(HalfP4, c.L4, ref b); Sbb(HalfP5, c.L5, ref b);
            return b == 1;
        }
    }

    private const ulong HalfP0 = 0xdcff7fffffffd555UL, HalfP1 = 0x0f55ffff58a9ffffUL, HalfP2 = 0xb39869507b587b12UL,
        HalfP3 = 0xb23ba5c279c2895fUL, HalfP4 = 0x258dd3db21a5d66bUL, HalfP5 = 0x0d0088f51cbff34dUL;

    /// <summary>this^e where e is given as little-endian 64-bit limbs (variable time in e).</summary>
    public readonly Fp Pow(ReadOnlySpan<ulong> e)
    {
        SlidingWindow.Pow(out Fp r, this, e);
        return r;
    }

    static Fp IExponentiable<Fp>.ExpOne => One;
    static void IExponentiable<Fp>.ExpSqr(out Fp r, in Fp a) => Sqr(out r, a);
    static void IExponentiable<Fp>.ExpMul(out Fp r, in Fp a, in Fp b) => Mul(out r, a, b);

    // p - 2, (p + 1) / 4, (p - 1) / 2 as little-endian limbs.
    private static readonly ulong[] PMinus2 = [0xb9feffffffffaaa9UL, 0x1eabfffeb153ffffUL, 0x6730d2a0f6b0f624UL, 0x64774b84f38512bfUL, 0x4b1ba7b6434bacd7UL, 0x1a0111ea397fe69aUL];
    internal static readonly ulong[] PMinus3Div4 = [0xee7fbfffffffeaaaUL, 0x07aaffffac54ffffUL, 0xd9cc34a83dac3d89UL, 0xd91dd2e13ce144afUL, 0x92c6e9ed90d2eb35UL, 0x0680447a8e5ff9a6UL];
    internal static readonly ulong[] PPlus1Div4 = [0xee7fbfffffffeaabUL, 0x07aaffffac54ffffUL, 0xd9cc34a83dac3d89UL, 0xd91dd2e13ce144afUL, 0x92c6e9ed90d2eb35UL, 0x0680447a8e5ff9a6UL];
    private static readonly ulong[] PMinus1Div2 = [HalfP0, HalfP1, HalfP2, HalfP3, HalfP4, HalfP5];

    /// <summary>Multiplicative inverse by exponentiation (Fermat, constant time); the inverse of 0 is 0.</summary>
    public readonly Fp InverseCt() => Pow(PMinus2);

    /// <summary>Square root if one exists (p = 3 mod 4).</summary>
    public readonly bool TrySqrt(out Fp root)
    {
        root = Pow(PPlus1Div4);
        return root.Square() == this;
    }

    /// <summary>True iff this is a square in Fp (0 counts as a square).</summary>
    public readonly bool IsSquare()
    {
        if (IsZero) return true;
        return Pow(PMinus1Div2).IsOne;
    }

    public override readonly string ToString()
    {
        Span<byte> b = stackalloc byte[48];
        ToBytes(b);
        return "0x" + Convert.ToHexString(b).ToLowerInvariant();
    }
}
