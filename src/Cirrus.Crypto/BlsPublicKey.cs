using Cirrus.Crypto.Bls12381;

namespace Cirrus.Crypto;

/// <summary>
/// A decoded, validated BLS public key (a G1 point). Decoding is the expensive part (square root and
/// subgroup check), so callers decode once and cache the object.
/// </summary>
public sealed class BlsPublicKey
{
    internal readonly Jacobian<Fp> Point; // normalized: Z = 1 unless infinity
    private readonly byte[] _bytes;

    internal BlsPublicKey(in Jacobian<Fp> point, byte[]? encoded = null)
    {
        if (point.IsInfinity)
        {
            Point = point;
        }
        else
        {
            point.ToAffine(out Fp x, out Fp y);
            Point = Jacobian<Fp>.FromAffine(x, y);
        }
        if (encoded is null)
        {
            encoded = new byte[48];
            G1.EncodeCompressed(Point, encoded);
        }
        _bytes = encoded;
    }

    internal bool IsInfinity => Point.IsInfinity;

    internal G1Affine Affine => new(Point.X, Point.Y);

    /// <summary>KeyValidate: a compressed point on the curve, in G1, and not the point at infinity.</summary>
    public static bool TryFromBytes(ReadOnlySpan<byte> compressed48, out BlsPublicKey? key)
    {
        key = null;
        if (!G1.DecodeKey(compressed48, out Jacobian<Fp> p)) return false;
        key = new BlsPublicKey(p, compressed48.ToArray());
        return true;
    }

    /// <summary>
    /// <see cref="TryFromBytes"/> for many encodings at once (null where one is invalid): the square roots
    /// and subgroup checks run eight at a time in AVX-512 lanes where the CPU has them, and blocks of keys
    /// go to the cores.
    /// </summary>
    public static BlsPublicKey?[] TryFromBytesMany(IReadOnlyList<byte[]> compressed48)
    {
        ArgumentNullException.ThrowIfNull(compressed48);
        return LaneGroups.DecodeInBlocks<Jacobian<Fp>, BlsPublicKey>(compressed48, 64, G1.DecodeKeysMany,
            (point, encoding) => new BlsPublicKey(point, encoding));
    }

    public static BlsPublicKey FromBytes(ReadOnlySpan<byte> compressed48) =>
        TryFromBytes(compressed48, out BlsPublicKey? k) ? k! : throw new BlsException("invalid BLS public key");

    /// <summary>Sum of the keys (for FastAggregateVerify); throws on an empty list.</summary>
    public static BlsPublicKey Aggregate(ReadOnlySpan<BlsPublicKey> keys)
    {
        if (keys.Length == 0) throw new BlsException("cannot aggregate an empty list of public keys");
        return new BlsPublicKey(Sum(keys));
    }

    internal static Jacobian<Fp> Sum(ReadOnlySpan<BlsPublicKey> keys)
    {
        Jacobian<Fp> acc = keys[0].Point;
        for (int i = 1; i < keys.Length; i++)
        {
            BlsPublicKey k = keys[i];
            acc = k.IsInfinity ? acc : acc.AddAffine(k.Point.X, k.Point.Y);
        }
        return acc;
    }

    /// <summary>The 48-byte compressed encoding.</summary>
    public byte[] ToBytes() => (byte[])_bytes.Clone();

    public override string ToString() => "0x" + Convert.ToHexString(_bytes).ToLowerInvariant();

    public override bool Equals(object? obj) => obj is BlsPublicKey o && _bytes.AsSpan().SequenceEqual(o._bytes);

    public override int GetHashCode() => BitConverter.ToInt32(_bytes, 1);
}
