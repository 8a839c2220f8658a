using System.Numerics;
using Cirrus.Crypto.Bls12381;

namespace Cirrus.Crypto.Tests;

public class FieldTests
{
    private static readonly BigInteger P = Limbs.P;

    private static BigInteger RandBig(Random rng)
    {
        byte[] b = new byte[49];
        rng.NextBytes(b);
        b[48] = 0;
        return new BigInteger(b) % P;
    }

    internal static Fp2 RandFp2(Random rng) => new(Limbs.FpFromBig(RandBig(rng)), Limbs.FpFromBig(RandBig(rng)));

    internal static Fp12 RandFp12(Random rng) => new(
        new Fp6(RandFp2(rng), RandFp2(rng), RandFp2(rng)),
        new Fp6(RandFp2(rng), RandFp2(rng), RandFp2(rng)));

    [Fact]
    public void FpArithmeticMatchesBigInteger()
    {
        var rng = new Random(1);
        var edge = new[] { BigInteger.Zero, BigInteger.One, P - 1, P - 2, (P - 1) / 2, BigInteger.Pow(2, 380) };
        for (int i = 0; i < 300; i++)
        {
            BigInteger a = i < edge.Length ? edge[i] : RandBig(rng);
            BigInteger b = i < edge.Length ? edge[(i + 2) % edge.Length] : RandBig(rng);
            Fp fa = Limbs.FpFromBig(a), fb = Limbs.FpFromBig(b);
            Assert.Equal(a * b % P, Limbs.ToBig(fa * fb));
            Assert.Equal((a + b) % P, Limbs.ToBig(fa + fb));
            Assert.Equal(((a - b) % P + P) % P, Limbs.ToBig(fa - fb));
            Assert.Equal((P - a) % P, Limbs.ToBig(-fa));
            Assert.Equal(a * a % P, Limbs.ToBig(fa.Square()));
            Fp.Halve(out Fp half, fa);
            Assert.Equal(a, Limbs.ToBig(half + half));
            Fp.MulPortable(out Fp portable, fa, fb);
            Assert.Equal(a * b % P, Limbs.ToBig(portable));
            if (System.Runtime.Intrinsics.X86.Bmi2.X64.IsSupported)
            {
                Fp.MulBmi2(out Fp fast, fa, fb);
                Assert.Equal(portable, fast);
                // Sum of two products with one reduction, including the largest operands (p - 1).
                BigInteger c = i < edge.Length ? P - 1 : RandBig(rng);
                Fp fc = Limbs.FpFromBig(c);
                Fp.SquareBmi2(out Fp sq, fa);
                Assert.Equal(a * a % P, Limbs.ToBig(sq));
                Fp.SumOfProductsBmi2(out Fp sop, fa, fb, fc, fc);
                Assert.Equal((a * b + c * c) % P, Limbs.ToBig(sop));
            }
            if (i < 40 && a != 0)
            {
                Assert.Equal(BigInteger.ModPow(a, P - 2, P), Limbs.ToBig(fa.Inverse()));
                Assert.Equal(fa.Inverse(), fa.InverseCt());
                bool sq = BigInteger.ModPow(a, (P - 1) / 2, P) == 1;
                Assert.Equal(sq, fa.IsSquare());
                Assert.Equal(sq, fa.TrySqrt(out Fp root));
                if (sq) Assert.Equal(a, Limbs.ToBig(root * root));
            }
        }
    }

    /// <summary>Values whose limbs make long carry and borrow chains, plus the usual edges.</summary>
    private static List<BigInteger> EdgeValues()
    {
        var v = new List<BigInteger> { 0, 1, 2, 3, P - 1, P - 2, P - 3, (P - 1) / 2, (P + 1) / 2 };
        for (int k = 0; k < 381; k += 29) v.Add(BigInteger.Pow(2, k));
        for (int k = 64; k <= 320; k += 64)
        {
            v.Add(BigInteger.Pow(2, k) - 1); // all-ones low limbs
            v.Add(BigInteger.Pow(2, k));
            v.Add(P - BigInteger.Pow(2, k));
            v.Add(P - BigInteger.Pow(2, k) + 1);
        }
        v.Add(BigInteger.Pow(2, 380) + BigInteger.Pow(2, 379));
        return v;
    }

    [Fact]
    public void FpAddSubNegHalveOnCarryEdges()
    {
        var rng = new Random(11);
        List<BigInteger> vals = EdgeValues();
        for (int i = 0; i < 60; i++) vals.Add(RandBig(rng));
        foreach (BigInteger a in vals)
        {
            Fp fa = Limbs.FpFromBig(a);
            Assert.Equal((P - a) % P, Limbs.ToBig(-fa));
            Fp.Halve(out Fp half, fa);
            Assert.Equal(a * ((P + 1) / 2) % P, Limbs.ToBig(half));
            Fp.Double(out Fp dbl, fa);
            Assert.Equal(2 * a % P, Limbs.ToBig(dbl));
            foreach (BigInteger b in vals)
            {
                Fp fb = Limbs.FpFromBig(b);
                Assert.Equal((a + b) % P, Limbs.ToBig(fa + fb));
                Assert.Equal(((a - b) % P + P) % P, Limbs.ToBig(fa - fb));
                // The same sums on the stored (Montgomery) limbs directly, where the edges are in the limbs.
                Fp ra = RawFp(a), rb = RawFp(b);
                Assert.Equal((a + b) % P, RawBig(ra + rb));
                Assert.Equal(((a - b) % P + P) % P, RawBig(ra - rb));
                Fp.AddUnreduced(out Fp su, ra, rb);
                Assert.Equal(a + b, RawBig(su));
                Fp.SubPlusPUnreduced(out Fp sd, ra, rb);
                Assert.Equal(a - b + P, RawBig(sd));
            }
            Fp r = RawFp(a);
            Assert.Equal((P - a) % P, RawBig(-r));
        }
    }

    private static Fp RawFp(BigInteger v)
    {
        ulong[] l = Limbs.From(v, 6);
        return new Fp(l[0], l[1], l[2], l[3], l[4], l[5]);
    }

    private static BigInteger RawBig(in Fp a)
    {
        BigInteger r = a.L5;
        r = (r << 64) | a.L4; r = (r << 64) | a.L3; r = (r << 64) | a.L2; r = (r << 64) | a.L1; r = (r << 64) | a.L0;
        return r;
    }

    [Fact]
    public void RadixProductsOnLimbEdges()
    {
        if (!System.Runtime.Intrinsics.X86.Bmi2.X64.IsSupported) return;
        BigInteger rInv = BigInteger.ModPow(BigInteger.Pow(2, 384), P - 2, P);
        var rng = new Random(13);
        List<BigInteger> vals = EdgeValues();
        for (int i = 0; i < 8; i++) vals.Add(RandBig(rng));
        // The single products and the sum of two accept operands below 2p.
        var wide = new List<BigInteger>(vals) { 2 * P - 1, P, P + 1, P + BigInteger.Pow(2, 320) - 1 };
        foreach (BigInteger a in wide)
            foreach (BigInteger b in wide)
            {
                Fp ra = RawFp(a), rb = RawFp(b);
                Fp.MulBmi2(out Fp m, ra, rb);
                Assert.Equal(a * b * rInv % P, RawBig(m));
                Fp.SumOfProductsBmi2(out Fp sop, ra, rb, rb, rb);
                Assert.Equal((a * b + b * b) * rInv % P, RawBig(sop));
            }
        foreach (BigInteger a in wide)
        {
            Fp.SquareBmi2(out Fp sq, RawFp(a));
            Assert.Equal(a * a * rInv % P, RawBig(sq));
        }
        // The Fp2 product (Karatsuba on unreduced columns) takes reduced operands.
        for (int i = 0; i < vals.Count; i++)
            for (int j = 0; j < vals.Count; j++)
            {
                BigInteger a0 = vals[i], a1 = vals[j], b0 = vals[(i + j) % vals.Count], b1 = vals[(i * 7 + j) % vals.Count];
                Fp2.Mul(out Fp2 c, new Fp2(RawFp(a0), RawFp(a1)), new Fp2(RawFp(b0), RawFp(b1)));
                Assert.Equal(((a0 * b0 - a1 * b1) * rInv % P + P) % P, RawBig(c.C0));
                Assert.Equal((a0 * b1 + a1 * b0) * rInv % P, RawBig(c.C1));
                Fp.ProductColumns(out Fp.Columns t, RawFp(a0), RawFp(b0));
                Fp.ReduceColumns(out Fp single, t, Fp.Columns.Zero, Fp.Columns.Zero, Fp.Columns.Zero);
                Assert.Equal(a0 * b0 * rInv % P, RawBig(single));
            }
    }

    [Fact]
    public void FpPowMatchesBigInteger()
    {
        var rng = new Random(14);
        BigInteger a = RandBig(rng);
        Fp fa = Limbs.FpFromBig(a);
        var exps = new List<BigInteger> { 0, 1, 2, 3, 31, 32, 33, BigInteger.Pow(2, 64), BigInteger.Pow(2, 64) - 1, BigInteger.Pow(2, 383) + 1, P - 2, (P + 1) / 4 };
        for (int i = 0; i < 20; i++) exps.Add(RandBig(rng) >> rng.Next(0, 380));
        foreach (BigInteger e in exps)
        {
            ulong[] limbs = Limbs.From(e, 6);
            Assert.Equal(BigInteger.ModPow(a, e, P), Limbs.ToBig(fa.Pow(limbs)));
        }
    }

    [Fact]
    public void FpInverseMatchesFermat()
    {
        var rng = new Random(12);
        List<BigInteger> vals = EdgeValues();
        for (int i = 0; i < 400; i++) vals.Add(RandBig(rng));
        foreach (BigInteger a in vals)
        {
            Fp fa = Limbs.FpFromBig(a);
            BigInteger expected = a == 0 ? 0 : BigInteger.ModPow(a, P - 2, P);
            Assert.Equal(expected, Limbs.ToBig(fa.Inverse()));
            // Stored limbs equal to the edge value itself (the divsteps see these limbs).
            Fp raw = RawFp(a);
            Assert.Equal(raw.InverseCt(), raw.Inverse());
        }
        Assert.True(Fp.Zero.Inverse().IsZero);
        Assert.True(Fp.One.Inverse().IsOne);
    }

    [Fact]
    public void FpBytesRoundTripAndRange()
    {
        var rng = new Random(2);
        Span<byte> buf = stackalloc byte[48];
        for (int i = 0; i < 50; i++)
        {
            Fp a = Limbs.FpFromBig(RandBig(rng));
            a.ToBytes(buf);
            Assert.True(Fp.TryFromBytes(buf, out Fp b));
            Assert.Equal(a, b);
        }
        byte[] pBytes = P.ToByteArray(isUnsigned: true, isBigEndian: true);
        Assert.False(Fp.TryFromBytes(pBytes, out _));
        byte[] ones = Enumerable.Repeat((byte)0xff, 48).ToArray();
        Assert.False(Fp.TryFromBytes(ones, out _));
    }

    [Fact]
    public void FpWideReduction()
    {
        var rng = new Random(3);
        byte[] wide = new byte[64];
        for (int i = 0; i < 50; i++)
        {
            rng.NextBytes(wide);
            if (i == 0) Array.Fill(wide, (byte)0xff);
            BigInteger v = new(wide, isUnsigned: true, isBigEndian: true);
            Assert.Equal(v % P, Limbs.ToBig(Fp.FromBytesWide(wide)));
        }
    }

    private static Fp12 Decompressed(Fp12 x)
    {
        Span<Fp12> one = [x];
        Assert.True(Fp12.TryDecompress(one));
        return one[0];
    }

    [Fact]
    public void KarabinaDecompressionRefusesZeroDenominator()
    {
        var rng = new Random(9);
        Fp12 x = RandFp12(rng);
        x.C1.C0 = Fp2.Zero;
        Span<Fp12> xs = [RandFp12(rng), x];
        Assert.False(Fp12.TryDecompress(xs));
        // 1 compresses to zeros: CycExpX falls back to plain squaring and still gets 1.
        Assert.True(Pairing.CycExpX(Fp12.One).IsOne);
    }

    [Fact]
    public void Fp2InverseAndSqrt()
    {
        var rng = new Random(4);
        int squares = 0;
        for (int i = 0; i < 100; i++)
        {
            Fp2 a = RandFp2(rng);
            Assert.True((a * a.Inverse()).IsOne);
            Assert.Equal(a.Square(), a * a);
            Fp2 b = RandFp2(rng);
            Fp2.MulPortable(out Fp2 portable, a, b);
            Assert.Equal(portable, a * b);
            Fp2.SquarePortable(out Fp2 sqp, a);
            Assert.Equal(sqp, a.Square());
            foreach (Fp2 e in new[] { new Fp2(-Fp.One, -Fp.One), new Fp2(Fp.Zero, -Fp.One), new Fp2(-Fp.One, Fp.Zero), new Fp2(Fp.One, -Fp.One), new Fp2(-Fp.One, a.C1) })
            {
                Fp2.SquarePortable(out Fp2 ep, e);
                Assert.Equal(ep, e.Square());
                Fp2.MulPortable(out Fp2 em, e, e);
                Assert.Equal(em, e.Square());
            }
            Fp2 edge = new(-Fp.One, -Fp.One);
            Fp2.MulPortable(out Fp2 pe, edge, edge);
            Assert.Equal(pe, edge * edge);
            Fp2.MulPortable(out pe, edge, b);
            Assert.Equal(pe, edge * b);
            Fp2 mixed = new(Fp.One, -Fp.One);
            Fp2.MulPortable(out pe, mixed, edge);
            Assert.Equal(pe, mixed * edge);
            Fp2 s = a.Square();
            Assert.True(s.IsSquare());
            Assert.True(s.TrySqrt(out Fp2 r));
            Assert.Equal(s, r.Square());
            if (a.IsSquare()) squares++;
            Assert.Equal(a.IsSquare(), a.TrySqrt(out _));
        }
        Assert.InRange(squares, 25, 75);
    }

    [Fact]
    public void Fp12TowerIdentities()
    {
        var rng = new Random(5);
        for (int i = 0; i < 5; i++)
        {
            Fp12 a = RandFp12(rng), b = RandFp12(rng);
            Assert.True((a * a.Inverse()).IsOne);
            Assert.Equal(a * a, a.Square());
            Assert.Equal(a.C0 * a.C0, a.C0.Square());
            Assert.Equal(a * b, b * a);
            // Frobenius is the p-power map: check f^p via 12 Frobenius = identity and multiplicativity.
            Fp12 f = a;
            for (int k = 0; k < 12; k++) f = f.Frobenius();
            Assert.Equal(a, f);
            Assert.Equal((a * b).Frobenius(), a.Frobenius() * b.Frobenius());
            // Cyclotomic element: a^((p^6-1)(p^2+1)).
            Fp12 t = a.Conjugate() * a.Inverse();
            Fp12 cyc = t.Frobenius().Frobenius() * t;
            Assert.Equal(cyc.Square(), cyc.CyclotomicSquare());
            // Karabina: compressed squarings, then decompression, match plain squarings.
            Fp2 z2 = cyc.C1.C0, z3 = cyc.C0.C2, z4 = cyc.C0.C1, z5 = cyc.C1.C2;
            Fp12 plain = cyc;
            Span<Fp12> pw = new Fp12[3];
            for (int k = 1; k <= 9; k++)
            {
                Fp12.CompressedSquare(ref z2, ref z3, ref z4, ref z5);
                plain = plain.CyclotomicSquare();
                if (k % 3 == 0) pw[k / 3 - 1] = new Fp12(new Fp6(default, z4, z3), new Fp6(z2, default, z5));
                if (k == 3) Assert.Equal(plain, Decompressed(pw[0]));
            }
            Assert.True(Fp12.TryDecompress(pw));
            Assert.Equal(plain, pw[2]);
            Assert.Equal(plain, pw[1].Square().Square().Square());
            // a^x: the compressed chain, the Granger-Scott chain and generic square-and-multiply agree.
            Fp12 generic = Fp12.One;
            for (int bit = 63; bit >= 0; bit--)
            {
                generic = generic.Square();
                if (((G1.AbsX >> bit) & 1) != 0) generic *= cyc;
            }
            Assert.Equal(generic.Conjugate(), Pairing.CycExpXPlain(cyc));
            Assert.Equal(generic.Conjugate(), Pairing.CycExpX(cyc));
            // Sparse multiplication agrees with the dense one.
            Fp2 c0 = RandFp2(rng), c1 = RandFp2(rng), c4 = RandFp2(rng);
            var sparse = new Fp12(new Fp6(c0, c1, Fp2.Zero), new Fp6(Fp2.Zero, c4, Fp2.Zero));
            Assert.Equal(a * sparse, a.MulBy014(c0, c1, c4));
            Fp2 d0 = RandFp2(rng), d1 = RandFp2(rng), d4 = RandFp2(rng);
            var sparse2 = new Fp12(new Fp6(d0, d1, Fp2.Zero), new Fp6(Fp2.Zero, d4, Fp2.Zero));
            Fp12.MulByLinePair(out Fp12 pair, a, c0, c1, c4, d0, d1, d4);
            Assert.Equal(a * sparse * sparse2, pair);
            var monic = new Fp12(new Fp6(c0, c1, Fp2.Zero), new Fp6(Fp2.Zero, Fp2.One, Fp2.Zero));
            Fp12.MulByMonicLine(out Fp12 byMonic, a, c0, c1);
            Assert.Equal(a * monic, byMonic);
            Fp12 inPlace = a;
            Fp12.MulByMonicLine(out inPlace, inPlace, c0, c1);
            Assert.Equal(a * monic, inPlace);
            Fp6.MulBy12(out Fp6 by12, a.C0, c1, c4);
            Assert.Equal(a.C0 * new Fp6(Fp2.Zero, c1, c4), by12);
        }
    }

    [Fact]
    public void LazyMulBy01MatchesReduced()
    {
        // Raw limbs p - 1 (the largest stored value) and 0 push the unreduced column sums to both ends
        // of their ranges; random values cover the rest.
        var pm1 = new Fp(0xb9feffffffffaaaaUL, 0x1eabfffeb153ffffUL, 0x6730d2a0f6b0f624UL, 0x64774b84f38512bfUL, 0x4b1ba7b6434bacd7UL, 0x1a0111ea397fe69aUL);
        Assert.Equal(P - 1, new BigInteger(new[] { pm1.L0, pm1.L1, pm1.L2, pm1.L3, pm1.L4, pm1.L5 }.SelectMany(BitConverter.GetBytes).Append((byte)0).ToArray()));
        var rng = new Random(21);
        Fp Pick(int code) => code switch { 0 => pm1, 1 => Fp.Zero, _ => Limbs.FpFromBig(RandBig(rng)) };
        for (int i = 0; i < 3000; i++)
        {
            // The first 4^5 cases take every corner of {p - 1, 0, random, random} in five of ten slots.
            int c = i;
            Fp2 Next()
            {
                var e = new Fp2(Pick(c & 3), Pick((c >> 2) & 3));
                c = i < 1024 ? c >> 4 : 2;
                return e;
            }
            var a = new Fp6(Next(), Next(), Next());
            Fp2 b0 = Next(), b1 = Next();
            if (i >= 1024 && i % 7 == 0) { a = new Fp6(new(pm1, pm1), new(pm1, pm1), new(pm1, pm1)); b0 = new(pm1, pm1); b1 = new(pm1, pm1); }
            Fp6.MulBy01Reduced(out Fp6 expected, a, b0, b1);
            Assert.Equal(a * new Fp6(b0, b1, Fp2.Zero), expected);
            if (System.Runtime.Intrinsics.X86.Bmi2.X64.IsSupported)
            {
                Fp6.MulBy01Lazy(out Fp6 lazy, a, b0, b1);
                Assert.Equal(expected, lazy);
                Fp6 inPlace = a;
                Fp6.MulBy01Lazy(out inPlace, inPlace, b0, b1);
                Assert.Equal(expected, inPlace);
            }
        }
    }
}
