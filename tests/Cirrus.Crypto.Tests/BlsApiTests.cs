using System.Numerics;
using System.Security.Cryptography;
using Cirrus.Crypto.Bls12381;

namespace Cirrus.Crypto.Tests;

public class BlsApiTests
{
    private static BlsSecretKey Key(int i)
    {
        byte[] b = SHA256.HashData(BitConverter.GetBytes(i + 17));
        b[0] &= 0x3f;
        return BlsSecretKey.FromBytes(b);
    }

    private static byte[] Msg(int i) => SHA256.HashData(BitConverter.GetBytes(~i));

    [Fact]
    public void SignVerifyRoundTrips()
    {
        for (int i = 0; i < 4; i++)
        {
            using var sk = Key(i);
            byte[] msg = i == 0 ? [] : Msg(i);
            BlsSignature sig = sk.Sign(msg);
            Assert.True(Bls.Verify(sk.PublicKey, msg, sig));
            Assert.True(Bls.Verify(sk.PublicKey.ToBytes(), msg, sig.ToBytes()));
            Assert.False(Bls.Verify(Key(i + 1).PublicKey, msg, sig));
            Assert.Equal(sk.PublicKey.ToBytes(), BlsPublicKey.FromBytes(sk.PublicKey.ToBytes()).ToBytes());
            Assert.Equal(sig.ToBytes(), BlsSignature.FromBytes(sig.ToBytes()).ToBytes());
        }
    }

    [Fact]
    public void AFlippedBitAnywhereMakesVerifyFalse()
    {
        using var sk = Key(100);
        byte[] msg = Msg(100);
        byte[] pk = sk.PublicKey.ToBytes();
        byte[] sig = sk.Sign(msg).ToBytes();
        Assert.True(Bls.Verify(pk, msg, sig));
        var rng = new Random(42);
        // Every bit of the first (flag) byte and of the message's first byte, plus random bits elsewhere.
        var flips = new List<(int which, int bit)>();
        for (int b = 0; b < 8; b++) { flips.Add((0, b)); flips.Add((1, b)); flips.Add((2, b)); }
        for (int k = 0; k < 10; k++)
        {
            flips.Add((0, rng.Next(8, pk.Length * 8)));
            flips.Add((1, rng.Next(8, msg.Length * 8)));
            flips.Add((2, rng.Next(8, sig.Length * 8)));
        }
        foreach (var (which, bit) in flips)
        {
            byte[] p = (byte[])pk.Clone(), m = (byte[])msg.Clone(), s = (byte[])sig.Clone();
            byte[] target = which == 0 ? p : which == 1 ? m : s;
            target[bit / 8] ^= (byte)(0x80 >> (bit % 8));
            Assert.False(Bls.Verify(p, m, s), $"flip of bit {bit} in {(which == 0 ? "pubkey" : which == 1 ? "message" : "signature")} verified");
        }
    }

    [Fact]
    public void AggregateApisRoundTrip()
    {
        var keys = new BlsSecretKey[5];
        for (int i = 0; i < keys.Length; i++) keys[i] = Key(200 + i);
        var pks = keys.Select(k => k.PublicKey).ToArray();
        byte[] msg = Msg(7);
        var agg = BlsSignature.Aggregate(keys.Select(k => k.Sign(msg)).ToArray());
        Assert.True(Bls.FastAggregateVerify(pks, msg, agg));
        Assert.False(Bls.FastAggregateVerify(pks[..4], msg, agg));
        Assert.False(Bls.FastAggregateVerify([], msg, agg));
        Assert.True(Bls.Verify(BlsPublicKey.Aggregate(pks), msg, agg));
        byte[][] msgs = Enumerable.Range(0, keys.Length).Select(Msg).ToArray();
        var agg2 = BlsSignature.Aggregate(keys.Select((k, i) => k.Sign(msgs[i])).ToArray());
        Assert.True(Bls.AggregateVerify(pks, msgs, agg2));
        (msgs[0], msgs[1]) = (msgs[1], msgs[0]);
        Assert.False(Bls.AggregateVerify(pks, msgs, agg2));
        Assert.False(Bls.AggregateVerify([], [], agg2));
        Assert.Throws<BlsException>(() => BlsSignature.Aggregate([]));
        Assert.Throws<BlsException>(() => BlsPublicKey.Aggregate([]));
        foreach (var k in keys) k.Dispose();
    }

    [Fact]
    public void LargeBatchOnTheAffineMillerLoopAcceptsGoodSetsAndRejectsOneBadSet()
    {
        int n = BlsBatchVerifier.AffineMillerLoopMinPairs + 5;
        var keys = Enumerable.Range(0, n).Select(i => Key(500 + i)).ToArray();
        byte[][] msgs = Enumerable.Range(0, n).Select(i => Msg(500 + i)).ToArray();
        var sigs = keys.Select((k, i) => k.Sign(msgs[i])).ToArray();
        BlsBatchVerifier Build(int bad)
        {
            // One core: a single chunk of n sets, above the affine loop's threshold.
            var bv = new BlsBatchVerifier { MaxDegreeOfParallelism = 1 };
            for (int i = 0; i < n; i++) bv.Add(keys[i].PublicKey, i == bad ? msgs[0] : msgs[i], sigs[i]);
            // A fast-aggregate set too: its key sum is not affine before blinding.
            bv.AddFastAggregate(keys[..3].Select(k => k.PublicKey).ToArray(), msgs[1],
                BlsSignature.Aggregate(keys[..3].Select(k => k.Sign(msgs[1])).ToArray()));
            return bv;
        }
        Assert.True(Build(-1).Verify());
        var bad = Build(n - 2);
        Assert.False(bad.Verify());
        Assert.Equal(n - 2, bad.FindFirstInvalid());
        foreach (var k in keys) k.Dispose();
    }

    [Fact]
    public void BatchWithOneBadSetFailsAndTheBadSetIsFound()
    {
        const int n = 9;
        var keys = Enumerable.Range(0, n).Select(i => Key(300 + i)).ToArray();
        byte[][] msgs = Enumerable.Range(0, n).Select(i => Msg(300 + i)).ToArray();
        var sigs = keys.Select((k, i) => k.Sign(msgs[i])).ToArray();

        var empty = new BlsBatchVerifier();
        Assert.True(empty.Verify());
        Assert.Null(empty.FindFirstInvalid());

        BlsBatchVerifier Build(Action<int, BlsBatchVerifier>? custom = null)
        {
            var bv = new BlsBatchVerifier();
            for (int i = 0; i < n; i++)
            {
                if (custom is not null && i == 5) custom(i, bv);
                else bv.Add(keys[i].PublicKey, msgs[i], sigs[i]);
            }
            return bv;
        }

        var good = Build();
        Assert.Equal(n, good.Count);
        Assert.True(good.Verify());
        Assert.Null(good.FindFirstInvalid());
        good.MaxDegreeOfParallelism = 1;
        Assert.True(good.Verify());

        var bad = Build((i, bv) => bv.Add(keys[i].PublicKey, msgs[i + 1], sigs[i]));
        Assert.False(bad.Verify());
        Assert.Equal(5, bad.FindFirstInvalid());

        // Two swapped signatures keep the plain sum of signatures intact: the random scalars must catch it.
        var swapped = new BlsBatchVerifier();
        swapped.Add(keys[0].PublicKey, msgs[0], sigs[1]);
        swapped.Add(keys[1].PublicKey, msgs[1], sigs[0]);
        Assert.False(swapped.Verify());
        Assert.Equal(0, swapped.FindFirstInvalid());

        // Fast-aggregate sets mixed with single sets.
        var fav = new BlsBatchVerifier();
        var agg = BlsSignature.Aggregate(keys[..3].Select(k => k.Sign(msgs[8])).ToArray());
        fav.AddFastAggregate(keys[..3].Select(k => k.PublicKey).ToArray(), msgs[8], agg);
        fav.Add(keys[4].PublicKey, msgs[4], sigs[4]);
        Assert.True(fav.Verify());
        fav.AddFastAggregate(keys[..2].Select(k => k.PublicKey).ToArray(), msgs[8], agg);
        Assert.False(fav.Verify());
        Assert.Equal(2, fav.FindFirstInvalid());
        foreach (var k in keys) k.Dispose();
    }

    private static byte[] FpBytes(BigInteger v) => v.ToByteArray(isUnsigned: true, isBigEndian: true) is var b && b.Length < 48
        ? new byte[48 - b.Length].Concat(b).ToArray() : v.ToByteArray(isUnsigned: true, isBigEndian: true);

    [Fact]
    public void PublicKeyDecodingRejectsEveryMalformedClass()
    {
        using var sk = Key(400);
        byte[] good = sk.PublicKey.ToBytes();
        Assert.True(BlsPublicKey.TryFromBytes(good, out _));

        byte[] noFlag = (byte[])good.Clone(); noFlag[0] &= 0x7f;
        Assert.False(BlsPublicKey.TryFromBytes(noFlag, out _));                     // compression flag missing
        byte[] infFlag = (byte[])good.Clone(); infFlag[0] |= 0x40;
        Assert.False(BlsPublicKey.TryFromBytes(infFlag, out _));                    // infinity flag with a body
        byte[] inf = new byte[48]; inf[0] = 0xc0;
        Assert.False(BlsPublicKey.TryFromBytes(inf, out _));                        // infinity is not a valid key
        byte[] infSign = new byte[48]; infSign[0] = 0xe0;
        Assert.False(BlsPublicKey.TryFromBytes(infSign, out _));                    // infinity with sign bit
        byte[] xIsP = FpBytes(Limbs.P); xIsP[0] |= 0x80;
        Assert.False(BlsPublicKey.TryFromBytes(xIsP, out _));                       // x = p
        byte[] xBig = Enumerable.Repeat((byte)0xff, 48).ToArray(); xBig[0] = 0x9f;
        Assert.False(BlsPublicKey.TryFromBytes(xBig, out _));                       // x > p
        Assert.False(BlsPublicKey.TryFromBytes(good.AsSpan(0, 47), out _));         // length
        Assert.False(BlsPublicKey.TryFromBytes([.. good, 0], out _));
        byte[] uncompressed = new byte[96];
        G1.EncodeUncompressed(sk.PublicKey.Point, uncompressed);
        Assert.False(BlsPublicKey.TryFromBytes(uncompressed, out _));               // only compressed keys

        int offCurve = 0, offSubgroup = 0;
        for (ulong x = 1; x < 64 && (offCurve < 2 || offSubgroup < 2); x++)
        {
            byte[] enc = FpBytes(x); enc[0] |= 0x80;
            Fp fx = Fp.FromUlong(x);
            bool onCurve = (fx.Square() * fx + G1.B).IsSquare();
            Assert.False(BlsPublicKey.TryFromBytes(enc, out _));                    // small x: never in G1
            if (onCurve) offSubgroup++; else offCurve++;
            Assert.Throws<BlsException>(() => BlsPublicKey.FromBytes(enc));
        }
        Assert.True(offCurve >= 2 && offSubgroup >= 2);
    }

    [Fact]
    public void SignatureDecodingRejectsEveryMalformedClass()
    {
        using var sk = Key(500);
        byte[] good = sk.Sign(Msg(5)).ToBytes();
        Assert.True(BlsSignature.TryFromBytes(good, out _));

        byte[] noFlag = (byte[])good.Clone(); noFlag[0] &= 0x7f;
        Assert.False(BlsSignature.TryFromBytes(noFlag, out _));
        byte[] infFlag = (byte[])good.Clone(); infFlag[0] |= 0x40;
        Assert.False(BlsSignature.TryFromBytes(infFlag, out _));
        byte[] inf = new byte[96]; inf[0] = 0xc0;
        Assert.True(BlsSignature.TryFromBytes(inf, out BlsSignature? infSig));      // infinity is a valid signature
        Assert.Equal(inf, infSig!.ToBytes());
        byte[] infSign = (byte[])inf.Clone(); infSign[0] = 0xe0;
        Assert.False(BlsSignature.TryFromBytes(infSign, out _));
        byte[] infTail = (byte[])inf.Clone(); infTail[95] = 1;
        Assert.False(BlsSignature.TryFromBytes(infTail, out _));
        byte[] zeros = new byte[96];
        Assert.False(BlsSignature.TryFromBytes(zeros, out _));
        // x.c1 = p and x.c0 = p
        byte[] c1IsP = (byte[])good.Clone(); FpBytes(Limbs.P).CopyTo(c1IsP, 0); c1IsP[0] |= (byte)(good[0] & 0xe0);
        Assert.False(BlsSignature.TryFromBytes(c1IsP, out _));
        byte[] c0IsP = (byte[])good.Clone(); FpBytes(Limbs.P).CopyTo(c0IsP, 48);
        Assert.False(BlsSignature.TryFromBytes(c0IsP, out _));
        Assert.False(BlsSignature.TryFromBytes(good.AsSpan(0, 95), out _));
        byte[] uncompressed = new byte[192];
        G2.EncodeUncompressed(BlsSignature.FromBytes(good).Point, uncompressed);
        Assert.False(BlsSignature.TryFromBytes(uncompressed, out _));
        Assert.True(G2.TryDecode(uncompressed, out _));

        int offCurve = 0, offSubgroup = 0;
        for (ulong x = 1; x < 64 && (offCurve < 2 || offSubgroup < 2); x++)
        {
            byte[] enc = new byte[96];
            FpBytes(x).CopyTo(enc, 48);
            enc[0] = 0x80;
            var fx = new Fp2(Fp.FromUlong(x), Fp.Zero);
            bool onCurve = (fx.Square() * fx + G2.B).IsSquare();
            Assert.False(BlsSignature.TryFromBytes(enc, out _));
            if (onCurve) offSubgroup++; else offCurve++;
        }
        Assert.True(offCurve >= 2 && offSubgroup >= 2);
        Assert.False(Bls.Verify(sk.PublicKey.ToBytes(), Msg(5), zeros));
    }

    [Fact]
    public void SecretKeyRulesAndHygiene()
    {
        Assert.Throws<BlsException>(() => BlsSecretKey.FromBytes(new byte[32]));
        Assert.Throws<BlsException>(() => BlsSecretKey.FromBytes(Limbs.R.ToByteArray(isUnsigned: true, isBigEndian: true)));
        Assert.Throws<BlsException>(() => BlsSecretKey.FromBytes(new byte[31]));
        byte[] rMinus1 = (Limbs.R - 1).ToByteArray(isUnsigned: true, isBigEndian: true);
        using (var k = BlsSecretKey.FromBytes(rMinus1))
        {
            // sk = r - 1 gives -G1.
            Assert.True(k.PublicKey.Point.EqualsPoint(G1.Generator.Negate()));
        }
        var sk = Key(600);
        byte[] raw = sk.ToBytes();
        Assert.DoesNotContain(Convert.ToHexString(raw), sk.ToString(), StringComparison.OrdinalIgnoreCase);
        sk.Dispose();
        Assert.Throws<ObjectDisposedException>(() => sk.Sign(Msg(1)));
        Assert.Throws<ObjectDisposedException>(() => sk.ToBytes());
        using var one = BlsSecretKey.FromBytes(new byte[31].Append((byte)1).ToArray());
        Assert.Equal("97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb", Convert.ToHexString(one.PublicKey.ToBytes()).ToLowerInvariant());
    }
}

public class BlsFuzzTests
{
    [Fact]
    public void RandomBytesNeverThrowFromTheByteLevelApi()
    {
        var rng = new Random(99);
        for (int i = 0; i < 60; i++)
        {
            byte[] pk = new byte[i % 7 == 0 ? rng.Next(0, 100) : 48];
            byte[] sig = new byte[i % 5 == 0 ? rng.Next(0, 200) : 96];
            rng.NextBytes(pk);
            rng.NextBytes(sig);
            if (i % 2 == 0 && pk.Length > 0) pk[0] = (byte)((pk[0] & 0x1f) | 0x80);
            if (i % 3 == 0 && sig.Length > 0) sig[0] = (byte)((sig[0] & 0x1f) | 0x80);
            Assert.False(Bls.Verify(pk, [1, 2, 3], sig));
            Assert.False(BlsPublicKey.TryFromBytes(pk, out _));
            Assert.False(BlsSignature.TryFromBytes(sig, out _));
        }
    }
}
