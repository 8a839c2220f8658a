using System.Numerics;
using Cirrus.Crypto.Bls12381;

namespace Cirrus.Crypto.Tests;

public class EndomorphismTests
{
    private static readonly BigInteger XSquared = (BigInteger)G1.AbsX * G1.AbsX;

    private static ulong[] Limbs4(BigInteger v) => Limbs.From(v, 4);

    [Fact]
    public void XSquaredMapsMatchScalarMultiplication()
    {
        foreach (ulong k in new ulong[] { 1, 5, 0x1234567890abcdefUL })
        {
            G1.Generator.MulVartime(k).ToAffine(out Fp px, out Fp py);
            G1.MulByXSquaredAffine(px, py, out Fp lx, out Fp ly);
            Assert.True(Jacobian<Fp>.FromAffine(lx, ly).EqualsPoint(Jacobian<Fp>.FromAffine(px, py).MulVartime(Limbs4(XSquared))));

            G2.Generator.MulVartime(k).ToAffine(out Fp2 qx, out Fp2 qy);
            G2.MulByXSquaredAffine(qx, qy, out Fp2 mx, out Fp2 my);
            var q = Jacobian<Fp2>.FromAffine(qx, qy);
            Assert.True(Jacobian<Fp2>.FromAffine(mx, my).EqualsPoint(q.MulVartime(Limbs4(XSquared))));
            Assert.True(Jacobian<Fp2>.FromAffine(mx, my).EqualsPoint(G2.Psi(G2.Psi(q))));
        }
    }

    [Fact]
    public void MulSumAffineMatchesPlainMultiplication()
    {
        var rng = new Random(11);
        G1.Generator.MulVartime(3).ToAffine(out Fp px, out Fp py);
        G1.MulByXSquaredAffine(px, py, out Fp lx, out Fp ly);
        G2.Generator.MulVartime(3).ToAffine(out Fp2 qx, out Fp2 qy);
        G2.MulByXSquaredAffine(qx, qy, out Fp2 mx, out Fp2 my);
        var p = Jacobian<Fp>.FromAffine(px, py);
        var q = Jacobian<Fp2>.FromAffine(qx, qy);
        var cases = new List<(ulong A, ulong B)> { (1, 0), (0, 1), (uint.MaxValue, uint.MaxValue), (0x80000000, 1), (7, 0x55555555) };
        for (int i = 0; i < 6; i++) cases.Add(((ulong)rng.NextInt64() & uint.MaxValue, (ulong)rng.NextInt64() & uint.MaxValue));
        foreach (var (a, b) in cases)
        {
            ulong[] r = Limbs4(a + b * XSquared);
            Assert.True(Jacobian<Fp>.MulSumAffine(px, py, a, lx, ly, b).EqualsPoint(p.MulVartime(r)));
            Assert.True(Jacobian<Fp2>.MulSumAffine(qx, qy, a, mx, my, b).EqualsPoint(q.MulVartime(r)));
        }
        // 64-bit scalars work too, and two zero scalars give infinity.
        Assert.True(Jacobian<Fp>.MulSumAffine(px, py, ulong.MaxValue, px, py, 1).EqualsPoint(p.MulVartime(Limbs4((BigInteger)ulong.MaxValue + 1))));
        Assert.True(Jacobian<Fp>.MulSumAffine(px, py, 0, lx, ly, 0).IsInfinity);
    }

    [Fact]
    public void Wnaf4DigitsRebuildTheScalar()
    {
        var rng = new Random(5);
        var cases = new List<ulong> { 0, 1, 7, 8, 15, 16, 0xd201000000010000UL, uint.MaxValue, ulong.MaxValue, 0x8000000000000000UL };
        for (int i = 0; i < 50; i++) cases.Add((ulong)rng.NextInt64());
        Span<sbyte> d = stackalloc sbyte[65];
        foreach (ulong k in cases)
        {
            AffineBatch.Wnaf4(k, d);
            BigInteger v = 0;
            int lastNonZero = -10;
            for (int i = 64; i >= 0; i--) v = 2 * v + d[i];
            Assert.Equal((BigInteger)k, v);
            for (int i = 0; i < 65; i++)
            {
                if (d[i] == 0) continue;
                Assert.True(d[i] % 2 != 0 && d[i] >= -7 && d[i] <= 7);
                Assert.True(i - lastNonZero >= 4);
                lastNonZero = i;
            }
        }
        AffineBatch.Wnaf4(uint.MaxValue, d);
        Assert.All(d[34..].ToArray(), x => Assert.Equal(0, x));
    }

    [Fact]
    public void OddMultiplesMatchScalarMultiplication()
    {
        const int n = 3;
        var qx = new Fp2[n];
        var qy = new Fp2[n];
        for (int i = 0; i < n; i++) G2.Generator.MulVartime((ulong)(2 + 9 * i)).ToAffine(out qx[i], out qy[i]);
        var xs = new Fp2[n * AffineBatch.OddCount];
        var ys = new Fp2[n * AffineBatch.OddCount];
        Assert.True(AffineBatch.OddMultiples(qx, qy, xs, ys));
        for (int i = 0; i < n; i++)
            for (int j = 0; j < AffineBatch.OddCount; j++)
            {
                var expected = Jacobian<Fp2>.FromAffine(qx[i], qy[i]).MulVartime((ulong)(2 * j + 1));
                Assert.True(Jacobian<Fp2>.FromAffine(xs[i * AffineBatch.OddCount + j], ys[i * AffineBatch.OddCount + j]).EqualsPoint(expected));
            }
        Fp2[] zs = [Fp2.One, Fp2.Zero];
        Assert.False(AffineBatch.InvertAll(zs, new Fp2[2]));
    }
}
