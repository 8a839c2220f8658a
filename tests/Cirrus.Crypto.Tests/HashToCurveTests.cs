using System.Text;
using Cirrus.Crypto.Bls12381;

namespace Cirrus.Crypto.Tests;

public class HashToCurveTests
{
    private static Fp2 F2(string c0, string c1) => Fp2.FromBig(Limbs.Hex(c0), Limbs.Hex(c1));

    private static void AssertPoint(in Jacobian<Fp2> p, string[] v, int at)
    {
        Assert.False(p.IsInfinity);
        p.ToAffine(out Fp2 x, out Fp2 y);
        Assert.Equal(F2(v[at], v[at + 1]), x);
        Assert.Equal(F2(v[at + 2], v[at + 3]), y);
    }

    public static IEnumerable<object[]> G2Cases()
    {
        for (int i = 0; i < Rfc9380Vectors.G2.Length; i++) yield return [i];
    }

    [Theory]
    [MemberData(nameof(G2Cases))]
    public void HashToG2MatchesRfc9380(int index)
    {
        string[] v = Rfc9380Vectors.G2[index];
        byte[] msg = Encoding.ASCII.GetBytes(v[0]);
        byte[] dst = Encoding.ASCII.GetBytes(Rfc9380Vectors.G2Dst);
        HashToCurve.HashToField(msg, dst, out Fp2 u0, out Fp2 u1);
        Assert.Equal(F2(v[1], v[2]), u0);
        Assert.Equal(F2(v[3], v[4]), u1);
        AssertPoint(HashToCurve.MapToCurve(u0), v, 5);
        AssertPoint(HashToCurve.MapToCurve(u1), v, 9);
        var p = HashToCurve.HashToG2(msg, dst);
        AssertPoint(p, v, 13);
        Assert.True(G2.IsInSubgroup(p));
    }

    [Fact]
    public void BatchHashMatchesRfc9380AndSingleHashes()
    {
        byte[] dst = Encoding.ASCII.GetBytes(Rfc9380Vectors.G2Dst);
        var msgs = Rfc9380Vectors.G2.Select(v => Encoding.ASCII.GetBytes(v[0]))
            .Concat(Enumerable.Range(0, 38).Select(i => System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)))).ToArray();
        var out_ = new Jacobian<Fp2>[msgs.Length];
        HashToCurve.HashToG2Batch(msgs, dst, out_);
        for (int i = 0; i < Rfc9380Vectors.G2.Length; i++) AssertPoint(out_[i], Rfc9380Vectors.G2[i], 13);
        for (int i = 0; i < msgs.Length; i++) Assert.True(out_[i].EqualsPoint(HashToCurve.HashToG2(msgs[i], dst)));
    }

    [Fact]
    public void AffineCofactorClearingMatchesJacobian()
    {
        // Points on E2 outside G2: the mapped points before clearing.
        for (int i = 0; i < 4; i++)
        {
            HashToCurve.HashToField(BitConverter.GetBytes(i), "cofactor"u8, out Fp2 u0, out Fp2 _);
            var p = HashToCurve.MapToCurve(u0);
            Assert.False(G2.IsInSubgroup(p));
            p.ToAffine(out Fp2 x, out Fp2 y);
            var cleared = HashToCurve.ClearCofactorAffine(x, y);
            Assert.True(cleared.EqualsPoint(HashToCurve.ClearCofactor(p)));
            Assert.True(G2.IsInSubgroup(cleared));
        }
    }

    [Fact]
    public void ExpandMessageXmdMatchesRfc9380()
    {
        foreach (var (dstStr, cases) in new[] { (Rfc9380Vectors.Xmd38Dst, Rfc9380Vectors.Xmd38), (Rfc9380Vectors.Xmd256Dst, Rfc9380Vectors.Xmd256) })
        {
            byte[] dst = Encoding.ASCII.GetBytes(dstStr);
            foreach (string[] c in cases)
            {
                byte[] outBytes = new byte[int.Parse(c[1])];
                HashToCurve.ExpandMessageXmd(Encoding.ASCII.GetBytes(c[0]), dst, outBytes);
                Assert.Equal(c[2], Convert.ToHexString(outBytes).ToLowerInvariant());
            }
        }
    }

    [Fact]
    public void ClearCofactorMatchesHEffMultiplication()
    {
        // h_eff from RFC 9380 section 8.8.2.
        var hEff = Limbs.Hex("bc69f08f2ee75b3584c6a0ea91b352888e2a8e9145ad7689986ff031508ffe1329c2f178731db956d82bf015d1212b02ec0ec69d7477c1ae954cbc06689f6a359894c0adebbf6b4e8020005aaa95551");
        Fp2 u = F2("1234567", "89abcdef");
        var q = HashToCurve.MapToCurve(u);
        var expected = q.MulVartime(Limbs.From(hEff, 10));
        Assert.True(HashToCurve.ClearCofactor(q).EqualsPoint(expected));
        // u = 0 makes tv1 = 0, the map's exceptional case: the result still lies on E2.
        Assert.True(G2.IsOnCurve(HashToCurve.MapToCurve(Fp2.Zero)));
    }
}
