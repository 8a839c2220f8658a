using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Cirrus.Crypto;

namespace Cirrus.Validator.Keys;

/// <summary>EIP-2333 BLS12-381 key derivation (the September 2020 version: KeyGen-style HKDF_mod_r with a hashed salt).</summary>
public static class KeyDerivation
{
    /// <summary>The BLS12-381 group order r.</summary>
    public static readonly BigInteger R =
        BigInteger.Parse("52435875175126190479447740508185965837690552500527637822603658699938581184513");

    private static readonly byte[] KeyGenSalt = Encoding.ASCII.GetBytes("BLS-SIG-KEYGEN-SALT-");
    private const int L = 48; // ceil(3 * ceil(log2(r)) / 16)

    /// <summary>spec: IKM_to_lamport_SK — 255 chunks of 32 bytes.</summary>
    internal static byte[] IkmToLamportSk(ReadOnlySpan<byte> ikm, ReadOnlySpan<byte> salt)
    {
        var prk = new byte[32];
        HKDF.Extract(HashAlgorithmName.SHA256, ikm, salt, prk);
        var okm = new byte[32 * 255];
        HKDF.Expand(HashAlgorithmName.SHA256, prk, okm, ReadOnlySpan<byte>.Empty);
        CryptographicOperations.ZeroMemory(prk);
        return okm;
    }

    /// <summary>spec: parent_SK_to_lamport_PK — the compressed Lamport public key.</summary>
    public static byte[] ParentSkToLamportPk(ReadOnlySpan<byte> parentSk32, uint index)
    {
        Span<byte> salt = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(salt, index);
        byte[] notIkm = new byte[32];
        for (int i = 0; i < 32; i++) notIkm[i] = (byte)~parentSk32[i];
        byte[] l0 = IkmToLamportSk(parentSk32, salt);
        byte[] l1 = IkmToLamportSk(notIkm, salt);
        var pk = new byte[2 * 255 * 32];
        for (int i = 0; i < 255; i++)
        {
            SHA256.HashData(l0.AsSpan(i * 32, 32), pk.AsSpan(i * 32, 32));
            SHA256.HashData(l1.AsSpan(i * 32, 32), pk.AsSpan((255 + i) * 32, 32));
        }
        CryptographicOperations.ZeroMemory(l0);
        CryptographicOperations.ZeroMemory(l1);
        CryptographicOperations.ZeroMemory(notIkm);
        return SHA256.HashData(pk);
    }

    /// <summary>spec: HKDF_mod_r — the secret key as 32 big-endian bytes.</summary>
    public static byte[] HkdfModR(ReadOnlySpan<byte> ikm, ReadOnlySpan<byte> keyInfo = default)
    {
        byte[] salt = KeyGenSalt;
        var ikm0 = new byte[ikm.Length + 1]; // IKM || I2OSP(0, 1)
        ikm.CopyTo(ikm0);
        var info = new byte[keyInfo.Length + 2]; // key_info || I2OSP(L, 2)
        keyInfo.CopyTo(info);
        BinaryPrimitives.WriteUInt16BigEndian(info.AsSpan(keyInfo.Length), L);
        var okm = new byte[L];
        try
        {
            while (true)
            {
                salt = SHA256.HashData(salt);
                byte[] prk = HKDF.Extract(HashAlgorithmName.SHA256, ikm0, salt);
                HKDF.Expand(HashAlgorithmName.SHA256, prk, okm, info);
                CryptographicOperations.ZeroMemory(prk);
                BigInteger sk = new BigInteger(okm, isUnsigned: true, isBigEndian: true) % R;
                if (!sk.IsZero) return ToBytes32(sk);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ikm0);
            CryptographicOperations.ZeroMemory(okm);
        }
    }

    /// <summary>spec: derive_master_SK (the seed must be at least 32 bytes).</summary>
    public static byte[] DeriveMasterSk(ReadOnlySpan<byte> seed)
    {
        if (seed.Length < 32) throw new ValidatorException("an EIP-2333 seed is at least 32 bytes");
        return HkdfModR(seed);
    }

    /// <summary>spec: derive_child_SK.</summary>
    public static byte[] DeriveChildSk(ReadOnlySpan<byte> parentSk32, uint index)
    {
        if (parentSk32.Length != 32) throw new ValidatorException("a parent secret key is 32 bytes");
        byte[] lamportPk = ParentSkToLamportPk(parentSk32, index);
        return HkdfModR(lamportPk);
    }

    /// <summary>The secret key at an EIP-2334 path ("m/…") below the seed's master key, as 32 big-endian bytes.</summary>
    public static byte[] DeriveSkAtPath(ReadOnlySpan<byte> seed, string path)
    {
        uint[] indices = KeyPath.Parse(path);
        byte[] sk = DeriveMasterSk(seed);
        foreach (uint i in indices)
        {
            byte[] child = DeriveChildSk(sk, i);
            CryptographicOperations.ZeroMemory(sk);
            sk = child;
        }
        return sk;
    }

    /// <summary>The BLS secret key at a path.</summary>
    public static BlsSecretKey DeriveKeyAtPath(ReadOnlySpan<byte> seed, string path)
    {
        byte[] sk = DeriveSkAtPath(seed, path);
        try { return BlsSecretKey.FromBytes(sk); }
        finally { CryptographicOperations.ZeroMemory(sk); }
    }

    internal static byte[] ToBytes32(BigInteger v)
    {
        byte[] be = v.ToByteArray(isUnsigned: true, isBigEndian: true);
        var r = new byte[32];
        be.CopyTo(r, 32 - be.Length);
        return r;
    }
}
