using System.Security.Cryptography;

namespace Cirrus.Networking;

/// <summary>
/// A libp2p peer id: the multihash of the marshalled public key (identity multihash when the key
/// protobuf is at most 42 bytes, as for secp256k1 and Ed25519; SHA-256 otherwise). Printed in base58btc.
/// </summary>
public sealed class PeerId : IEquatable<PeerId>
{
    private readonly byte[] _bytes;
    private readonly int _hash;
    private string? _str;

    private PeerId(byte[] bytes)
    {
        _bytes = bytes;
        var h = new HashCode();
        h.AddBytes(bytes);
        _hash = h.ToHashCode();
    }

    /// <summary>The multihash bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;
    public byte[] ToByteArray() => (byte[])_bytes.Clone();

    public static PeerId FromPublicKey(PeerPublicKey key)
    {
        var proto = key.Marshal();
        byte[] mh;
        if (proto.Length <= 42)
        {
            mh = new byte[2 + proto.Length];
            mh[0] = 0x00;
            mh[1] = (byte)proto.Length;
            proto.CopyTo(mh, 2);
        }
        else
        {
            mh = new byte[34];
            mh[0] = 0x12; mh[1] = 0x20;
            SHA256.HashData(proto, mh.AsSpan(2));
        }
        return new PeerId(mh);
    }

    /// <summary>The peer id of a secp256k1 public key (33 or 65 bytes), e.g. an ENR's; throws <see cref="P2pException"/> if invalid.</summary>
    public static PeerId FromSecp256k1(ReadOnlySpan<byte> publicKey) => FromPublicKey(PeerPublicKey.FromSecp256k1(publicKey));

    /// <summary>Parses multihash bytes; throws <see cref="P2pException"/> if they are not a valid identity or sha2-256 multihash.</summary>
    public static PeerId FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 2 || bytes.Length > 128) throw new P2pException("invalid peer id length");
        ulong code = Varint.Read(bytes, out int n);
        ulong len = Varint.Read(bytes[n..], out int m);
        if ((ulong)(bytes.Length - n - m) != len) throw new P2pException("peer id multihash length mismatch");
        if (code == 0x12 && len != 32) throw new P2pException("sha2-256 multihash must be 32 bytes");
        if (code != 0x00 && code != 0x12) throw new P2pException($"unsupported multihash code {code}");
        return new PeerId(bytes.ToArray());
    }

    public static bool TryFromBytes(ReadOnlySpan<byte> bytes, out PeerId? id)
    {
        try { id = FromBytes(bytes); return true; }
        catch (P2pException) { id = null; return false; }
    }

    public static PeerId Parse(string s)
    {
        byte[] b;
        try { b = Base58.Decode(s); }
        catch (FormatException e) { throw new FormatException($"invalid peer id '{s}': {e.Message}"); }
        try { return FromBytes(b); }
        catch (P2pException e) { throw new FormatException($"invalid peer id '{s}': {e.Message}"); }
    }

    /// <summary>For identity multihashes, the embedded public key; null for hashed ids.</summary>
    public PeerPublicKey? TryGetPublicKey()
    {
        if (_bytes[0] != 0x00) return null;
        try { return PeerPublicKey.Unmarshal(_bytes.AsSpan(2)); }
        catch (P2pException) { return null; }
    }

    public bool Matches(PeerPublicKey key) => Equals(FromPublicKey(key));

    public override string ToString() => _str ??= Base58.Encode(_bytes);
    public bool Equals(PeerId? other) => other is not null && other._hash == _hash && other._bytes.AsSpan().SequenceEqual(_bytes);
    public override bool Equals(object? obj) => obj is PeerId p && Equals(p);
    public override int GetHashCode() => _hash;
    public static bool operator ==(PeerId? a, PeerId? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(PeerId? a, PeerId? b) => !(a == b);
}
