using System.Net;
using Cirrus.Networking.Discovery;

namespace Cirrus.Networking.Tests.Discovery;

/// <summary>Random and mutated inputs: decoders throw only their documented exception type, or nothing.</summary>
public class DecoderRobustnessTests
{
    private static IEnumerable<byte[]> Inputs(byte[][] seeds, int count, int seed)
    {
        var rng = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            if (i % 3 == 0) { var b = new byte[rng.Next(0, 400)]; rng.NextBytes(b); yield return b; continue; }
            var s = (byte[])seeds[rng.Next(seeds.Length)].Clone();
            int flips = rng.Next(1, 5);
            for (int f = 0; f < flips && s.Length > 0; f++) s[rng.Next(s.Length)] = (byte)rng.Next(256);
            if (rng.Next(3) == 0 && s.Length > 0) s = s[..rng.Next(s.Length)];
            yield return s;
        }
    }

    [Fact]
    public void Message_decoder_throws_only_Discv5Exception()
    {
        var enr = new EnrBuilder().SetIp(IPAddress.Loopback).SetUdp(1).Build(Secp256k1Key.Generate());
        byte[][] seeds =
        [
            new Ping([1, 2], 3).Encode(), new Pong([1], 9, IPAddress.Loopback, 30303).Encode(),
            new FindNode([1], [0, 255, 256]).Encode(), new Nodes([7], 2, [enr.ToBytes(), enr.ToBytes()]).Encode(),
            new TalkReq([1], [1, 2], [3]).Encode(), new TalkResp([1], [4, 5]).Encode(),
        ];
        int ok = 0;
        foreach (var input in Inputs(seeds, 30000, 11))
        {
            try { Discv5Message.Decode(input); ok++; }
            catch (Discv5Exception) { }
        }
        Assert.True(ok > 0);
    }

    [Fact]
    public void Packet_decoder_never_throws()
    {
        var local = Secp256k1Key.Generate();
        var src = Secp256k1Key.Generate();
        var nonce = new byte[12];
        byte[][] seeds =
        [
            Discv5Packet.EncodeWithMessage(local.NodeId, new byte[16], PacketFlag.Message, nonce, src.NodeId, new byte[16], new Ping([1], 1).Encode()),
            Discv5Packet.Encode(local.NodeId, new byte[16], Discv5Packet.BuildHeader(PacketFlag.WhoAreYou, nonce, Discv5Packet.WhoAreYouAuthData(new byte[16], 1)), []),
            Discv5Packet.EncodeWithMessage(local.NodeId, new byte[16], PacketFlag.Handshake, nonce,
                Discv5Packet.HandshakeAuthData(src.NodeId, new byte[64], src.PublicKey, []), new byte[16], new Ping([1], 1).Encode()),
        ];
        int decoded = 0;
        foreach (var input in Inputs(seeds, 30000, 12))
        {
            if (Discv5Packet.TryDecode(input, local.NodeId, out var h))
            {
                decoded++;
                // accessors on whatever decoded must be safe too
                _ = h!.MaskingIvAndHeader;
                if (h.Flag == PacketFlag.Handshake) { _ = h.IdSignature; _ = h.EphemeralPubkey; _ = h.Record; }
                if (h.Flag == PacketFlag.WhoAreYou) { _ = h.IdNonce; _ = h.WhoAreYouEnrSeq; }
            }
        }
        Assert.True(decoded > 0);
    }

    [Fact]
    public void Rlp_reader_throws_only_RlpException()
    {
        byte[][] seeds = [Rlp.EncodeList([Rlp.EncodeUInt(1), Rlp.EncodeBytes(new byte[60]), Rlp.EncodeList([Rlp.EncodeString("x")])])];
        foreach (var input in Inputs(seeds, 30000, 13))
        {
            try
            {
                var r = new RlpReader(input);
                Walk(ref r, 0);
            }
            catch (RlpException) { }
        }

        static void Walk(ref RlpReader r, int depth)
        {
            while (r.HasMore)
            {
                if (r.NextIsList) { var inner = r.ReadList(); if (depth < 8) Walk(ref inner, depth + 1); }
                else r.ReadBytes();
            }
        }
    }

    [Fact]
    public void Rlp_rejects_non_canonical_encodings()
    {
        Assert.Throws<RlpException>(() => new RlpReader([0x81, 0x05]).ReadBytes());             // single byte < 0x80 wrapped
        Assert.Throws<RlpException>(() => new RlpReader([0xb8, 0x02, 0x01, 0x02]).ReadBytes()); // long form for short string
        Assert.Throws<RlpException>(() => new RlpReader([0x82, 0x00, 0x01]).ReadUInt64());      // integer with leading zero
        Assert.Throws<RlpException>(() => new RlpReader([0xc3, 0x01]).ReadList());              // list exceeds input
        Assert.Equal(0x0100UL, new RlpReader([0x82, 0x01, 0x00]).ReadUInt64());
        Assert.Equal(new byte[] { 0x80 }, Rlp.EncodeUInt(0));
        Assert.Equal(new byte[] { 0x7f }, Rlp.EncodeUInt(0x7f));
        Assert.Equal(new byte[] { 0x81, 0x80 }, Rlp.EncodeUInt(0x80));
        var longStr = Rlp.EncodeBytes(new byte[56]);
        Assert.Equal(new byte[] { 0xb8, 56 }, longStr[..2]);
    }
}
