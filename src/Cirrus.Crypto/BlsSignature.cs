using Cirrus.Crypto.Bls12381;

namespace Cirrus.Crypto;

/// <summary>A decoded BLS signature: a G2 point, on the curve and in the subgroup (infinity allowed).</summary>
public sealed class BlsSignature
{
    internal readonly Jacobian<Fp2> Point; // normalized: Z = 1 unless infinity
    private readonly byte[] _bytes;

    internal BlsSignature(in Jacobian<Fp2> point, byte[]? encoded = null)
    {
        if (point.IsInfinity)
        {
            Point = point;
        }
        else
        {
            point.ToAffine(out Fp2 x, out Fp2 y);
            Point = Jacobian<Fp2>.FromAffine(x, y);
        }
        if (encoded is null)
        {
            encoded = new byte[96];
            G2.EncodeCompressed(Point, encoded);
        }
        _bytes = encoded;
    }

    internal bool IsInfinity => Point.IsInfinity;

    internal G2Affine Affine => new(Point.X, Point.Y);

    /// <summary>Decodes a 96-byte compressed signature: valid encoding, on the curve, in G2.</summary>
    public static bool TryFromBytes(ReadOnlySpan<byte> compressed96, out BlsSignature? sig)
    {
        sig = null;
        if (!G2.DecodeCompressedInSubgroup(compressed96, out Jacobian<Fp2> p)) return false;
        sig = new BlsSignature(p, compressed96.ToArray());
        return true;
    }

    /// <summary>
    /// <see cref="TryFromBytes"/> for many encodings at once (null where one is invalid): the square
    /// roots and subgroup checks run eight at a time in AVX-512 lanes where the CPU has them, and blocks
    /// of signatures go to the cores.
    /// </summary>
    public static BlsSignature?[] TryFromBytesMany(IReadOnlyList<byte[]> compressed96)
    {
        ArgumentNullException.ThrowIfNull(compressed96);
        return LaneGroups.DecodeInBlocks<Jacobian<Fp2>, BlsSignature>(compressed96, 32, G2.DecodeCompressedInSubgroupMany,
            (point, encoding) => new BlsSignature(point, encoding));
    }

    public static BlsSignature FromBytes(ReadOnlySpan<byte> compressed96) =>
        TryFromBytes(compressed96, out BlsSignature? s) ? s! : throw new BlsException("invalid BLS signature");

    /// <summary>Sum of the signatures; throws on an empty list.</summary>
    public static BlsSignature Aggregate(ReadOnlySpan<BlsSignature> sigs)
    {
        if (sigs.Length == 0) throw new BlsException("cannot aggregate an empty list of signatures");
        Jacobian<Fp2> acc = sigs[0].Point;
        for (int i = 1; i < sigs.Length; i++)
        {
            BlsSignature s = sigs[i];
            if (!s.IsInfinity) acc = acc.AddAffine(s.Point.X, s.Point.Y);
        }
        return new BlsSignature(acc);
    }

    /// <summary>The 96-byte compressed encoding.</summary>
    public byte[] ToBytes() => (byte[])_bytes.Clone();

    public override string ToString() => "0x" + Convert.ToHexString(_bytes).ToLowerInvariant();

    public override bool Equals(object? obj) => obj is BlsSignature o && _bytes.AsSpan().SequenceEqual(o._bytes);

    public override int GetHashCode() => BitConverter.ToInt32(_bytes, 1);
}
