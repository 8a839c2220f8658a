using System.Numerics;
using System.Runtime.Intrinsics;
using Cirrus.Crypto.Bls12381;

namespace Cirrus.Crypto.Tests;

/// <summary>
/// The AVX-512 lane arithmetic (FpX8, Fp2X8, G2X8) against the scalar code and BigInteger. On a machine
/// without AVX-512 the lanes are never used (the batch paths fall back to scalar code) and these tests
/// have nothing to check.
/// </summary>
public class LaneTests
{
    private static readonly BigInteger P = Limbs.P;
    private static readonly BigInteger RInv = BigInteger.ModPow(BigInteger.ModPow(2, 406, P), P - 2, P);

    private static BigInteger RandBelow(Random rng, BigInteger bound)
    {
        byte[] b = new byte[52];
        rng.NextBytes(b);
        b[51] = 0;
        return new BigInteger(b) % bound;
    }

    private static void AssertLane(BigInteger expectedModP, BigInteger raw, bool limbsOk, string what)
    {
        Assert.True(limbsOk, what + ": a limb is not below 2^29");
        Assert.True(raw >= 0 && raw < 2 * P, what + ": value not in [0, 2p)");
        Assert.Equal(((expectedModP % P) + P) % P, raw % P);
    }

    [Fact]
    public void Lane_field_operations_match_BigInteger_over_the_whole_input_range()
    {
        if (!FpX8.IsSupported) return;
        var rng = new Random(21);
        // Inputs anywhere in [0, 2p), including both representatives of 0 and the ends of the range.
        BigInteger[] edge = [0, 1, P - 1, P, P + 1, 2 * P - 1, (P - 1) / 2, BigInteger.Pow(2, 381)];
        for (int round = 0; round < 40; round++)
        {
            var a = new BigInteger[8];
            var b = new BigInteger[8];
            for (int k = 0; k < 8; k++)
            {
                a[k] = round < 8 ? edge[(k + round) % 8] : RandBelow(rng, 2 * P);
                b[k] = round < 8 ? edge[(2 * k + round + 3) % 8] : RandBelow(rng, 2 * P);
            }
            FpX8 va = FpX8.FromRaw(a), vb = FpX8.FromRaw(b);
            FpX8.Mul(out FpX8 m, va, vb);
            FpX8.Sqr(out FpX8 s, va);
            FpX8.Add(out FpX8 ad, va, vb);
            FpX8.Sub(out FpX8 sb, va, vb);
            FpX8.Neg(out FpX8 ng, va);
            BigInteger[] rm = m.ToRaw(out bool okm), rs = s.ToRaw(out bool oks), ra = ad.ToRaw(out bool oka),
                rsb = sb.ToRaw(out bool oksb), rn = ng.ToRaw(out bool okn);
            // Unreduced sums (below 4p) are valid product operands.
            FpX8.AddUnreduced(out FpX8 ua, va, vb);
            FpX8.AddUnreduced(out FpX8 ub, vb, vb);
            FpX8.Mul(out FpX8 um, ua, ub);
            BigInteger[] rua = ua.ToRaw(out bool okua), rum = um.ToRaw(out bool okum);
            Vector512<ulong> zero = FpX8.IsZeroMask(va);
            for (int k = 0; k < 8; k++)
            {
                AssertLane(a[k] * b[k] * RInv, rm[k], okm, "mul");
                AssertLane(a[k] * a[k] * RInv, rs[k], oks, "sqr");
                AssertLane(a[k] + b[k], ra[k], oka, "add");
                AssertLane(a[k] - b[k], rsb[k], oksb, "sub");
                AssertLane(-a[k], rn[k], okn, "neg");
                Assert.Equal(a[k] % P == 0, zero[k] == ulong.MaxValue);
                Assert.True(okua && rua[k] == a[k] + b[k], "unreduced add");
                AssertLane((a[k] + b[k]) * 2 * b[k] * RInv, rum[k], okum, "mul of unreduced sums");
            }
        }
    }

    [Fact]
    public void Lanes_load_store_and_exponentiate_like_Fp()
    {
        if (!FpX8.IsSupported) return;
        var rng = new Random(22);
        var xs = new Fp[8];
        for (int k = 0; k < 8; k++) xs[k] = Limbs.FpFromBig(k == 0 ? 0 : k == 1 ? P - 1 : RandBelow(rng, P));
        FpX8.Load(xs, out FpX8 v);
        var back = new Fp[8];
        v.Store(back);
        Assert.Equal(xs, back);
        ulong[] e = Limbs.From((P + 1) / 4, 6);
        FpX8.Pow(out FpX8 pw, v, e);
        pw.Store(back);
        for (int k = 0; k < 8; k++) Assert.Equal(xs[k].Pow(e), back[k]);
        // Fewer than eight values: the rest of the lanes are zero and ignored.
        FpX8.Load(xs.AsSpan(0, 3), out FpX8 three);
        var out3 = new Fp[3];
        three.Store(out3);
        Assert.Equal(xs[..3], out3);
    }

    [Fact]
    public void Lane_Fp2_products_match_Fp2()
    {
        if (!FpX8.IsSupported) return;
        var rng = new Random(23);
        var a = new Fp2[8];
        var b = new Fp2[8];
        for (int k = 0; k < 8; k++) { a[k] = FieldTests.RandFp2(rng); b[k] = FieldTests.RandFp2(rng); }
        a[0] = Fp2.Zero;
        b[1] = Fp2.One;
        Fp2X8.Load(a, out Fp2X8 va);
        Fp2X8.Load(b, out Fp2X8 vb);
        Fp2X8.Mul(out Fp2X8 m, va, vb);
        Fp2X8.Sqr(out Fp2X8 s, va);
        var rm = new Fp2[8];
        var rs = new Fp2[8];
        m.Store(rm);
        s.Store(rs);
        for (int k = 0; k < 8; k++)
        {
            Assert.Equal(a[k] * b[k], rm[k]);
            Assert.Equal(a[k].Square(), rs[k]);
        }
    }

    private static (Fp2[] X, Fp2[] Y) RandomAffineE2Points(int seed)
    {
        var rng = new Random(seed);
        var x = new Fp2[8];
        var y = new Fp2[8];
        for (int k = 0; k < 8; k++)
        {
            // Points of E2 outside G2, as cofactor clearing gets them.
            Jacobian<Fp2> pt = HashToCurve.MapToCurve(FieldTests.RandFp2(rng));
            pt.ToAffine(out x[k], out y[k]);
        }
        return (x, y);
    }

    [Fact]
    public void Lane_cofactor_clearing_matches_the_scalar_code()
    {
        if (!FpX8.IsSupported) return;
        (Fp2[] x, Fp2[] y) = RandomAffineE2Points(24);
        Fp2X8.Load(x, out Fp2X8 vx);
        Fp2X8.Load(y, out Fp2X8 vy);
        G2X8.ClearCofactorAffine(out JacobianX8<Fp2X8> r, vx, vy);
        var rx = new Fp2[8];
        var ry = new Fp2[8];
        var rz = new Fp2[8];
        r.X.Store(rx);
        r.Y.Store(ry);
        r.Z.Store(rz);
        for (int k = 0; k < 8; k++)
        {
            Assert.Equal(0UL, r.Bad[k]);
            var expected = HashToCurve.ClearCofactorAffine(x[k], y[k]);
            var got = new Jacobian<Fp2>(rx[k], ry[k], rz[k]);
            Assert.True(got.EqualsPoint(expected), $"lane {k}");
            Assert.True(G2.IsInSubgroup(got));
        }
    }

    [Fact]
    public void Lane_additions_flag_doublings_and_inverses_instead_of_computing_garbage_silently()
    {
        if (!FpX8.IsSupported) return;
        (Fp2[] x, Fp2[] y) = RandomAffineE2Points(25);
        var addX = (Fp2[])x.Clone();
        var addY = (Fp2[])y.Clone();
        // Lane 0 adds P to P, lane 1 adds -P to P; the others add a different point.
        addY[1] = -y[1];
        for (int k = 2; k < 8; k++) { addX[k] = x[(k + 1) % 8]; addY[k] = y[(k + 1) % 8]; }
        Fp2X8.Load(x, out Fp2X8 vx);
        Fp2X8.Load(y, out Fp2X8 vy);
        Fp2X8.Load(addX, out Fp2X8 ax);
        Fp2X8.Load(addY, out Fp2X8 ay);
        JacobianX8<Fp2X8>.FromAffine(out JacobianX8<Fp2X8> p, vx, vy);
        JacobianX8<Fp2X8>.AddAffine(ref p, ax, ay);
        Assert.Equal(ulong.MaxValue, p.Bad[0]);
        Assert.Equal(ulong.MaxValue, p.Bad[1]);
        for (int k = 2; k < 8; k++) Assert.Equal(0UL, p.Bad[k]);
    }
}

public class SignatureDecodeManyTests
{
    [Fact]
    public void Decoding_many_signatures_agrees_with_decoding_each_on_every_class_of_input()
    {
        var rng = new Random(26);
        var encodings = new List<byte[]>();
        using var sk = BlsSecretKey.FromBytes(Enumerable.Repeat((byte)7, 32).ToArray());
        for (int i = 0; i < 30; i++)
        {
            byte[] sig = sk.Sign(BitConverter.GetBytes(i)).ToBytes();
            encodings.Add(sig);
            byte[] flipped = (byte[])sig.Clone();
            flipped[95 - (i % 40)] ^= (byte)(1 << (i % 8)); // another x: usually not on the curve, else not in G2
            encodings.Add(flipped);
            if (i % 5 == 0)
            {
                byte[] otherRoot = (byte[])sig.Clone();
                otherRoot[0] ^= 0x20; // the other y: -sig, still a valid point
                encodings.Add(otherRoot);
            }
        }
        // On the curve, outside G2.
        for (int i = 0; i < 6; i++)
        {
            Jacobian<Fp2> p = HashToCurve.MapToCurve(FieldTests.RandFp2(rng));
            byte[] e = new byte[96];
            G2.EncodeCompressed(p, e);
            encodings.Add(e);
        }
        byte[] inf = new byte[96];
        inf[0] = 0xc0;
        encodings.Add(inf);
        byte[] badInf = (byte[])inf.Clone();
        badInf[5] = 1;
        encodings.Add(badInf);
        byte[] noFlag = (byte[])encodings[0].Clone();
        noFlag[0] &= 0x7f;
        encodings.Add(noFlag);
        byte[] xTooBig = Enumerable.Repeat((byte)0xff, 96).ToArray();
        xTooBig[0] = 0x9f;
        encodings.Add(xTooBig);
        encodings.Add(new byte[95]);
        encodings.Add([.. encodings[0], 0]);

        BlsSignature?[] many = BlsSignature.TryFromBytesMany(encodings);
        int valid = 0, invalid = 0;
        for (int i = 0; i < encodings.Count; i++)
        {
            bool one = BlsSignature.TryFromBytes(encodings[i], out BlsSignature? single);
            Assert.Equal(one, many[i] is not null);
            if (one)
            {
                Assert.Equal(single!.ToBytes(), many[i]!.ToBytes());
                Assert.True(single.Point.EqualsPoint(many[i]!.Point));
                valid++;
            }
            else invalid++;
        }
        Assert.True(valid >= 37 && invalid >= 12, $"{valid} valid, {invalid} invalid");
    }
}

public class CompressedSquareLaneTests
{
    [Fact]
    public void Lane_compressed_squaring_follows_the_scalar_one_for_a_thousand_steps()
    {
        if (!FpX8.IsSupported) return;
        var rng = new Random(27);
        for (int trial = 0; trial < 4; trial++)
        {
            // Any four Fp2 values: the squaring formula is the same polynomial map either way; include
            // both representatives of zero (0 and p land in lanes as raw values via the other tests).
            Fp2 z2 = FieldTests.RandFp2(rng), z3 = FieldTests.RandFp2(rng), z4 = FieldTests.RandFp2(rng), z5 = FieldTests.RandFp2(rng);
            if (trial == 1) { z3 = Fp2.Zero; z5 = new Fp2(-Fp.One, -Fp.One); }
            Span<Fp> z = [z2.C0, z2.C1, z3.C0, z3.C1, z4.C0, z4.C1, z5.C0, z5.C1];
            FpX8.Load(z, out FpX8 lanes);
            for (int step = 0; step < 250; step++)
            {
                Fp12.CompressedSquare(ref z2, ref z3, ref z4, ref z5);
                FpX8.CompressedSquare(ref lanes);
                if (step % 50 != 49) continue;
                BigIntegerLaneBounds(lanes);
                lanes.Store(z);
                Assert.Equal(z2, new Fp2(z[0], z[1]));
                Assert.Equal(z3, new Fp2(z[2], z[3]));
                Assert.Equal(z4, new Fp2(z[4], z[5]));
                Assert.Equal(z5, new Fp2(z[6], z[7]));
            }
        }
    }

    private static void BigIntegerLaneBounds(in FpX8 v)
    {
        System.Numerics.BigInteger[] raw = v.ToRaw(out bool limbsOk);
        Assert.True(limbsOk);
        foreach (var x in raw) Assert.True(x >= 0 && x < 2 * Limbs.P);
    }

    [Fact]
    public void Final_exponentiation_with_lane_squarings_matches_plain_squaring()
    {
        var rng = new Random(28);
        for (int i = 0; i < 3; i++)
        {
            Fp12 f = FieldTests.RandFp12(rng);
            // Into the cyclotomic subgroup: f^((p^6 - 1)(p^2 + 1)).
            Fp12 t = f.Conjugate() * f.Inverse();
            Fp12 m = t.Frobenius().Frobenius() * t;
            Assert.Equal(Pairing.CycExpXPlain(m), Pairing.CycExpX(m));
        }
    }
}

public class PublicKeyDecodeManyTests
{
    [Fact]
    public void Decoding_many_public_keys_agrees_with_KeyValidate_on_every_class_of_input()
    {
        var rng = new Random(29);
        var encodings = new List<byte[]>();
        for (int i = 0; i < 40; i++)
        {
            byte[] sk = new byte[32];
            rng.NextBytes(sk);
            sk[0] &= 0x3f;
            using var key = BlsSecretKey.FromBytes(sk);
            byte[] pk = key.PublicKey.ToBytes();
            encodings.Add(pk);
            byte[] flipped = (byte[])pk.Clone();
            flipped[47 - (i % 20)] ^= (byte)(1 << (i % 8)); // usually off the curve, else outside G1
            encodings.Add(flipped);
            if (i % 5 == 0)
            {
                byte[] neg = (byte[])pk.Clone();
                neg[0] ^= 0x20; // -pk: still a valid key
                encodings.Add(neg);
            }
        }
        // On the curve, outside G1: x with x^3 + 4 a square (the cofactor is about 2^126).
        for (ulong v = 1, found = 0; found < 6; v++)
        {
            Fp x = Fp.FromUlong(v);
            if (!(x.Square() * x + G1.B).TrySqrt(out Fp y)) continue;
            var p = Jacobian<Fp>.FromAffine(x, y);
            Assert.False(G1.IsInSubgroup(p));
            byte[] e = new byte[48];
            G1.EncodeCompressed(p, e);
            encodings.Add(e);
            found++;
        }
        byte[] inf = new byte[48];
        inf[0] = 0xc0; // infinity is not a valid key
        encodings.Add(inf);
        byte[] noFlag = (byte[])encodings[0].Clone();
        noFlag[0] &= 0x7f;
        encodings.Add(noFlag);
        byte[] xTooBig = Enumerable.Repeat((byte)0xff, 48).ToArray();
        xTooBig[0] = 0x9f;
        encodings.Add(xTooBig);
        encodings.Add(new byte[47]);
        encodings.Add(null!);

        BlsPublicKey?[] many = BlsPublicKey.TryFromBytesMany(encodings);
        int valid = 0, invalid = 0;
        for (int i = 0; i < encodings.Count; i++)
        {
            BlsPublicKey? single = null;
            bool one = encodings[i] is not null && BlsPublicKey.TryFromBytes(encodings[i], out single);
            Assert.Equal(one, many[i] is not null);
            if (one)
            {
                Assert.Equal(single!.ToBytes(), many[i]!.ToBytes());
                Assert.True(single.Point.EqualsPoint(many[i]!.Point));
                valid++;
            }
            else invalid++;
        }
        Assert.True(valid >= 48 && invalid >= 16, $"{valid} valid, {invalid} invalid");
    }
}

public class SinglePointLaneTests
{
    [Fact]
    public void Lane_doubling_of_one_G2_point_matches_the_scalar_formula_coordinate_for_coordinate()
    {
        if (!FpX8.IsSupported) return;
        var rng = new Random(30);
        var points = new List<Jacobian<Fp2>> { G2.Generator, Jacobian<Fp2>.Infinity };
        for (int i = 0; i < 6; i++)
        {
            // Points with Z ≠ 1, in and outside G2.
            Jacobian<Fp2> p = HashToCurve.MapToCurve(FieldTests.RandFp2(rng));
            points.Add(p);
            points.Add(HashToCurve.ClearCofactor(p));
        }
        Span<Fp> scratch = stackalloc Fp[6];
        foreach (var start in points)
        {
            FpX8 lanes = G2.LoadPoint(start, scratch);
            Jacobian<Fp2> scalar = start;
            for (int step = 0; step < 70; step++)
            {
                FpX8.DoubleG2(ref lanes);
                scalar = scalar.Double();
                if (step % 10 != 9) continue;
                System.Numerics.BigInteger[] raw = lanes.ToRaw(out bool limbsOk);
                Assert.True(limbsOk);
                foreach (var x in raw) Assert.True(x >= 0 && x < 2 * Limbs.P);
                Jacobian<Fp2> got = G2.StorePoint(lanes, scratch);
                if (scalar.IsInfinity) { Assert.True(got.IsInfinity); continue; }
                Assert.Equal(scalar.X, got.X);
                Assert.Equal(scalar.Y, got.Y);
                Assert.Equal(scalar.Z, got.Z);
            }
        }
    }
}
