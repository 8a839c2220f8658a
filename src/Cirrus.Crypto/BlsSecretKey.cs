using System.Security.Cryptography;
using Cirrus.Crypto.Bls12381;

namespace Cirrus.Crypto;

/// <summary>
/// A BLS secret key (a scalar 0 &lt; sk &lt; r). Signing and SkToPk use scalar multiplications whose
/// sequence of field operations does not depend on the key (complete projective formulas, fixed
/// windows or the key's digits in base |x| through ψ, branch-free table scans and long division). The
/// key bytes are zeroed on Dispose and never printed.
/// </summary>
public sealed class BlsSecretKey : IDisposable
{
    private readonly byte[] _sk = new byte[32];
    private BlsPublicKey? _pk;
    private bool _disposed;

    private static readonly byte[] OrderBe = Limbs.R.ToByteArray(isUnsigned: true, isBigEndian: true);

    private BlsSecretKey(ReadOnlySpan<byte> be32) => be32.CopyTo(_sk);

    /// <summary>Reads a 32-byte big-endian scalar; throws if it is 0 or &gt;= r.</summary>
    public static BlsSecretKey FromBytes(ReadOnlySpan<byte> be32)
    {
        if (be32.Length != 32) throw new BlsException("a BLS secret key is 32 bytes");
        bool zero = true;
        foreach (byte b in be32) zero &= b == 0;
        if (zero) throw new BlsException("a BLS secret key must not be zero");
        if (be32.SequenceCompareTo(OrderBe) >= 0) throw new BlsException("a BLS secret key must be below the group order");
        return new BlsSecretKey(be32);
    }

    /// <summary>SkToPk.</summary>
    public BlsPublicKey PublicKey
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _pk ??= new BlsPublicKey(Projective<Fp>.MulSecret(G1.Generator, _sk, G1.B3));
        }
    }

    /// <summary>Sign(sk, message) with the proof-of-possession ciphersuite's DST.</summary>
    public BlsSignature Sign(ReadOnlySpan<byte> message)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Jacobian<Fp2> h = HashToCurve.HashToG2(message, Bls.Dst);
        return new BlsSignature(G2Secret.Mul(h, _sk));
    }

    /// <summary>The 32-byte big-endian scalar (for keystores); the caller should zero the copy.</summary>
    public byte[] ToBytes()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return (byte[])_sk.Clone();
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_sk);
        _disposed = true;
    }

    public override string ToString() => "BlsSecretKey(<redacted>)";
}
