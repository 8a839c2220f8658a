using System.Security.Cryptography;
using Cirrus.Networking.Discovery;
using NBitcoin.Secp256k1;
using SHA256 = System.Security.Cryptography.SHA256;

namespace Cirrus.Networking;

/// <summary>
/// A secp256k1 private key. A node uses one for both halves: its libp2p identity (peer id, noise, identify)
/// and its discv5 identity (ENR "v4" scheme, node id); discv5 also makes ephemeral ones for handshakes.
/// </summary>
public sealed class Secp256k1Key
{
    private readonly ECPrivKey _key;
    // Lazy: ephemeral handshake keys never need a libp2p identity.
    private PeerPublicKey? _peerPublicKey;
    private PeerId? _peerId;

    /// <summary>Compressed public key, 33 bytes.</summary>
    public byte[] PublicKey { get; }
    /// <summary>keccak256 of the uncompressed x‖y (the "v4" node id).</summary>
    public byte[] NodeId { get; }

    /// <summary>The public key as libp2p marshals it (noise payload, identify).</summary>
    public PeerPublicKey PeerPublicKey => _peerPublicKey ??= PeerPublicKey.FromSecp256k1(PublicKey);
    /// <summary>The libp2p peer id; equals the one an ENR signed by this key gives.</summary>
    public PeerId PeerId => _peerId ??= PeerId.FromPublicKey(PeerPublicKey);

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

    /// <summary>ENR and discv5 ("v4" scheme): ECDSA over a 32-byte hash, RFC 6979 nonce, low-S; returns r‖s (64 bytes).</summary>
    public byte[] SignHash(ReadOnlySpan<byte> hash32)
    {
        var sig = _key.SignECDSARFC6979(hash32);
        var result = new byte[64];
        sig.WriteCompactToSpan(result);
        return result;
    }

    /// <summary>libp2p (noise payload): DER-encoded ECDSA over SHA-256(message); <see cref="PeerPublicKey.Verify"/> checks it.</summary>
    public byte[] SignLibp2p(ReadOnlySpan<byte> message)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(message, hash);
        var sig = _key.SignECDSARFC6979(hash);
        Span<byte> der = stackalloc byte[80];
        sig.WriteDerToSpan(der, out int len);
        return der[..len].ToArray();
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

    /// <summary>Verifies a 64-byte r‖s signature (high-S accepted) over a 32-byte hash.</summary>
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
