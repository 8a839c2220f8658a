using NBitcoin.Secp256k1;
using SHA256 = System.Security.Cryptography.SHA256;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Cirrus.Networking;

/// <summary>libp2p key types (crypto.proto <c>KeyType</c>).</summary>
public enum KeyType
{
    Rsa = 0,
    Ed25519 = 1,
    Secp256k1 = 2,
    Ecdsa = 3,
}

/// <summary>
/// A remote or local libp2p public key. Secp256k1 (eth2) and Ed25519 (js-libp2p default) can be verified;
/// other types are rejected when decoding.
/// </summary>
public sealed class PeerPublicKey : IEquatable<PeerPublicKey>
{
    public KeyType Type { get; }
    /// <summary>Raw key bytes: 33-byte compressed point for secp256k1, 32 bytes for Ed25519.</summary>
    public byte[] Data { get; }

    private PeerPublicKey(KeyType type, byte[] data) { Type = type; Data = data; }

    public static PeerPublicKey FromSecp256k1(ReadOnlySpan<byte> compressedOrUncompressed)
    {
        if (!ECPubKey.TryCreate(compressedOrUncompressed, Context.Instance, out _, out var pk) || pk is null)
            throw new P2pException("invalid secp256k1 public key");
        var buf = new byte[33];
        pk.WriteToSpan(true, buf, out _);
        return new PeerPublicKey(KeyType.Secp256k1, buf);
    }

    public static PeerPublicKey FromEd25519(ReadOnlySpan<byte> data)
    {
        if (data.Length != 32) throw new P2pException("invalid ed25519 public key length");
        return new PeerPublicKey(KeyType.Ed25519, data.ToArray());
    }

    /// <summary>Decodes the protobuf <c>PublicKey { KeyType Type = 1; bytes Data = 2; }</c>.</summary>
    public static PeerPublicKey Unmarshal(ReadOnlySpan<byte> proto)
    {
        if (proto.Length > 1024) throw new P2pException("public key protobuf too large");
        var r = new ProtoReader(proto);
        ulong? type = null;
        byte[]? data = null;
        while (r.Next(out var f))
        {
            if (f.Number == 1) type = f.AsVarint();
            else if (f.Number == 2) data = f.AsBytes();
        }
        if (type is null || data is null) throw new P2pException("public key protobuf missing fields");
        return type switch
        {
            (ulong)KeyType.Secp256k1 => FromSecp256k1(data),
            (ulong)KeyType.Ed25519 => FromEd25519(data),
            _ => throw new P2pException($"unsupported key type {type}"),
        };
    }

    public byte[] Marshal() => new ProtoWriter(40).UInt64(1, (ulong)Type).Bytes(2, Data).ToArray();

    /// <summary>Verifies a libp2p signature (secp256k1: DER ECDSA over SHA-256(msg); Ed25519: over msg).</summary>
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        switch (Type)
        {
            case KeyType.Secp256k1:
                {
                    if (!SecpECDSASignature.TryCreateFromDer(signature, out var sig) || sig is null) return false;
                    if (!ECPubKey.TryCreate(Data, Context.Instance, out _, out var pk) || pk is null) return false;
                    Span<byte> hash = stackalloc byte[32];
                    SHA256.HashData(message, hash);
                    // Accept high-S signatures too (libp2p does not require low-S).
                    var (r, s) = sig;
                    if (s.IsHigh) sig = new SecpECDSASignature(r, s.Negate(), false);
                    return pk.SigVerify(sig, hash);
                }
            case KeyType.Ed25519:
                {
                    if (signature.Length != 64) return false;
                    var verifier = new Ed25519Signer();
                    verifier.Init(false, new Ed25519PublicKeyParameters(Data, 0));
                    var msg = message.ToArray();
                    verifier.BlockUpdate(msg, 0, msg.Length);
                    return verifier.VerifySignature(signature.ToArray());
                }
            default:
                return false;
        }
    }

    public PeerId ToPeerId() => PeerId.FromPublicKey(this);

    public bool Equals(PeerPublicKey? other) => other is not null && other.Type == Type && other.Data.AsSpan().SequenceEqual(Data);
    public override bool Equals(object? obj) => obj is PeerPublicKey k && Equals(k);
    public override int GetHashCode() => HashCode.Combine(Type, BitConverter.ToInt32(Data, 1));
}
