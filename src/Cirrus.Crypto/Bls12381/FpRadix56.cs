using System.Runtime.Intrinsics.X86;

namespace Cirrus.Crypto.Bls12381;

/// <summary>
/// Montgomery multiplication with BMI2 on seven 56-bit limbs. A 56x56-bit product split at bit 56 by
/// MULX (high half) and IMUL+SHR (low half) of x·(y·2^8) leaves 8 spare bits in every column, so the
/// columns are plain 64-bit sums with no carry detection (.NET has no add-with-carry), which halves
/// the instruction count of a 64-bit-limb CIOS. The second operand enters as b·2^8 and the reduction
/// divides by 2^392, so the result is a·b·2^-384 as for the rest of Fp. Output &lt; 1.25p before the
/// final conditional subtraction, for one product or a sum of two.
/// </summary>
internal partial struct Fp
{
    // p in 56-bit limbs, each shifted left by 8 (the MULX operand form); -p^-1 mod 2^56.
    private const ulong Pb0 = 0xfeffffffffaaab00UL;
    private const ulong Pb1 = 0xfffeb153ffffb900UL;
    private const ulong Pb2 = 0xa0f6b0f6241eab00UL;
    private const ulong Pb3 = 0xf38512bf6730d200UL;
    private const ulong Pb4 = 0x4bacd764774b8400UL;
    private const ulong Pb5 = 0xe69a4b1ba7b64300UL;
    private const ulong Pb6 = 0x001a0111ea397f00UL;
    private const ulong Inv56 = 0xf3fffcfffcfffdUL;
    private const ulong Mask56 = 0x00ffffffffffffffUL;
    private const ulong Mask48 = 0x0000ffffffffffffUL;

    /// <summary>a·b·2^-384 mod p (BMI2, radix 2^56).</summary>
    public static void MulBmi2(out Fp r, in Fp a, in Fp b)
    {
        ulong a0 = a.L0 & Mask56;
        ulong a1 = ((a.L0 >> 56) | (a.L1 << 8)) & Mask56;
        ulong a2 = ((a.L1 >> 48) | (a.L2 << 16)) & Mask56;
        ulong a3 = ((a.L2 >> 40) | (a.L3 << 24)) & Mask56;
        ulong a4 = ((a.L3 >> 32) | (a.L4 << 32)) & Mask56;
        ulong a5 = ((a.L4 >> 24) | (a.L5 << 40)) & Mask56;
        ulong a6 = a.L5 >> 16;
        ulong b0 = b.L0 << 16;
        ulong b1 = ((b.L0 >> 40) | (b.L1 << 24)) & 0xffffffffffffff00UL;
        ulong b2 = ((b.L1 >> 32) | (b.L2 << 32)) & 0xffffffffffffff00UL;
        ulong b3 = ((b.L2 >> 24) | (b.L3 << 40)) & 0xffffffffffffff00UL;
        ulong b4 = ((b.L3 >> 16) | (b.L4 << 48)) & 0xffffffffffffff00UL;
        ulong b5 = ((b.L4 >> 8) | (b.L5 << 56)) & 0xffffffffffffff00UL;
        ulong b6 = b.L5 & 0xffffffffffffff00UL;
        ulong t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0, t6 = 0, t7 = 0, h, m;
        h = Bmi2.X64.MultiplyNoFlags(a0, b0); t0 += (a0 * b0) >> 8; t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(a0, b1); t1 += (a0 * b1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(a0, b2); t2 += (a0 * b2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(a0, b3); t3 += (a0 * b3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(a0, b4); t4 += (a0 * b4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(a0, b5); t5 += (a0 * b5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(a0, b6); t6 += (a0 * b6) >> 8; t7 += h;
        m = (t0 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); t1 += (m * Pb1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); t2 += (m * Pb2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); t3 += (m * Pb3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); t4 += (m * Pb4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); t5 += (m * Pb5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); t6 += (m * Pb6) >> 8; t7 += h;
        t0 = t1 + ((t0 + Mask56) >> 56); t1 = t2; t2 = t3; t3 = t4; t4 = t5; t5 = t6; t6 = t7; t7 = 0;
        h = Bmi2.X64.MultiplyNoFlags(a1, b0); t0 += (a1 * b0) >> 8; t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, b1); t1 += (a1 * b1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, b2); t2 += (a1 * b2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, b3); t3 += (a1 * b3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, b4); t4 += (a1 * b4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, b5); t5 += (a1 * b5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, b6); t6 += (a1 * b6) >> 8; t7 += h;
        m = (t0 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); t1 += (m * Pb1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); t2 += (m * Pb2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); t3 += (m * Pb3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); t4 += (m * Pb4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); t5 += (m * Pb5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); t6 += (m * Pb6) >> 8; t7 += h;
        t0 = t1 + ((t0 + Mask56) >> 56); t1 = t2; t2 = t3; t3 = t4; t4 = t5; t5 = t6; t6 = t7; t7 = 0;
        h = Bmi2.X64.MultiplyNoFlags(a2, b0); t0 += (a2 * b0) >> 8; t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, b1); t1 += (a2 * b1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, b2); t2 += (a2 * b2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, b3); t3 += (a2 * b3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, b4); t4 += (a2 * b4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, b5); t5 += (a2 * b5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, b6); t6 += (a2 * b6) >> 8; t7 += h;
        m = (t0 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); t1 += (m * Pb1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); t2 += (m * Pb2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); t3 += (m * Pb3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); t4 += (m * Pb4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); t5 += (m * Pb5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); t6 += (m * Pb6) >> 8; t7 += h;
        t0 = t1 + ((t0 + Mask56) >> 56); t1 = t2; t2 = t3; t3 = t4; t4 = t5; t5 = t6; t6 = t7; t7 = 0;
        h = Bmi2.X64.MultiplyNoFlags(a3, b0); t0 += (a3 * b0) >> 8; t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(a3, b1); t1 += (a3 * b1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(a3, b2); t2 += (a3 * b2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(a3, b3); t3 += (a3 * b3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(a3, b4); t4 += (a3 * b4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(a3, b5); t5 += (a3 * b5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(a3, b6); t6 += (a3 * b6) >> 8; t7 += h;
        m = (t0 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); t1 += (m * Pb1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); t2 += (m * Pb2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); t3 += (m * Pb3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); t4 += (m * Pb4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); t5 += (m * Pb5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); t6 += (m * Pb6) >> 8; t7 += h;
        t0 = t1 + ((t0 + Mask56) >> 56); t1 = t2; t2 = t3; t3 = t4; t4 = t5; t5 = t6; t6 = t7; t7 = 0;
        h = Bmi2.X64.MultiplyNoFlags(a4, b0); t0 += (a4 * b0) >> 8; t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(a4, b1); t1 += (a4 * b1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(a4, b2); t2 += (a4 * b2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(a4, b3); t3 += (a4 * b3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(a4, b4); t4 += (a4 * b4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(a4, b5); t5 += (a4 * b5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(a4, b6); t6 += (a4 * b6) >> 8; t7 += h;
        m = (t0 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); t1 += (m * Pb1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); t2 += (m * Pb2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); t3 += (m * Pb3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); t4 += (m * Pb4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); t5 += (m * Pb5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); t6 += (m * Pb6) >> 8; t7 += h;
        t0 = t1 + ((t0 + Mask56) >> 56); t1 = t2; t2 = t3; t3 = t4; t4 = t5; t5 = t6; t6 = t7; t7 = 0;
        h = Bmi2.X64.MultiplyNoFlags(a5, b0); t0 += (a5 * b0) >> 8; t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(a5, b1); t1 += (a5 * b1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(a5, b2); t2 += (a5 * b2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(a5, b3); t3 += (a5 * b3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(a5, b4); t4 += (a5 * b4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(a5, b5); t5 += (a5 * b5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(a5, b6); t6 += (a5 * b6) >> 8; t7 += h;
        m = (t0 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); t1 += (m * Pb1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); t2 += (m * Pb2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); t3 += (m * Pb3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); t4 += (m * Pb4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); t5 += (m * Pb5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); t6 += (m * Pb6) >> 8; t7 += h;
        t0 = t1 + ((t0 + Mask56) >> 56); t1 = t2; t2 = t3; t3 = t4; t4 = t5; t5 = t6; t6 = t7; t7 = 0;
        h = Bmi2.X64.MultiplyNoFlags(a6, b0); t0 += (a6 * b0) >> 8; t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(a6, b1); t1 += (a6 * b1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(a6, b2); t2 += (a6 * b2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(a6, b3); t3 += (a6 * b3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(a6, b4); t4 += (a6 * b4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(a6, b5); t5 += (a6 * b5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(a6, b6); t6 += (a6 * b6) >> 8; t7 += h;
        m = (t0 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); t1 += (m * Pb1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); t2 += (m * Pb2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); t3 += (m * Pb3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); t4 += (m * Pb4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); t5 += (m * Pb5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); t6 += (m * Pb6) >> 8; t7 += h;
        t0 = t1 + ((t0 + Mask56) >> 56); t1 = t2; t2 = t3; t3 = t4; t4 = t5; t5 = t6; t6 = t7; t7 = 0;
        t1 += t0 >> 56; t0 &= Mask56;
        t2 += t1 >> 56; t1 &= Mask56;
        t3 += t2 >> 56; t2 &= Mask56;
        t4 += t3 >> 56; t3 &= Mask56;
        t5 += t4 >> 56; t4 &= Mask56;
        t6 += t5 >> 56; t5 &= Mask56;
        Reduce(out r, t0 | (t1 << 56), (t1 >> 8) | (t2 << 48), (t2 >> 16) | (t3 << 40), (t3 >> 24) | (t4 << 32), (t4 >> 32) | (t5 << 24), (t5 >> 40) | (t6 << 16));
    }

    /// <summary>(a·b + c·d)·2^-384 mod p (BMI2, radix 2^56): one reduction for the sum of two products.</summary>
    public static void SumOfProductsBmi2(out Fp r, in Fp a, in Fp b, in Fp c, in Fp d)
    {
        ulong a0 = a.L0 & Mask56;
        ulong a1 = ((a.L0 >> 56) | (a.L1 << 8)) & Mask56;
        ulong a2 = ((a.L1 >> 48) | (a.L2 << 16)) & Mask56;
        ulong a3 = ((a.L2 >> 40) | (a.L3 << 24)) & Mask56;
        ulong a4 = ((a.L3 >> 32) | (a.L4 << 32)) & Mask56;
        ulong a5 = ((a.L4 >> 24) | (a.L5 << 40)) & Mask56;
        ulong a6 = a.L5 >> 16;
        ulong b0 = b.L0 << 16;
        ulong b1 = ((b.L0 >> 40) | (b.L1 << 24)) & 0xffffffffffffff00UL;
        ulong b2 = ((b.L1 >> 32) | (b.L2 << 32)) & 0xffffffffffffff00UL;
        ulong b3 = ((b.L2 >> 24) | (b.L3 << 40)) & 0xffffffffffffff00UL;
        ulong b4 = ((b.L3 >> 16) | (b.L4 << 48)) & 0xffffffffffffff00UL;
        ulong b5 = ((b.L4 >> 8) | (b.L5 << 56)) & 0xffffffffffffff00UL;
        ulong b6 = b.L5 & 0xffffffffffffff00UL;
        ulong c0 = c.L0 & Mask56;
        ulong c1 = ((c.L0 >> 56) | (c.L1 << 8)) & Mask56;
        ulong c2 = ((c.L1 >> 48) | (c.L2 << 16)) & Mask56;
        ulong c3 = ((c.L2 >> 40) | (c.L3 << 24)) & Mask56;
        ulong c4 = ((c.L3 >> 32) | (c.L4 << 32)) & Mask56;
        ulong c5 = ((c.L4 >> 24) | (c.L5 << 40)) & Mask56;
        ulong c6 = c.L5 >> 16;
        ulong d0 = d.L0 << 16;
        ulong d1 = ((d.L0 >> 40) | (d.L1 << 24)) & 0xffffffffffffff00UL;
        ulong d2 = ((d.L1 >> 32) | (d.L2 << 32)) & 0xffffffffffffff00UL;
        ulong d3 = ((d.L2 >> 24) | (d.L3 << 40)) & 0xffffffffffffff00UL;
        ulong d4 = ((d.L3 >> 16) | (d.L4 << 48)) & 0xffffffffffffff00UL;
        ulong d5 = ((d.L4 >> 8) | (d.L5 << 56)) & 0xffffffffffffff00UL;
        ulong d6 = d.L5 & 0xffffffffffffff00UL;
        ulong t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0, t6 = 0, t7 = 0, h, m;
        h = Bmi2.X64.MultiplyNoFlags(a0, b0); t0 += (a0 * b0) >> 8; t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(a0, b1); t1 += (a0 * b1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(a0, b2); t2 += (a0 * b2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(a0, b3); t3 += (a0 * b3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(a0, b4); t4 += (a0 * b4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(a0, b5); t5 += (a0 * b5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(a0, b6); t6 += (a0 * b6) >> 8; t7 += h;
        h = Bmi2.X64.MultiplyNoFlags(c0, d0); t0 += (c0 * d0) >> 8; t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(c0, d1); t1 += (c0 * d1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(c0, d2); t2 += (c0 * d2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(c0, d3); t3 += (c0 * d3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(c0, d4); t4 += (c0 * d4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(c0, d5); t5 += (c0 * d5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(c0, d6); t6 += (c0 * d6) >> 8; t7 += h;
        m = (t0 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); t1 += (m * Pb1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); t2 += (m * Pb2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); t3 += (m * Pb3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); t4 += (m * Pb4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); t5 += (m * Pb5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); t6 += (m * Pb6) >> 8; t7 += h;
        t0 = t1 + ((t0 + Mask56) >> 56); t1 = t2; t2 = t3; t3 = t4; t4 = t5; t5 = t6; t6 = t7; t7 = 0;
        h = Bmi2.X64.MultiplyNoFlags(a1, b0); t0 += (a1 * b0) >> 8; t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, b1); t1 += (a1 * b1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, b2); t2 += (a1 * b2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, b3); t3 += (a1 * b3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, b4); t4 += (a1 * b4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, b5); t5 += (a1 * b5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, b6); t6 += (a1 * b6) >> 8; t7 += h;
        h = Bmi2.X64.MultiplyNoFlags(c1, d0); t0 += (c1 * d0) >> 8; t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(c1, d1); t1 += (c1 * d1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(c1, d2); t2 += (c1 * d2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(c1, d3); t3 += (c1 * d3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(c1, d4); t4 += (c1 * d4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(c1, d5); t5 += (c1 * d5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(c1, d6); t6 += (c1 * d6) >> 8; t7 += h;
        m = (t0 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); t1 += (m * Pb1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); t2 += (m * Pb2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); t3 += (m * Pb3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); t4 += (m * Pb4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); t5 += (m * Pb5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); t6 += (m * Pb6) >> 8; t7 += h;
        t0 = t1 + ((t0 + Mask56) >> 56); t1 = t2; t2 = t3; t3 = t4; t4 = t5; t5 = t6; t6 = t7; t7 = 0;
        h = Bmi2.X64.MultiplyNoFlags(a2, b0); t0 += (a2 * b0) >> 8; t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, b1); t1 += (a2 * b1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, b2); t2 += (a2 * b2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, b3); t3 += (a2 * b3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, b4); t4 += (a2 * b4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, b5); t5 += (a2 * b5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, b6); t6 += (a2 * b6) >> 8; t7 += h;
        h = Bmi2.X64.MultiplyNoFlags(c2, d0); t0 += (c2 * d0) >> 8; t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(c2, d1); t1 += (c2 * d1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(c2, d2); t2 += (c2 * d2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(c2, d3); t3 += (c2 * d3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(c2, d4); t4 += (c2 * d4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(c2, d5); t5 += (c2 * d5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(c2, d6); t6 += (c2 * d6) >> 8; t7 += h;
        m = (t0 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); t1 += (m * Pb1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); t2 += (m * Pb2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); t3 += (m * Pb3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); t4 += (m * Pb4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); t5 += (m * Pb5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); t6 += (m * Pb6) >> 8; t7 += h;
        t0 = t1 + ((t0 + Mask56) >> 56); t1 = t2; t2 = t3; t3 = t4; t4 = t5; t5 = t6; t6 = t7; t7 = 0;
        h = Bmi2.X64.MultiplyNoFlags(a3, b0); t0 += (a3 * b0) >> 8; t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(a3, b1); t1 += (a3 * b1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(a3, b2); t2 += (a3 * b2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(a3, b3); t3 += (a3 * b3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(a3, b4); t4 += (a3 * b4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(a3, b5); t5 += (a3 * b5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(a3, b6); t6 += (a3 * b6) >> 8; t7 += h;
        h = Bmi2.X64.MultiplyNoFlags(c3, d0); t0 += (c3 * d0) >> 8; t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(c3, d1); t1 += (c3 * d1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(c3, d2); t2 += (c3 * d2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(c3, d3); t3 += (c3 * d3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(c3, d4); t4 += (c3 * d4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(c3, d5); t5 += (c3 * d5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(c3, d6); t6 += (c3 * d6) >> 8; t7 += h;
        m = (t0 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); t1 += (m * Pb1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); t2 += (m * Pb2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); t3 += (m * Pb3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); t4 += (m * Pb4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); t5 += (m * Pb5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); t6 += (m * Pb6) >> 8; t7 += h;
        t0 = t1 + ((t0 + Mask56) >> 56); t1 = t2; t2 = t3; t3 = t4; t4 = t5; t5 = t6; t6 = t7; t7 = 0;
        h = Bmi2.X64.MultiplyNoFlags(a4, b0); t0 += (a4 * b0) >> 8; t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(a4, b1); t1 += (a4 * b1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(a4, b2); t2 += (a4 * b2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(a4, b3); t3 += (a4 * b3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(a4, b4); t4 += (a4 * b4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(a4, b5); t5 += (a4 * b5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(a4, b6); t6 += (a4 * b6) >> 8; t7 += h;
        h = Bmi2.X64.MultiplyNoFlags(c4, d0); t0 += (c4 * d0) >> 8; t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(c4, d1); t1 += (c4 * d1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(c4, d2); t2 += (c4 * d2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(c4, d3); t3 += (c4 * d3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(c4, d4); t4 += (c4 * d4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(c4, d5); t5 += (c4 * d5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(c4, d6); t6 += (c4 * d6) >> 8; t7 += h;
        m = (t0 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); t1 += (m * Pb1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); t2 += (m * Pb2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); t3 += (m * Pb3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); t4 += (m * Pb4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); t5 += (m * Pb5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); t6 += (m * Pb6) >> 8; t7 += h;
        t0 = t1 + ((t0 + Mask56) >> 56); t1 = t2; t2 = t3; t3 = t4; t4 = t5; t5 = t6; t6 = t7; t7 = 0;
        h = Bmi2.X64.MultiplyNoFlags(a5, b0); t0 += (a5 * b0) >> 8; t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(a5, b1); t1 += (a5 * b1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(a5, b2); t2 += (a5 * b2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(a5, b3); t3 += (a5 * b3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(a5, b4); t4 += (a5 * b4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(a5, b5); t5 += (a5 * b5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(a5, b6); t6 += (a5 * b6) >> 8; t7 += h;
        h = Bmi2.X64.MultiplyNoFlags(c5, d0); t0 += (c5 * d0) >> 8; t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(c5, d1); t1 += (c5 * d1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(c5, d2); t2 += (c5 * d2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(c5, d3); t3 += (c5 * d3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(c5, d4); t4 += (c5 * d4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(c5, d5); t5 += (c5 * d5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(c5, d6); t6 += (c5 * d6) >> 8; t7 += h;
        m = (t0 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); t1 += (m * Pb1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); t2 += (m * Pb2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); t3 += (m * Pb3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); t4 += (m * Pb4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); t5 += (m * Pb5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); t6 += (m * Pb6) >> 8; t7 += h;
        t0 = t1 + ((t0 + Mask56) >> 56); t1 = t2; t2 = t3; t3 = t4; t4 = t5; t5 = t6; t6 = t7; t7 = 0;
        h = Bmi2.X64.MultiplyNoFlags(a6, b0); t0 += (a6 * b0) >> 8; t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(a6, b1); t1 += (a6 * b1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(a6, b2); t2 += (a6 * b2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(a6, b3); t3 += (a6 * b3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(a6, b4); t4 += (a6 * b4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(a6, b5); t5 += (a6 * b5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(a6, b6); t6 += (a6 * b6) >> 8; t7 += h;
        h = Bmi2.X64.MultiplyNoFlags(c6, d0); t0 += (c6 * d0) >> 8; t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(c6, d1); t1 += (c6 * d1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(c6, d2); t2 += (c6 * d2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(c6, d3); t3 += (c6 * d3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(c6, d4); t4 += (c6 * d4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(c6, d5); t5 += (c6 * d5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(c6, d6); t6 += (c6 * d6) >> 8; t7 += h;
        m = (t0 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); t1 += (m * Pb1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); t2 += (m * Pb2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); t3 += (m * Pb3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); t4 += (m * Pb4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); t5 += (m * Pb5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); t6 += (m * Pb6) >> 8; t7 += h;
        t0 = t1 + ((t0 + Mask56) >> 56); t1 = t2; t2 = t3; t3 = t4; t4 = t5; t5 = t6; t6 = t7; t7 = 0;
        t1 += t0 >> 56; t0 &= Mask56;
        t2 += t1 >> 56; t1 &= Mask56;
        t3 += t2 >> 56; t2 &= Mask56;
        t4 += t3 >> 56; t3 &= Mask56;
        t5 += t4 >> 56; t4 &= Mask56;
        t6 += t5 >> 56; t5 &= Mask56;
        Reduce(out r, t0 | (t1 << 56), (t1 >> 8) | (t2 << 48), (t2 >> 16) | (t3 << 40), (t3 >> 24) | (t4 << 32), (t4 >> 32) | (t5 << 24), (t5 >> 40) | (t6 << 16));
    }

    /// <summary>
    /// a^2·2^-384 mod p (BMI2, radix 2^56): cross products once and doubled; both operands in the plain
    /// limb form, so the reduction divides by 2^384 directly (six 56-bit rounds and a 48-bit one).
    /// </summary>
    public static void SquareBmi2(out Fp r, in Fp a)
    {
        ulong a0 = a.L0 & Mask56;
        ulong a1 = ((a.L0 >> 56) | (a.L1 << 8)) & Mask56;
        ulong a2 = ((a.L1 >> 48) | (a.L2 << 16)) & Mask56;
        ulong a3 = ((a.L2 >> 40) | (a.L3 << 24)) & Mask56;
        ulong a4 = ((a.L3 >> 32) | (a.L4 << 32)) & Mask56;
        ulong a5 = ((a.L4 >> 24) | (a.L5 << 40)) & Mask56;
        ulong a6 = a.L5 >> 16;
        ulong A0 = a0 << 8, A1 = a1 << 8, A2 = a2 << 8, A3 = a3 << 8, A4 = a4 << 8, A5 = a5 << 8, A6 = a6 << 8;
        ulong t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0, t6 = 0, t7 = 0, t8 = 0, t9 = 0, t10 = 0, t11 = 0, t12 = 0, t13 = 0, h, m;
        h = Bmi2.X64.MultiplyNoFlags(a0, A1); t1 += (a0 * A1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(a0, A2); t2 += (a0 * A2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(a0, A3); t3 += (a0 * A3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(a0, A4); t4 += (a0 * A4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(a0, A5); t5 += (a0 * A5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(a0, A6); t6 += (a0 * A6) >> 8; t7 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, A2); t3 += (a1 * A2) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, A3); t4 += (a1 * A3) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, A4); t5 += (a1 * A4) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, A5); t6 += (a1 * A5) >> 8; t7 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, A6); t7 += (a1 * A6) >> 8; t8 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, A3); t5 += (a2 * A3) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, A4); t6 += (a2 * A4) >> 8; t7 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, A5); t7 += (a2 * A5) >> 8; t8 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, A6); t8 += (a2 * A6) >> 8; t9 += h;
        h = Bmi2.X64.MultiplyNoFlags(a3, A4); t7 += (a3 * A4) >> 8; t8 += h;
        h = Bmi2.X64.MultiplyNoFlags(a3, A5); t8 += (a3 * A5) >> 8; t9 += h;
        h = Bmi2.X64.MultiplyNoFlags(a3, A6); t9 += (a3 * A6) >> 8; t10 += h;
        h = Bmi2.X64.MultiplyNoFlags(a4, A5); t9 += (a4 * A5) >> 8; t10 += h;
        h = Bmi2.X64.MultiplyNoFlags(a4, A6); t10 += (a4 * A6) >> 8; t11 += h;
        h = Bmi2.X64.MultiplyNoFlags(a5, A6); t11 += (a5 * A6) >> 8; t12 += h;
        t1 <<= 1; t2 <<= 1; t3 <<= 1; t4 <<= 1; t5 <<= 1; t6 <<= 1; t7 <<= 1; t8 <<= 1; t9 <<= 1; t10 <<= 1; t11 <<= 1; t12 <<= 1; t13 <<= 1;
        h = Bmi2.X64.MultiplyNoFlags(a0, A0); t0 += (a0 * A0) >> 8; t1 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, A1); t2 += (a1 * A1) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, A2); t4 += (a2 * A2) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(a3, A3); t6 += (a3 * A3) >> 8; t7 += h;
        h = Bmi2.X64.MultiplyNoFlags(a4, A4); t8 += (a4 * A4) >> 8; t9 += h;
        h = Bmi2.X64.MultiplyNoFlags(a5, A5); t10 += (a5 * A5) >> 8; t11 += h;
        h = Bmi2.X64.MultiplyNoFlags(a6, A6); t12 += (a6 * A6) >> 8; t13 += h;
        m = (t0 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); t1 += h + ((t0 + Mask56) >> 56);
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); t1 += (m * Pb1) >> 8; t2 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); t2 += (m * Pb2) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); t3 += (m * Pb3) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); t4 += (m * Pb4) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); t5 += (m * Pb5) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); t6 += (m * Pb6) >> 8; t7 += h;
        m = (t1 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); t2 += h + ((t1 + Mask56) >> 56);
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); t2 += (m * Pb1) >> 8; t3 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); t3 += (m * Pb2) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); t4 += (m * Pb3) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); t5 += (m * Pb4) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); t6 += (m * Pb5) >> 8; t7 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); t7 += (m * Pb6) >> 8; t8 += h;
        m = (t2 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); t3 += h + ((t2 + Mask56) >> 56);
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); t3 += (m * Pb1) >> 8; t4 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); t4 += (m * Pb2) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); t5 += (m * Pb3) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); t6 += (m * Pb4) >> 8; t7 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); t7 += (m * Pb5) >> 8; t8 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); t8 += (m * Pb6) >> 8; t9 += h;
        m = (t3 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); t4 += h + ((t3 + Mask56) >> 56);
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); t4 += (m * Pb1) >> 8; t5 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); t5 += (m * Pb2) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); t6 += (m * Pb3) >> 8; t7 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); t7 += (m * Pb4) >> 8; t8 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); t8 += (m * Pb5) >> 8; t9 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); t9 += (m * Pb6) >> 8; t10 += h;
        m = (t4 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); t5 += h + ((t4 + Mask56) >> 56);
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); t5 += (m * Pb1) >> 8; t6 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); t6 += (m * Pb2) >> 8; t7 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); t7 += (m * Pb3) >> 8; t8 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); t8 += (m * Pb4) >> 8; t9 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); t9 += (m * Pb5) >> 8; t10 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); t10 += (m * Pb6) >> 8; t11 += h;
        m = (t5 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); t6 += h + ((t5 + Mask56) >> 56);
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); t6 += (m * Pb1) >> 8; t7 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); t7 += (m * Pb2) >> 8; t8 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); t8 += (m * Pb3) >> 8; t9 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); t9 += (m * Pb4) >> 8; t10 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); t10 += (m * Pb5) >> 8; t11 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); t11 += (m * Pb6) >> 8; t12 += h;
        m = (t6 * Inv56) & Mask48;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); t6 += (m * Pb0) >> 8; t7 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); t7 += (m * Pb1) >> 8; t8 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); t8 += (m * Pb2) >> 8; t9 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); t9 += (m * Pb3) >> 8; t10 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); t10 += (m * Pb4) >> 8; t11 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); t11 += (m * Pb5) >> 8; t12 += h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); t12 += (m * Pb6) >> 8; t13 += h;
        t7 += t6 >> 56; t6 &= Mask56;
        t8 += t7 >> 56; t7 &= Mask56;
        t9 += t8 >> 56; t8 &= Mask56;
        t10 += t9 >> 56; t9 &= Mask56;
        t11 += t10 >> 56; t10 &= Mask56;
        t12 += t11 >> 56; t11 &= Mask56;
        t13 += t12 >> 56; t12 &= Mask56;
        Reduce(out r, (t6 >> 48) | (t7 << 8), t8 | (t9 << 56), (t9 >> 8) | (t10 << 48), (t10 >> 16) | (t11 << 40), (t11 >> 24) | (t12 << 32), (t12 >> 32) | (t13 << 24));
    }

    /// <summary>The 14 unreduced radix-2^56 columns of a·b·2^8 (a, b &lt; 2^384), for Karatsuba sums.</summary>
    public static void ProductColumns(out Columns r, in Fp a, in Fp b)
    {
        ulong a0 = a.L0 & Mask56;
        ulong a1 = ((a.L0 >> 56) | (a.L1 << 8)) & Mask56;
        ulong a2 = ((a.L1 >> 48) | (a.L2 << 16)) & Mask56;
        ulong a3 = ((a.L2 >> 40) | (a.L3 << 24)) & Mask56;
        ulong a4 = ((a.L3 >> 32) | (a.L4 << 32)) & Mask56;
        ulong a5 = ((a.L4 >> 24) | (a.L5 << 40)) & Mask56;
        ulong a6 = a.L5 >> 16;
        ulong b0 = b.L0 << 16;
        ulong b1 = ((b.L0 >> 40) | (b.L1 << 24)) & 0xffffffffffffff00UL;
        ulong b2 = ((b.L1 >> 32) | (b.L2 << 32)) & 0xffffffffffffff00UL;
        ulong b3 = ((b.L2 >> 24) | (b.L3 << 40)) & 0xffffffffffffff00UL;
        ulong b4 = ((b.L3 >> 16) | (b.L4 << 48)) & 0xffffffffffffff00UL;
        ulong b5 = ((b.L4 >> 8) | (b.L5 << 56)) & 0xffffffffffffff00UL;
        ulong b6 = b.L5 & 0xffffffffffffff00UL;
        ulong h;
        ulong T0 = 0, T1 = 0, T2 = 0, T3 = 0, T4 = 0, T5 = 0, T6 = 0, T7 = 0, T8 = 0, T9 = 0, T10 = 0, T11 = 0, T12 = 0, T13 = 0;
        h = Bmi2.X64.MultiplyNoFlags(a0, b0); T0 += (a0 * b0) >> 8; T1 += h;
        h = Bmi2.X64.MultiplyNoFlags(a0, b1); T1 += (a0 * b1) >> 8; T2 += h;
        h = Bmi2.X64.MultiplyNoFlags(a0, b2); T2 += (a0 * b2) >> 8; T3 += h;
        h = Bmi2.X64.MultiplyNoFlags(a0, b3); T3 += (a0 * b3) >> 8; T4 += h;
        h = Bmi2.X64.MultiplyNoFlags(a0, b4); T4 += (a0 * b4) >> 8; T5 += h;
        h = Bmi2.X64.MultiplyNoFlags(a0, b5); T5 += (a0 * b5) >> 8; T6 += h;
        h = Bmi2.X64.MultiplyNoFlags(a0, b6); T6 += (a0 * b6) >> 8; T7 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, b0); T1 += (a1 * b0) >> 8; T2 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, b1); T2 += (a1 * b1) >> 8; T3 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, b2); T3 += (a1 * b2) >> 8; T4 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, b3); T4 += (a1 * b3) >> 8; T5 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, b4); T5 += (a1 * b4) >> 8; T6 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, b5); T6 += (a1 * b5) >> 8; T7 += h;
        h = Bmi2.X64.MultiplyNoFlags(a1, b6); T7 += (a1 * b6) >> 8; T8 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, b0); T2 += (a2 * b0) >> 8; T3 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, b1); T3 += (a2 * b1) >> 8; T4 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, b2); T4 += (a2 * b2) >> 8; T5 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, b3); T5 += (a2 * b3) >> 8; T6 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, b4); T6 += (a2 * b4) >> 8; T7 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, b5); T7 += (a2 * b5) >> 8; T8 += h;
        h = Bmi2.X64.MultiplyNoFlags(a2, b6); T8 += (a2 * b6) >> 8; T9 += h;
        h = Bmi2.X64.MultiplyNoFlags(a3, b0); T3 += (a3 * b0) >> 8; T4 += h;
        h = Bmi2.X64.MultiplyNoFlags(a3, b1); T4 += (a3 * b1) >> 8; T5 += h;
        h = Bmi2.X64.MultiplyNoFlags(a3, b2); T5 += (a3 * b2) >> 8; T6 += h;
        h = Bmi2.X64.MultiplyNoFlags(a3, b3); T6 += (a3 * b3) >> 8; T7 += h;
        h = Bmi2.X64.MultiplyNoFlags(a3, b4); T7 += (a3 * b4) >> 8; T8 += h;
        h = Bmi2.X64.MultiplyNoFlags(a3, b5); T8 += (a3 * b5) >> 8; T9 += h;
        h = Bmi2.X64.MultiplyNoFlags(a3, b6); T9 += (a3 * b6) >> 8; T10 += h;
        h = Bmi2.X64.MultiplyNoFlags(a4, b0); T4 += (a4 * b0) >> 8; T5 += h;
        h = Bmi2.X64.MultiplyNoFlags(a4, b1); T5 += (a4 * b1) >> 8; T6 += h;
        h = Bmi2.X64.MultiplyNoFlags(a4, b2); T6 += (a4 * b2) >> 8; T7 += h;
        h = Bmi2.X64.MultiplyNoFlags(a4, b3); T7 += (a4 * b3) >> 8; T8 += h;
        h = Bmi2.X64.MultiplyNoFlags(a4, b4); T8 += (a4 * b4) >> 8; T9 += h;
        h = Bmi2.X64.MultiplyNoFlags(a4, b5); T9 += (a4 * b5) >> 8; T10 += h;
        h = Bmi2.X64.MultiplyNoFlags(a4, b6); T10 += (a4 * b6) >> 8; T11 += h;
        h = Bmi2.X64.MultiplyNoFlags(a5, b0); T5 += (a5 * b0) >> 8; T6 += h;
        h = Bmi2.X64.MultiplyNoFlags(a5, b1); T6 += (a5 * b1) >> 8; T7 += h;
        h = Bmi2.X64.MultiplyNoFlags(a5, b2); T7 += (a5 * b2) >> 8; T8 += h;
        h = Bmi2.X64.MultiplyNoFlags(a5, b3); T8 += (a5 * b3) >> 8; T9 += h;
        h = Bmi2.X64.MultiplyNoFlags(a5, b4); T9 += (a5 * b4) >> 8; T10 += h;
        h = Bmi2.X64.MultiplyNoFlags(a5, b5); T10 += (a5 * b5) >> 8; T11 += h;
        h = Bmi2.X64.MultiplyNoFlags(a5, b6); T11 += (a5 * b6) >> 8; T12 += h;
        h = Bmi2.X64.MultiplyNoFlags(a6, b0); T6 += (a6 * b0) >> 8; T7 += h;
        h = Bmi2.X64.MultiplyNoFlags(a6, b1); T7 += (a6 * b1) >> 8; T8 += h;
        h = Bmi2.X64.MultiplyNoFlags(a6, b2); T8 += (a6 * b2) >> 8; T9 += h;
        h = Bmi2.X64.MultiplyNoFlags(a6, b3); T9 += (a6 * b3) >> 8; T10 += h;
        h = Bmi2.X64.MultiplyNoFlags(a6, b4); T10 += (a6 * b4) >> 8; T11 += h;
        h = Bmi2.X64.MultiplyNoFlags(a6, b5); T11 += (a6 * b5) >> 8; T12 += h;
        h = Bmi2.X64.MultiplyNoFlags(a6, b6); T12 += (a6 * b6) >> 8; T13 += h;
        r.C0 = (long)T0;
        r.C1 = (long)T1;
        r.C2 = (long)T2;
        r.C3 = (long)T3;
        r.C4 = (long)T4;
        r.C5 = (long)T5;
        r.C6 = (long)T6;
        r.C7 = (long)T7;
        r.C8 = (long)T8;
        r.C9 = (long)T9;
        r.C10 = (long)T10;
        r.C11 = (long)T11;
        r.C12 = (long)T12;
        r.C13 = (long)T13;
    }

    /// <summary>
    /// (x + y - z - w)·2^-392 mod p for column sets whose signed sum is non-negative and below 2p·2^392
    /// (Montgomery reduction of signed columns; one conditional subtraction at the end).
    /// </summary>
    public static void ReduceColumns(out Fp r, in Columns x, in Columns y, in Columns z, in Columns w)
    {
        long e0 = x.C0 + y.C0 - z.C0 - w.C0;
        long e1 = x.C1 + y.C1 - z.C1 - w.C1;
        long e2 = x.C2 + y.C2 - z.C2 - w.C2;
        long e3 = x.C3 + y.C3 - z.C3 - w.C3;
        long e4 = x.C4 + y.C4 - z.C4 - w.C4;
        long e5 = x.C5 + y.C5 - z.C5 - w.C5;
        long e6 = x.C6 + y.C6 - z.C6 - w.C6;
        long e7 = x.C7 + y.C7 - z.C7 - w.C7;
        long e8 = x.C8 + y.C8 - z.C8 - w.C8;
        long e9 = x.C9 + y.C9 - z.C9 - w.C9;
        long e10 = x.C10 + y.C10 - z.C10 - w.C10;
        long e11 = x.C11 + y.C11 - z.C11 - w.C11;
        long e12 = x.C12 + y.C12 - z.C12 - w.C12;
        long e13 = x.C13 + y.C13 - z.C13 - w.C13;
        ulong h, m;
        m = ((ulong)e0 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); e1 += (long)h + ((e0 + (long)Mask56) >> 56);
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); e1 += (long)((m * Pb1) >> 8); e2 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); e2 += (long)((m * Pb2) >> 8); e3 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); e3 += (long)((m * Pb3) >> 8); e4 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); e4 += (long)((m * Pb4) >> 8); e5 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); e5 += (long)((m * Pb5) >> 8); e6 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); e6 += (long)((m * Pb6) >> 8); e7 += (long)h;
        m = ((ulong)e1 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); e2 += (long)h + ((e1 + (long)Mask56) >> 56);
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); e2 += (long)((m * Pb1) >> 8); e3 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); e3 += (long)((m * Pb2) >> 8); e4 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); e4 += (long)((m * Pb3) >> 8); e5 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); e5 += (long)((m * Pb4) >> 8); e6 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); e6 += (long)((m * Pb5) >> 8); e7 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); e7 += (long)((m * Pb6) >> 8); e8 += (long)h;
        m = ((ulong)e2 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); e3 += (long)h + ((e2 + (long)Mask56) >> 56);
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); e3 += (long)((m * Pb1) >> 8); e4 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); e4 += (long)((m * Pb2) >> 8); e5 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); e5 += (long)((m * Pb3) >> 8); e6 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); e6 += (long)((m * Pb4) >> 8); e7 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); e7 += (long)((m * Pb5) >> 8); e8 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); e8 += (long)((m * Pb6) >> 8); e9 += (long)h;
        m = ((ulong)e3 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); e4 += (long)h + ((e3 + (long)Mask56) >> 56);
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); e4 += (long)((m * Pb1) >> 8); e5 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); e5 += (long)((m * Pb2) >> 8); e6 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); e6 += (long)((m * Pb3) >> 8); e7 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); e7 += (long)((m * Pb4) >> 8); e8 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); e8 += (long)((m * Pb5) >> 8); e9 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); e9 += (long)((m * Pb6) >> 8); e10 += (long)h;
        m = ((ulong)e4 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); e5 += (long)h + ((e4 + (long)Mask56) >> 56);
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); e5 += (long)((m * Pb1) >> 8); e6 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); e6 += (long)((m * Pb2) >> 8); e7 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); e7 += (long)((m * Pb3) >> 8); e8 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); e8 += (long)((m * Pb4) >> 8); e9 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); e9 += (long)((m * Pb5) >> 8); e10 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); e10 += (long)((m * Pb6) >> 8); e11 += (long)h;
        m = ((ulong)e5 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); e6 += (long)h + ((e5 + (long)Mask56) >> 56);
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); e6 += (long)((m * Pb1) >> 8); e7 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); e7 += (long)((m * Pb2) >> 8); e8 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); e8 += (long)((m * Pb3) >> 8); e9 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); e9 += (long)((m * Pb4) >> 8); e10 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); e10 += (long)((m * Pb5) >> 8); e11 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); e11 += (long)((m * Pb6) >> 8); e12 += (long)h;
        m = ((ulong)e6 * Inv56) & Mask56;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); e7 += (long)h + ((e6 + (long)Mask56) >> 56);
        h = Bmi2.X64.MultiplyNoFlags(m, Pb1); e7 += (long)((m * Pb1) >> 8); e8 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb2); e8 += (long)((m * Pb2) >> 8); e9 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb3); e9 += (long)((m * Pb3) >> 8); e10 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb4); e10 += (long)((m * Pb4) >> 8); e11 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb5); e11 += (long)((m * Pb5) >> 8); e12 += (long)h;
        h = Bmi2.X64.MultiplyNoFlags(m, Pb6); e12 += (long)((m * Pb6) >> 8); e13 += (long)h;
        e8 += e7 >> 56; e7 &= (long)Mask56;
        e9 += e8 >> 56; e8 &= (long)Mask56;
        e10 += e9 >> 56; e9 &= (long)Mask56;
        e11 += e10 >> 56; e10 &= (long)Mask56;
        e12 += e11 >> 56; e11 &= (long)Mask56;
        e13 += e12 >> 56; e12 &= (long)Mask56;
        Reduce(out r, (ulong)e7 | ((ulong)e8 << 56), ((ulong)e8 >> 8) | ((ulong)e9 << 48), ((ulong)e9 >> 16) | ((ulong)e10 << 40), ((ulong)e10 >> 24) | ((ulong)e11 << 32), ((ulong)e11 >> 32) | ((ulong)e12 << 24), ((ulong)e12 >> 40) | ((ulong)e13 << 16));
    }

    /// <summary>Fourteen signed radix-2^56 columns of an unreduced product.</summary>
    internal struct Columns
    {
        public long C0, C1, C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12, C13;

        public static readonly Columns Zero = default;

        /// <summary>4p²·2^8: a multiple of p above a·b·2^8 for a, b &lt; 2p, added to make a difference non-negative.</summary>
        public static readonly Columns FourPSquared = new()
        {
            C0 = 0x71c638e400L,
            C1 = 0x75d8e0baac9aa8L,
            C2 = 0x8844f3f5f3b5acL,
            C3 = 0xc6dd0c58b0ce0dL,
            C4 = 0x81259afe47b4f9L,
            C5 = 0xeca4ba16a1c246L,
            C6 = 0x75a18672186171L,
            C7 = 0xc524cc25e3bc04L,
            C8 = 0xb3f45b7729bbd4L,
            C9 = 0x24d27a2f414298L,
            C10 = 0x39c11ad19b9679L,
            C11 = 0xbc97a78b724394L,
            C12 = 0x7f1d2f49e3aa88L,
            C13 = 0xa90de92e30dL,
        };

        /// <summary>−4p²·2^8, for adding the offset through a subtracted slot of <see cref="ReduceColumns"/>.</summary>
        public static readonly Columns MinusFourPSquared = Negate(FourPSquared);

        private static Columns Negate(in Columns a)
        {
            Combine(out Columns r, Zero, Zero, a, Zero);
            return r;
        }

        /// <summary>re = t − u and im = v − t − u in one pass (the two halves of a Karatsuba Fp2 product).</summary>
        public static void Karatsuba(out Columns re, out Columns im, in Columns t, in Columns u, in Columns v)
        {
            long d;
            d = t.C0 + u.C0; re.C0 = t.C0 - u.C0; im.C0 = v.C0 - d;
            d = t.C1 + u.C1; re.C1 = t.C1 - u.C1; im.C1 = v.C1 - d;
            d = t.C2 + u.C2; re.C2 = t.C2 - u.C2; im.C2 = v.C2 - d;
            d = t.C3 + u.C3; re.C3 = t.C3 - u.C3; im.C3 = v.C3 - d;
            d = t.C4 + u.C4; re.C4 = t.C4 - u.C4; im.C4 = v.C4 - d;
            d = t.C5 + u.C5; re.C5 = t.C5 - u.C5; im.C5 = v.C5 - d;
            d = t.C6 + u.C6; re.C6 = t.C6 - u.C6; im.C6 = v.C6 - d;
            d = t.C7 + u.C7; re.C7 = t.C7 - u.C7; im.C7 = v.C7 - d;
            d = t.C8 + u.C8; re.C8 = t.C8 - u.C8; im.C8 = v.C8 - d;
            d = t.C9 + u.C9; re.C9 = t.C9 - u.C9; im.C9 = v.C9 - d;
            d = t.C10 + u.C10; re.C10 = t.C10 - u.C10; im.C10 = v.C10 - d;
            d = t.C11 + u.C11; re.C11 = t.C11 - u.C11; im.C11 = v.C11 - d;
            d = t.C12 + u.C12; re.C12 = t.C12 - u.C12; im.C12 = v.C12 - d;
            d = t.C13 + u.C13; re.C13 = t.C13 - u.C13; im.C13 = v.C13 - d;
        }

        /// <summary>r = a + b − c − d column by column (wrapping; callers bound the final columns).</summary>
        public static void Combine(out Columns r, in Columns a, in Columns b, in Columns c, in Columns d)
        {
            r.C0 = a.C0 + b.C0 - c.C0 - d.C0;
            r.C1 = a.C1 + b.C1 - c.C1 - d.C1;
            r.C2 = a.C2 + b.C2 - c.C2 - d.C2;
            r.C3 = a.C3 + b.C3 - c.C3 - d.C3;
            r.C4 = a.C4 + b.C4 - c.C4 - d.C4;
            r.C5 = a.C5 + b.C5 - c.C5 - d.C5;
            r.C6 = a.C6 + b.C6 - c.C6 - d.C6;
            r.C7 = a.C7 + b.C7 - c.C7 - d.C7;
            r.C8 = a.C8 + b.C8 - c.C8 - d.C8;
            r.C9 = a.C9 + b.C9 - c.C9 - d.C9;
            r.C10 = a.C10 + b.C10 - c.C10 - d.C10;
            r.C11 = a.C11 + b.C11 - c.C11 - d.C11;
            r.C12 = a.C12 + b.C12 - c.C12 - d.C12;
            r.C13 = a.C13 + b.C13 - c.C13 - d.C13;
        }
    }
}
