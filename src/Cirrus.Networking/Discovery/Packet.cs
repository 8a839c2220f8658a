using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Cirrus.Networking.Discovery;

/// <summary>Thrown when a discv5 packet or message cannot be decoded.</summary>
public sealed class Discv5Exception(string message) : Exception(message);

public enum PacketFlag : byte { Message = 0, WhoAreYou = 1, Handshake = 2 }

/// <summary>A decoded (unmasked) packet header; message ciphertext still encrypted.</summary>
public sealed class PacketHeader
{
    public required byte[] MaskingIv { get; init; }
    public required PacketFlag Flag { get; init; }
    public required byte[] Nonce { get; init; }
    public required byte[] AuthData { get; init; }
    /// <summary>static-header ‖ authdata, unmasked.</summary>
    public required byte[] Header { get; init; }
    public required byte[] Message { get; init; }

    /// <summary>masking-iv ‖ header: the GCM associated data, and for WHOAREYOU the challenge-data.</summary>
    public byte[] MaskingIvAndHeader => [.. MaskingIv, .. Header];

    public byte[] SrcId => Flag == PacketFlag.WhoAreYou ? throw new InvalidOperationException() : AuthData[..32];
    public byte[] IdNonce => AuthData[..16];
    public ulong WhoAreYouEnrSeq => BinaryPrimitives.ReadUInt64BigEndian(AuthData.AsSpan(16, 8));

    public byte[] IdSignature => AuthData.AsSpan(34, AuthData[32]).ToArray();
    public byte[] EphemeralPubkey => AuthData.AsSpan(34 + AuthData[32], AuthData[33]).ToArray();
    public byte[] Record => AuthData.AsSpan(34 + AuthData[32] + AuthData[33]).ToArray();
}

/// <summary>discv5.1 packet encoding: masking-iv ‖ aesctr(dest-id[:16], masking-iv, header) ‖ message.</summary>
public static class Discv5Packet
{
    public const int MaskingIvSize = 16;
    public const int StaticHeaderSize = 23;
    public const int MinPacketSize = 63;
    public const int MaxPacketSize = 1280;
    private static ReadOnlySpan<byte> ProtocolId => "discv5"u8;

    public static byte[] BuildHeader(PacketFlag flag, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> authData)
    {
        if (nonce.Length != 12) throw new ArgumentException("nonce is 12 bytes");
        var h = new byte[StaticHeaderSize + authData.Length];
        ProtocolId.CopyTo(h);
        h[6] = 0; h[7] = 1;
        h[8] = (byte)flag;
        nonce.CopyTo(h.AsSpan(9));
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(21), (ushort)authData.Length);
        authData.CopyTo(h.AsSpan(StaticHeaderSize));
        return h;
    }

    public static byte[] MessageAuthData(ReadOnlySpan<byte> srcId) => srcId.ToArray();

    public static byte[] WhoAreYouAuthData(ReadOnlySpan<byte> idNonce, ulong enrSeq)
    {
        var a = new byte[24];
        idNonce.CopyTo(a);
        BinaryPrimitives.WriteUInt64BigEndian(a.AsSpan(16), enrSeq);
        return a;
    }

    public static byte[] HandshakeAuthData(ReadOnlySpan<byte> srcId, ReadOnlySpan<byte> idSignature, ReadOnlySpan<byte> ephPubkey, ReadOnlySpan<byte> record)
    {
        var a = new byte[34 + idSignature.Length + ephPubkey.Length + record.Length];
        srcId.CopyTo(a);
        a[32] = (byte)idSignature.Length;
        a[33] = (byte)ephPubkey.Length;
        idSignature.CopyTo(a.AsSpan(34));
        ephPubkey.CopyTo(a.AsSpan(34 + idSignature.Length));
        record.CopyTo(a.AsSpan(34 + idSignature.Length + ephPubkey.Length));
        return a;
    }

    public static byte[] RandomMaskingIv() { var iv = new byte[16]; RandomNumberGenerator.Fill(iv); return iv; }

    /// <summary>Assembles a packet from an unmasked header and an (already encrypted) message.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> destId, ReadOnlySpan<byte> maskingIv, ReadOnlySpan<byte> header, ReadOnlySpan<byte> message)
    {
        var p = new byte[MaskingIvSize + header.Length + message.Length];
        maskingIv.CopyTo(p);
        Discv5Crypto.AesCtr(destId[..16], maskingIv, header, p.AsSpan(MaskingIvSize, header.Length));
        message.CopyTo(p.AsSpan(MaskingIvSize + header.Length));
        return p;
    }

    /// <summary>Builds a flag-0 or flag-2 packet, encrypting the message with <paramref name="key"/>.</summary>
    public static byte[] EncodeWithMessage(ReadOnlySpan<byte> destId, ReadOnlySpan<byte> maskingIv, PacketFlag flag, ReadOnlySpan<byte> nonce,
        ReadOnlySpan<byte> authData, ReadOnlySpan<byte> key, ReadOnlySpan<byte> messagePlaintext)
    {
        var header = BuildHeader(flag, nonce, authData);
        byte[] ad = [.. maskingIv, .. header];
        var ct = Discv5Crypto.Encrypt(key, nonce, messagePlaintext, ad);
        return Encode(destId, maskingIv, header, ct);
    }

    /// <summary>Unmasks and validates the header. Never throws on bad input.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> localId, out PacketHeader? header)
    {
        header = null;
        if (packet.Length < MinPacketSize || packet.Length > MaxPacketSize) return false;
        var iv = packet[..MaskingIvSize];
        var key = localId[..16];
        Span<byte> stat = stackalloc byte[StaticHeaderSize];
        Discv5Crypto.AesCtr(key, iv, packet.Slice(MaskingIvSize, StaticHeaderSize), stat);
        if (!stat[..6].SequenceEqual(ProtocolId) || stat[6] != 0 || stat[7] != 1) return false;
        byte flag = stat[8];
        int authSize = BinaryPrimitives.ReadUInt16BigEndian(stat[21..]);
        int headerSize = StaticHeaderSize + authSize;
        if (MaskingIvSize + headerSize > packet.Length) return false;
        var full = new byte[headerSize];
        Discv5Crypto.AesCtr(key, iv, packet.Slice(MaskingIvSize, headerSize), full);
        var auth = full[StaticHeaderSize..];
        var message = packet[(MaskingIvSize + headerSize)..];
        switch (flag)
        {
            case 0:
                if (authSize != 32 || message.Length < Discv5Crypto.TagSize) return false;
                break;
            case 1:
                if (authSize != 24 || message.Length != 0) return false;
                break;
            case 2:
                if (authSize < 34 || message.Length < Discv5Crypto.TagSize) return false;
                if (34 + auth[32] + auth[33] > authSize) return false;
                if (auth[32] != 64 || auth[33] != 33) return false; // v4 scheme only
                break;
            default:
                return false;
        }
        header = new PacketHeader
        {
            MaskingIv = iv.ToArray(), Flag = (PacketFlag)flag, Nonce = stat.Slice(9, 12).ToArray(), AuthData = auth,
            Header = full, Message = message.ToArray(),
        };
        return true;
    }
}
