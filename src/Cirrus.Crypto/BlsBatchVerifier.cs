using System.Buffers.Binary;
using System.Security.Cryptography;
using Cirrus.Crypto.Bls12381;

namespace Cirrus.Crypto;

/// <summary>
/// Verifies many (public key, message, signature) sets at once: each set i gets a random non-zero
/// 64-bit scalar r_i and the batch holds iff ∏ e(r_i·pk_i, H(m_i)) · e(-G1, Σ r_i·sig_i) = 1, checked
/// with one multi-pairing (Miller loops spread over the cores, one final exponentiation). A forged set
/// passes only with probability about 2^-64.
/// </summary>
public sealed class BlsBatchVerifier
{
    private readonly List<Set> _sets = [];

    private sealed class Set(BlsPublicKey? key, BlsPublicKey[]? keys, byte[] message, BlsSignature sig)
    {
        public readonly BlsPublicKey? Key = key;
        public readonly BlsPublicKey[]? Keys = keys;
        public readonly byte[] Message = message;
        public readonly BlsSignature Sig = sig;

        public Jacobian<Fp> PublicKeyPoint()
        {
            if (Key is not null) return Key.Point;
            return Keys!.Length == 0 ? Jacobian<Fp>.Infinity : BlsPublicKey.Sum(Keys);
        }
    }

    public int Count => _sets.Count;

    /// <summary>How many cores Verify may use (default: all).</summary>
    public int MaxDegreeOfParallelism { get; set; } = Environment.ProcessorCount;

    public void Add(BlsPublicKey pk, ReadOnlySpan<byte> message, BlsSignature sig)
    {
        ArgumentNullException.ThrowIfNull(pk);
        ArgumentNullException.ThrowIfNull(sig);
        _sets.Add(new Set(pk, null, message.ToArray(), sig));
    }

    /// <summary>Adds a FastAggregateVerify set (an empty key list makes the batch fail).</summary>
    public void AddFastAggregate(ReadOnlySpan<BlsPublicKey> pks, ReadOnlySpan<byte> message, BlsSignature sig)
    {
        ArgumentNullException.ThrowIfNull(sig);
        _sets.Add(new Set(null, pks.ToArray(), message.ToArray(), sig));
    }

    /// <summary>True iff every set is valid (an empty batch is true).</summary>
    public bool Verify()
    {
        int n = _sets.Count;
        if (n == 0) return true;
        if (n == 1)
        {
            Set s = _sets[0];
            return Bls.CoreVerify(s.PublicKeyPoint(), s.Message, s.Sig);
        }
        var scalars = new ulong[n];
        Span<byte> rnd = stackalloc byte[8];
        for (int i = 0; i < n; i++)
        {
            ulong r;
            do { RandomNumberGenerator.Fill(rnd); r = BinaryPrimitives.ReadUInt64LittleEndian(rnd); } while (r == 0);
            scalars[i] = r;
        }
        int workers = Math.Max(1, Math.Min(Math.Max(1, MaxDegreeOfParallelism), (n + 3) / 4));
        var partialF = new Fp12[workers];
        var partialS = new Jacobian<Fp2>[workers];
        var ok = new bool[workers];
        Parallel.For(0, workers, w =>
        {
            int from = (int)((long)n * w / workers), to = (int)((long)n * (w + 1) / workers);
            ok[w] = VerifyChunk(from, to, scalars, out partialF[w], out partialS[w]);
        });
        Fp12 f = Fp12.One;
        Jacobian<Fp2> sum = Jacobian<Fp2>.Infinity;
        for (int w = 0; w < workers; w++)
        {
            if (!ok[w]) return false;
            f = f * partialF[w];
            sum = sum.Add(partialS[w]);
        }
        if (!sum.IsInfinity)
        {
            sum.ToAffine(out Fp2 sx, out Fp2 sy);
            G1.Generator.Negate().ToAffine(out Fp gx, out Fp gy);
            ReadOnlySpan<G1Affine> ps = [new G1Affine(gx, gy)];
            ReadOnlySpan<G2Affine> qs = [new G2Affine(sx, sy)];
            f = f * Pairing.MillerLoop(ps, qs);
        }
        return Pairing.FinalExponentiation(f).IsOne;
    }

    private bool VerifyChunk(int from, int to, ulong[] scalars, out Fp12 f, out Jacobian<Fp2> sigSum)
    {
        int m = to - from;
        var pks = new Jacobian<Fp>[m];
        var hs = new Jacobian<Fp2>[m];
        sigSum = Jacobian<Fp2>.Infinity;
        f = Fp12.One;
        for (int i = 0; i < m; i++)
        {
            Set s = _sets[from + i];
            Jacobian<Fp> pk = s.PublicKeyPoint();
            if (pk.IsInfinity) return false;
            pks[i] = pk.MulVartimeAffine(scalars[from + i]);
            hs[i] = HashToCurve.HashToG2(s.Message, Bls.Dst);
        }
        // Σ r_i·sig_i with shared doublings (Straus) over the NAF digits of r_i: 65 doublings in all plus
        // one mixed addition (of sig_i or -sig_i) per non-zero digit.
        var pos = new UInt128[m];
        var neg = new UInt128[m];
        var negY = new Fp2[m];
        for (int i = 0; i < m; i++)
        {
            Jacobian<Fp2>.Naf(scalars[from + i], out pos[i], out neg[i]);
            negY[i] = -_sets[from + i].Sig.Point.Y;
        }
        for (int bit = 64; bit >= 0; bit--)
        {
            sigSum = sigSum.Double();
            for (int i = 0; i < m; i++)
            {
                BlsSignature sig = _sets[from + i].Sig;
                if (sig.IsInfinity) continue;
                if (((pos[i] >> bit) & 1) != 0) sigSum = sigSum.AddAffine(sig.Point.X, sig.Point.Y);
                else if (((neg[i] >> bit) & 1) != 0) sigSum = sigSum.AddAffine(sig.Point.X, negY[i]);
            }
        }
        Jacobian<Fp>.NormalizeBatch(pks);
        Jacobian<Fp2>.NormalizeBatch(hs);
        var ps = new G1Affine[m];
        var qs = new G2Affine[m];
        for (int i = 0; i < m; i++)
        {
            ps[i] = new G1Affine(pks[i].X, pks[i].Y);
            qs[i] = new G2Affine(hs[i].X, hs[i].Y);
        }
        f = Pairing.MillerLoop(ps, qs);
        return true;
    }

    /// <summary>Fallback after a failed batch: the index of the first invalid set, or null if all are valid.</summary>
    public int? FindFirstInvalid()
    {
        for (int i = 0; i < _sets.Count; i++)
        {
            Set s = _sets[i];
            if (!Bls.CoreVerify(s.PublicKeyPoint(), s.Message, s.Sig)) return i;
        }
        return null;
    }
}
