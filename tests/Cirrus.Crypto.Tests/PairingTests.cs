using Cirrus.Crypto.Bls12381;

namespace Cirrus.Crypto.Tests;

public class PairingTests
{
    private static G1Affine A1(in Jacobian<Fp> p) { p.ToAffine(out Fp x, out Fp y); return new G1Affine(x, y); }
    private static G2Affine A2(in Jacobian<Fp2> p) { p.ToAffine(out Fp2 x, out Fp2 y); return new G2Affine(x, y); }

    [Fact]
    public void PairingIsBilinearAndNonDegenerate()
    {
        var g1 = G1.Generator;
        var g2 = G2.Generator;
        Fp12 e = Pairing.Pair(A1(g1), A2(g2));
        Assert.False(e.IsOne);
        // e(aP, bQ) = e(P, Q)^(ab) = e(abP, Q) = e(P, abQ)
        Fp12 lhs = Pairing.Pair(A1(g1.MulVartime(6)), A2(g2.MulVartime(7)));
        Fp12 rhs = Pairing.Pair(A1(g1.MulVartime(42)), A2(g2));
        Fp12 rhs2 = Pairing.Pair(A1(g1), A2(g2.MulVartime(42)));
        Assert.Equal(lhs, rhs);
        Assert.Equal(lhs, rhs2);
        Fp12 e2 = e * e;
        Assert.Equal(e2, Pairing.Pair(A1(g1.Double()), A2(g2)));
        // e^r = 1
        Fp12 er = Fp12.One;
        ulong[] r = Limbs.From(Limbs.R, 4);
        for (int i = 255; i >= 0; i--)
        {
            er = er.Square();
            if (((r[i >> 6] >> (i & 63)) & 1) != 0) er = er * e;
        }
        Assert.True(er.IsOne);
    }

    [Fact]
    public void MultiMillerLoopSharesFinalExponentiation()
    {
        var g1 = G1.Generator;
        var g2 = G2.Generator;
        // e(5P, Q) · e(-P, 5Q) = 1
        G1Affine[] ps = [A1(g1.MulVartime(5)), A1(g1.Negate())];
        G2Affine[] qs = [A2(g2), A2(g2.MulVartime(5))];
        Assert.True(Pairing.FinalExponentiation(Pairing.MillerLoop(ps, qs)).IsOne);
        qs[1] = A2(g2.MulVartime(6));
        Assert.False(Pairing.FinalExponentiation(Pairing.MillerLoop(ps, qs)).IsOne);
    }

    [Fact]
    public void AffineMillerLoopMatchesProjectiveAfterFinalExponentiation()
    {
        var g1 = G1.Generator;
        var g2 = G2.Generator;
        foreach (int n in new[] { 1, 2, 3, 5 })
        {
            var ps = new G1Affine[n];
            var qs = new G2Affine[n];
            for (int i = 0; i < n; i++)
            {
                ps[i] = A1(g1.MulVartime((ulong)(3 + 7 * i)));
                qs[i] = A2(g2.MulVartime((ulong)(11 + 5 * i)));
            }
            Fp12 affine = Pairing.FinalExponentiation(Pairing.MillerLoopAffine(ps, qs));
            Assert.Equal(Pairing.FinalExponentiation(Pairing.MillerLoop(ps, qs)), affine);
            Assert.False(affine.IsOne);
        }
        // e(5P, Q) · e(-P, 5Q) · e(2P, 3Q) · e(-6P, Q) = 1, and a wrong point breaks it.
        G1Affine[] ps4 = [A1(g1.MulVartime(5)), A1(g1.Negate()), A1(g1.MulVartime(2)), A1(g1.MulVartime(6).Negate())];
        G2Affine[] qs4 = [A2(g2), A2(g2.MulVartime(5)), A2(g2.MulVartime(3)), A2(g2)];
        Assert.True(Pairing.FinalExponentiation(Pairing.MillerLoopAffine(ps4, qs4)).IsOne);
        qs4[3] = A2(g2.Double());
        Assert.False(Pairing.FinalExponentiation(Pairing.MillerLoopAffine(ps4, qs4)).IsOne);
    }
}
