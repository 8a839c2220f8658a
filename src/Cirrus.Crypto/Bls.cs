using System.Text;
using Cirrus.Crypto.Bls12381;

namespace Cirrus.Crypto;

/// <summary>
/// The IETF BLS signature API as eth2 uses it: ciphersuite BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_,
/// public keys in G1 (48 bytes), signatures in G2 (96 bytes).
/// </summary>
public static class Bls
{
    public const string DstString = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

    internal static readonly byte[] Dst = Encoding.ASCII.GetBytes(DstString);

    internal static readonly G1Affine MinusG1 = MakeMinusG1();

    private static G1Affine MakeMinusG1()
    {
        G1.Generator.Negate().ToAffine(out Fp x, out Fp y);
        return new G1Affine(x, y);
    }

    internal static G2Affine HashToAffine(ReadOnlySpan<byte> message)
    {
        Jacobian<Fp2> h = HashToCurve.HashToG2(message, Dst);
        h.ToAffine(out Fp2 x, out Fp2 y);
        return new G2Affine(x, y);
    }

    /// <summary>e(pk, H(m)) == e(G1, sig) as one two-pair Miller loop and one final exponentiation.</summary>
    internal static bool CoreVerify(in Jacobian<Fp> pk, ReadOnlySpan<byte> message, BlsSignature sig)
    {
        if (pk.IsInfinity) return false;
        pk.ToAffine(out Fp px, out Fp py);
        Span<G1Affine> ps = stackalloc G1Affine[2];
        Span<G2Affine> qs = stackalloc G2Affine[2];
        ps[0] = new G1Affine(px, py);
        qs[0] = HashToAffine(message);
        int n = 1;
        if (!sig.IsInfinity)
        {
            ps[1] = MinusG1;
            qs[1] = sig.Affine;
            n = 2;
        }
        return Pairing.FinalExponentiation(Pairing.MillerLoop(ps[..n], qs[..n])).IsOne;
    }

    public static bool Verify(BlsPublicKey pk, ReadOnlySpan<byte> message, BlsSignature sig) =>
        CoreVerify(pk.Point, message, sig);

    /// <summary>Verify of one signature by many keys over the same message; false on an empty key list.</summary>
    public static bool FastAggregateVerify(ReadOnlySpan<BlsPublicKey> pks, ReadOnlySpan<byte> message, BlsSignature sig)
    {
        if (pks.Length == 0) return false;
        return CoreVerify(BlsPublicKey.Sum(pks), message, sig);
    }

    /// <summary>Verify of an aggregate of signatures by distinct keys over their own messages; false on empty input.</summary>
    public static bool AggregateVerify(ReadOnlySpan<BlsPublicKey> pks, ReadOnlySpan<byte[]> messages, BlsSignature sig)
    {
        int n = pks.Length;
        if (n == 0 || messages.Length != n) return false;
        var ps = new G1Affine[n + 1];
        var qs = new G2Affine[n + 1];
        for (int i = 0; i < n; i++)
        {
            if (pks[i].IsInfinity) return false;
            ps[i] = pks[i].Affine;
            qs[i] = HashToAffine(messages[i]);
        }
        int count = n;
        if (!sig.IsInfinity)
        {
            ps[n] = MinusG1;
            qs[n] = sig.Affine;
            count = n + 1;
        }
        return Pairing.FinalExponentiation(Pairing.MillerLoop(ps.AsSpan(0, count), qs.AsSpan(0, count))).IsOne;
    }

    /// <summary>
    /// Verify on encoded inputs; false (never an exception) on malformed input. As the v0.12.3 vectors
    /// encode (verify_infinity_pubkey_and_infinity_signature), the infinity public key verifies exactly
    /// the infinity signature, since e(O, H(m)) = 1 = e(G1, O).
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> pk48, ReadOnlySpan<byte> message, ReadOnlySpan<byte> sig96)
    {
        if (pk48.Length != 48 || sig96.Length != 96) return false;
        if (!BlsSignature.TryFromBytes(sig96, out BlsSignature? sig)) return false;
        if (IsInfinityEncoding(pk48)) return sig!.IsInfinity;
        if (!BlsPublicKey.TryFromBytes(pk48, out BlsPublicKey? pk)) return false;
        return Verify(pk!, message, sig!);
    }

    private static bool IsInfinityEncoding(ReadOnlySpan<byte> pk48)
    {
        if (pk48[0] != 0xc0) return false;
        for (int i = 1; i < pk48.Length; i++) if (pk48[i] != 0) return false;
        return true;
    }
}
