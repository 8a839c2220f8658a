using Cirrus.Crypto.Bls12381;

namespace Cirrus.Crypto.Tests;

public class CurveTests
{
    private static readonly ulong[] R = Limbs.From(Limbs.R, 4);

    [Fact]
    public void GeneratorsAreOnCurveAndHaveOrderR()
    {
        Assert.True(G1.IsOnCurve(G1.Generator));
        Assert.True(G2.IsOnCurve(G2.Generator));
        Assert.True(G1.Generator.MulVartime(R).IsInfinity);
        Assert.True(G2.Generator.MulVartime(R).IsInfinity);
        Assert.True(G1.IsInSubgroup(G1.Generator));
        Assert.True(G2.IsInSubgroup(G2.Generator));
    }

    [Fact]
    public void GroupLawConsistency()
    {
        var g = G1.Generator;
        var g2 = g.Double();
        Assert.True(g2.EqualsPoint(g.Add(g)));
        var g3 = g2.Add(g);
        g3.ToAffine(out Fp x, out Fp y);
        Assert.True(g.Add(g.Negate()).IsInfinity);
        Assert.True(g3.EqualsPoint(Jacobian<Fp>.FromAffine(x, y)));
        Assert.True(g2.AddAffine(x, y).EqualsPoint(g.MulVartime(5)));
        var h = G2.Generator;
        Assert.True(h.MulVartime(7).EqualsPoint(h.Double().Double().Add(h.Double()).Add(h)));
        Assert.True(Jacobian<Fp2>.Infinity.Double().IsInfinity);
        h.Double().ToAffine(out Fp2 hx, out Fp2 hy);
        foreach (ulong sc in new ulong[] { 0, 1, 2, 3, 7, 0x5555555555555555UL, 0xAAAAAAAAAAAAAAAAUL, ulong.MaxValue, 0xd201000000010000UL, 0x8000000000000001UL })
        {
            Assert.True(h.Double().MulVartimeAffine(sc).EqualsPoint(h.Double().MulVartime(sc)));
            var ha = Jacobian<Fp2>.FromAffine(hx, hy);
            Assert.True(ha.MulVartimeAffine(sc).EqualsPoint(ha.MulVartime(sc)));
            Assert.True(G1.Generator.MulVartimeAffine(sc).EqualsPoint(G1.Generator.MulVartime(sc)));
            Jacobian<Fp2>.Naf(sc, out UInt128 pos, out UInt128 neg);
            Assert.Equal((UInt128)sc, pos - neg);
            Assert.Equal(UInt128.Zero, (pos | neg) & ((pos | neg) >> 1));
        }
        Assert.True(h.AddAffine(hx, hy).EqualsPoint(h.MulVartime(3)));
        byte[] k = new byte[32];
        new Random(7).NextBytes(k);
        ulong[] kl = Limbs.From(new System.Numerics.BigInteger(k, isUnsigned: true, isBigEndian: true), 4);
        Assert.True(Projective<Fp2>.MulSecret(h, k, G2.B3).EqualsPoint(h.MulVartime(kl)));
        Assert.True(Projective<Fp>.MulSecret(g, k, G1.B3).EqualsPoint(g.MulVartime(kl)));
    }

    [Fact]
    public void NonSubgroupPointsAreRejected()
    {
        // Points on the curve but outside G1/G2: take x = small values until on curve.
        int found1 = 0, found2 = 0;
        for (ulong xi = 1; xi < 40 && (found1 < 3 || found2 < 3); xi++)
        {
            Fp x = Fp.FromUlong(xi);
            if ((x.Square() * x + G1.B).TrySqrt(out Fp y))
            {
                var p = Jacobian<Fp>.FromAffine(x, y);
                Assert.True(G1.IsOnCurve(p));
                Assert.False(G1.IsInSubgroup(p));
                Assert.False(p.MulVartime(R).IsInfinity);
                found1++;
            }
            var x2 = new Fp2(x, Fp.One);
            if ((x2.Square() * x2 + G2.B).TrySqrt(out Fp2 y2))
            {
                var q = Jacobian<Fp2>.FromAffine(x2, y2);
                Assert.True(G2.IsOnCurve(q));
                Assert.False(G2.IsInSubgroup(q));
                found2++;
            }
        }
        Assert.True(found1 >= 3 && found2 >= 3);
    }

    [Fact]
    public void EncodingRoundTrips()
    {
        var p = G1.Generator.MulVartime(123456789);
        Span<byte> c = stackalloc byte[48];
        G1.EncodeCompressed(p, c);
        Assert.True(G1.TryDecode(c, out var p2));
        Assert.True(p.EqualsPoint(p2));
        Span<byte> u = stackalloc byte[96];
        G1.EncodeUncompressed(p.Negate(), u);
        Assert.True(G1.TryDecode(u, out var p3));
        Assert.True(p.Negate().EqualsPoint(p3));
        var q = G2.Generator.MulVartime(987654321);
        Span<byte> c2 = stackalloc byte[96];
        G2.EncodeCompressed(q, c2);
        Assert.True(G2.TryDecode(c2, out var q2));
        Assert.True(q.EqualsPoint(q2));
        G2.EncodeCompressed(q.Negate(), c2);
        Assert.True(G2.TryDecode(c2, out var q3));
        Assert.True(q.Negate().EqualsPoint(q3));
        Span<byte> u2 = stackalloc byte[192];
        G2.EncodeUncompressed(q, u2);
        Assert.True(G2.TryDecode(u2, out var q4));
        Assert.True(q.EqualsPoint(q4));
        // Known encoding of the G1 generator.
        G1.EncodeCompressed(G1.Generator, c);
        Assert.Equal("97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb", Convert.ToHexString(c).ToLowerInvariant());
    }
}

public class CompleteFormulaTests
{
    [Fact]
    public void CompleteAdditionAgreesWithJacobianIncludingExceptionalCases()
    {
        var g = G2.Generator.MulVartime(11);
        var h = G2.Generator.MulVartime(29);
        var pg = Projective<Fp2>.FromJacobian(g);
        var ph = Projective<Fp2>.FromJacobian(h);
        Assert.True(Projective<Fp2>.Add(pg, ph, G2.B3).ToJacobian().EqualsPoint(g.Add(h)));
        Assert.True(Projective<Fp2>.Add(pg, pg, G2.B3).ToJacobian().EqualsPoint(g.Double()));
        Assert.True(Projective<Fp2>.Add(pg, Projective<Fp2>.FromJacobian(g.Negate()), G2.B3).ToJacobian().IsInfinity);
        var id = Projective<Fp2>.Identity;
        Assert.True(Projective<Fp2>.Add(pg, id, G2.B3).ToJacobian().EqualsPoint(g));
        Assert.True(Projective<Fp2>.Add(id, id, G2.B3).ToJacobian().IsInfinity);
        var p1 = G1.Generator.MulVartime(5);
        var q1 = Projective<Fp>.FromJacobian(p1);
        Assert.True(Projective<Fp>.Add(q1, q1, G1.B3).ToJacobian().EqualsPoint(p1.Double()));
    }

    [Fact]
    public void SecretMultiplicationMatchesVariableTime()
    {
        var rng = new Random(8);
        byte[] k = new byte[32];
        for (int i = 0; i < 4; i++)
        {
            rng.NextBytes(k);
            k[0] &= 0x3f;
            if (i == 1) { Array.Clear(k); k[31] = 1; }
            if (i == 2) { Array.Clear(k); k[16] = 0x10; }          // zero nibbles everywhere else
            ulong[] kl = Limbs.From(new System.Numerics.BigInteger(k, isUnsigned: true, isBigEndian: true), 4);
            Assert.True(Projective<Fp2>.MulSecret(G2.Generator, k, G2.B3).EqualsPoint(G2.Generator.MulVartime(kl)));
            Assert.True(Projective<Fp>.MulSecret(G1.Generator, k, G1.B3).EqualsPoint(G1.Generator.MulVartime(kl)));
        }
    }

    [Fact]
    public void Secret_G2_multiplication_through_psi_matches_variable_time_on_edge_digits()
    {
        var rng = new Random(9);
        System.Numerics.BigInteger x = G1.AbsX, r = Limbs.R;
        var scalars = new List<System.Numerics.BigInteger> { 0, 1, 2, x - 1, x, x + 1, x * x, x * x * x - 1, x * x * x, r - 1, r - x, (x - 1) * (1 + x + x * x), (x - 1) * (1 + x + x * x) + (x - 2) * x * x * x };
        for (int i = 0; i < 8; i++)
        {
            byte[] b = new byte[32];
            rng.NextBytes(b);
            scalars.Add(new System.Numerics.BigInteger(b, isUnsigned: true) % r);
        }
        Jacobian<Fp2> h = HashToCurve.HashToG2("psi"u8, "test"u8);
        foreach (var k in scalars)
        {
            Assert.True(k >= 0 && k < r);
            byte[] be = new byte[32];
            k.TryWriteBytes(be.AsSpan(32 - k.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
            ulong[] kl = Limbs.From(k, 4);
            Assert.True(G2Secret.Mul(h, be).EqualsPoint(h.MulVartime(kl)), $"k = {k}");
            Assert.True(G2Secret.Mul(G2.Generator, be).EqualsPoint(G2.Generator.MulVartime(kl)), $"k = {k}");
        }
    }
}
