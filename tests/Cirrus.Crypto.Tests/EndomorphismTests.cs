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
    public void SplitScalarMultiplesMatchPlainMultiplication()
    {
        // r·P = a·P + b·[x^2]P from width-4 NAF digits and odd-multiple tables, on both groups.
        const int T = AffineBatch.OddCount;
        var rng = new Random(11);
        G1.Generator.MulVartime(3).ToAffine(out Fp px, out Fp py);
        G2.Generator.MulVartime(3).ToAffine(out Fp2 qx, out Fp2 qy);
        var p = Jacobian<Fp>.FromAffine(px, py);
        var q = Jacobian<Fp2>.FromAffine(qx, qy);
        Fp[] g1x = new Fp[T], g1y = new Fp[T], l1x = new Fp[T], l1y = new Fp[T];
        Fp2[] g2x = new Fp2[T], g2y = new Fp2[T], l2x = new Fp2[T], l2y = new Fp2[T];
        Assert.True(AffineBatch.OddMultiples<Fp>([px], [py], g1x, g1y));
        Assert.True(AffineBatch.OddMultiples<Fp2>([qx], [qy], g2x, g2y));
        for (int j = 0; j < T; j++)
        {
            G1.MulByXSquaredAffine(g1x[j], g1y[j], out l1x[j], out l1y[j]);
            G2.MulByXSquaredAffine(g2x[j], g2y[j], out l2x[j], out l2y[j]);
        }
        var cases = new List<(ulong A, ulong B)> { (1, 0), (0, 1), (uint.MaxValue, uint.MaxValue), (0x80000000, 1), (7, 0x55555555) };
        for (int i = 0; i < 6; i++) cases.Add(((ulong)rng.NextInt64() & uint.MaxValue, (ulong)rng.NextInt64() & uint.MaxValue));
        sbyte[] da = new sbyte[34], db = new sbyte[34];
        foreach (var (a, b) in cases)
        {
            ulong[] r = Limbs4(a + b * XSquared);
            AffineBatch.Wnaf4(a, da);
            AffineBatch.Wnaf4(b, db);
            Assert.True(Jacobian<Fp>.MulSumTables(g1x, g1y, da, l1x, l1y, db).EqualsPoint(p.MulVartime(r)));
            Assert.True(Jacobian<Fp2>.MulSumTables(g2x, g2y, da, l2x, l2y, db).EqualsPoint(q.MulVartime(r)));
        }
        AffineBatch.Wnaf4(0, da);
        Assert.True(Jacobian<Fp>.MulSumTables(g1x, g1y, da, l1x, l1y, da).IsInfinity);
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
        Assert.True(AffineBatch.OddMultiples<Fp2>(qx, qy, xs, ys));
        for (int i = 0; i < n; i++)
            for (int j = 0; j < AffineBatch.OddCount; j++)
            {
                var expected = Jacobian<Fp2>.FromAffine(qx[i], qy[i]).MulVartime((ulong)(2 * j + 1));
                Assert.True(Jacobian<Fp2>.FromAffine(xs[i * AffineBatch.OddCount + j], ys[i * AffineBatch.OddCount + j]).EqualsPoint(expected));
            }
        // G1 too, and the table sums of two digit strings.
        var gx = new Fp[AffineBatch.OddCount];
        var gy = new Fp[AffineBatch.OddCount];
        G1.Generator.MulVartime(5).ToAffine(out Fp px, out Fp py);
        Assert.True(AffineBatch.OddMultiples<Fp>([px], [py], gx, gy));
        var p1 = Jacobian<Fp>.FromAffine(px, py);
        for (int j = 0; j < AffineBatch.OddCount; j++)
            Assert.True(Jacobian<Fp>.FromAffine(gx[j], gy[j]).EqualsPoint(p1.MulVartime((ulong)(2 * j + 1))));
        var lx = new Fp[AffineBatch.OddCount];
        var ly = new Fp[AffineBatch.OddCount];
        for (int j = 0; j < AffineBatch.OddCount; j++) G1.MulByXSquaredAffine(gx[j], gy[j], out lx[j], out ly[j]);
        var rng = new Random(3);
        sbyte[] da = new sbyte[34], db = new sbyte[34];
        foreach (var (a, b) in new (ulong, ulong)[] { (0, 0), (1, 0), (0, 1), (uint.MaxValue, uint.MaxValue), ((uint)rng.Next(), (uint)rng.Next()) })
        {
            AffineBatch.Wnaf4(a, da);
            AffineBatch.Wnaf4(b, db);
            var sum = Jacobian<Fp>.MulSumTables(gx, gy, da, lx, ly, db);
            Assert.True(sum.EqualsPoint(p1.MulVartime(Limbs4(a + b * XSquared))));
        }
        Fp2[] zs = [Fp2.One, Fp2.Zero];
        Assert.False(AffineBatch.InvertAll(zs, new Fp2[2]));
    }

    [Fact]
    public void MixedAdditionHandlesEqualAndOppositePoints()
    {
        var q = G2.Generator.MulVartime(7); // Z ≠ 1
        q.ToAffine(out Fp2 qx, out Fp2 qy);
        Assert.True(q.AddAffine(qx, qy).EqualsPoint(q.Double()));
        Assert.True(q.AddAffine(qx, -qy).IsInfinity);
        G2.Generator.MulVartime(3).ToAffine(out Fp2 rx, out Fp2 ry);
        Assert.True(q.AddAffine(rx, ry).EqualsPoint(G2.Generator.MulVartime(10)));
        Assert.True(Jacobian<Fp2>.Infinity.AddAffine(rx, ry).EqualsPoint(G2.Generator.MulVartime(3)));
    }
}
