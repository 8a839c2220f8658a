using System.Security.Cryptography;
using NBitcoin.Secp256k1;
using Org.BouncyCastle.Crypto.Digests;

namespace Cirrus.Networking.Discovery;

/// <summary>Hash helpers used by the v4 identity scheme and discv5.</summary>
public static class DiscoveryHash
{
    public static byte[] Keccak256(ReadOnlySpan<byte> data)
    {
        var d = new KeccakDigest(256);
        d.BlockUpdate(data);
        var output = new byte[32];
        d.DoFinal(output);
        return output;
    }
}

/// <summary>A secp256k1 private key: the node's identity key (v4 scheme) or an ephemeral handshake key.</summary>
public sealed class Secp256k1Key
{
    private readonly ECPrivKey _key;

    public byte[] PublicKey { get; }          // compressed, 33 bytes
    public byte[] NodeId { get; }             // keccak256(uncompressed x||y)

    private Secp256k1Key(ECPrivKey key)
    {
        _key = key;
        var pub = key.CreatePubKey();
        PublicKey = pub.ToBytes(true);
        NodeId = NodeIdFromPublicKey(PublicKey);
    }

    public static Secp256k1Key FromBytes(ReadOnlySpan<byte> secret)
    {
        if (secret.Length != 32 || !Context.Instance.TryCreateECPrivKey(secret, out var k) || k is null)
            throw new ArgumentException("invalid secp256k1 private key");
        return new Secp256k1Key(k);
    }

    public static Secp256k1Key Generate()
    {
        Span<byte> buf = stackalloc byte[32];
        while (true)
        {
            RandomNumberGenerator.Fill(buf);
            if (Context.Instance.TryCreateECPrivKey(buf, out var k) && k is not null)
            {
                buf.Clear();
                return new Secp256k1Key(k);
            }
        }
    }

    public byte[] ToBytes()
    {
        var b = new byte[32];
        _key.WriteToSpan(b);
        return b;
    }

    /// <summary>ECDSA over a 32-byte hash, RFC 6979 nonce, low-S; returns r||s (64 bytes).</summary>
    public byte[] Sign(ReadOnlySpan<byte> hash32)
    {
        var sig = _key.SignECDSARFC6979(hash32);
        var result = new byte[64];
        sig.WriteCompactToSpan(result);
        return result;
    }

    /// <summary>ECDH as discv5 defines it: the compressed encoding (33 bytes) of pubkey * secret.</summary>
    public byte[] Ecdh(ReadOnlySpan<byte> publicKey)
    {
        if (!TryParsePublicKey(publicKey, out var pub)) throw new ArgumentException("invalid public key");
        return pub!.GetSharedPubkey(_key).ToBytes(true);
    }

    public bool TryEcdh(ReadOnlySpan<byte> publicKey, out byte[] secret)
    {
        secret = [];
        if (!TryParsePublicKey(publicKey, out var pub)) return false;
        secret = pub!.GetSharedPubkey(_key).ToBytes(true);
        return true;
    }

    internal static bool TryParsePublicKey(ReadOnlySpan<byte> publicKey, out ECPubKey? pub)
    {
        pub = null;
        if (publicKey.Length == 64)
        {
            Span<byte> full = stackalloc byte[65];
            full[0] = 4;
            publicKey.CopyTo(full[1..]);
            return ECPubKey.TryCreate(full, Context.Instance, out _, out pub) && pub is not null;
        }
        if (publicKey.Length != 33 && publicKey.Length != 65) return false;
        return ECPubKey.TryCreate(publicKey, Context.Instance, out _, out pub) && pub is not null;
    }

    public static bool IsValidPublicKey(ReadOnlySpan<byte> publicKey) => TryParsePublicKey(publicKey, out _);

    /// <summary>Verifies a 64-byte r||s signature (high-S accepted) over a 32-byte hash.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> hash32, ReadOnlySpan<byte> signature64)
    {
        if (signature64.Length != 64 || hash32.Length != 32) return false;
        if (!TryParsePublicKey(publicKey, out var pub)) return false;
        if (!SecpECDSASignature.TryCreateFromCompact(signature64, out var sig) || sig is null) return false;
        sig.TryNormalize(out var normalized);
        return pub!.SigVerify(normalized ?? sig, hash32);
    }

    public static byte[] NodeIdFromPublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (!TryParsePublicKey(publicKey, out var pub)) throw new ArgumentException("invalid public key");
        var uncompressed = pub!.ToBytes(false);
        return DiscoveryHash.Keccak256(uncompressed.AsSpan(1));
    }

    public static byte[] CompressPublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (!TryParsePublicKey(publicKey, out var pub)) throw new ArgumentException("invalid public key");
        return pub!.ToBytes(true);
    }
}
