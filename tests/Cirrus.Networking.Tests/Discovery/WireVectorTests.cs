using System.Net;
using Cirrus.Networking.Discovery;

namespace Cirrus.Networking.Tests.Discovery;

/// <summary>devp2p discv5/discv5-wire-test-vectors.md (v5.1).</summary>
public class WireVectorTests
{
    private static byte[] H(string hex)
    {
        hex = string.Concat(hex.Where(c => !char.IsWhiteSpace(c)));
        return Convert.FromHexString(hex.StartsWith("0x") ? hex[2..] : hex);
    }

    private static readonly Secp256k1Key NodeA = Secp256k1Key.FromBytes(H("eef77acb6c6a6eebc5b363a475ac583ec7eccdb42b6481424c60f59aa326547f"));
    private static readonly Secp256k1Key NodeB = Secp256k1Key.FromBytes(H("66fb62bfbd66b9177a138c1e5cddbe4f7c30c343e94e68df8769459cb1cde628"));
    private static readonly byte[] Nonce = H("ffffffffffffffffffffffff");
    private static readonly byte[] ZeroIv = new byte[16];

    private const string PingPacket = @"00000000000000000000000000000000088b3d4342774649325f313964a39e55
        ea96c005ad52be8c7560413a7008f16c9e6d2f43bbea8814a546b7409ce783d3
        4c4f53245d08dab84102ed931f66d1492acb308fa1c6715b9d139b81acbdcc";

    private const string WhoAreYouPacket = @"00000000000000000000000000000000088b3d434277464933a1ccc59f5967ad
        1d6035f15e528627dde75cd68292f9e6c27d6b66c8100a873fcbaed4e16b8d";

    private const string HandshakePacket = @"00000000000000000000000000000000088b3d4342774649305f313964a39e55
        ea96c005ad521d8c7560413a7008f16c9e6d2f43bbea8814a546b7409ce783d3
        4c4f53245d08da4bb252012b2cba3f4f374a90a75cff91f142fa9be3e0a5f3ef
        268ccb9065aeecfd67a999e7fdc137e062b2ec4a0eb92947f0d9a74bfbf44dfb
        a776b21301f8b65efd5796706adff216ab862a9186875f9494150c4ae06fa4d1
        f0396c93f215fa4ef524f1eadf5f0f4126b79336671cbcf7a885b1f8bd2a5d83
        9cf8";

    private const string HandshakeWithEnrPacket = @"00000000000000000000000000000000088b3d4342774649305f313964a39e55
        ea96c005ad539c8c7560413a7008f16c9e6d2f43bbea8814a546b7409ce783d3
        4c4f53245d08da4bb23698868350aaad22e3ab8dd034f548a1c43cd246be9856
        2fafa0a1fa86d8e7a3b95ae78cc2b988ded6a5b59eb83ad58097252188b902b2
        1481e30e5e285f19735796706adff216ab862a9186875f9494150c4ae06fa4d1
        f0396c93f215fa4ef524e0ed04c3c21e39b1868e1ca8105e585ec17315e755e6
        cfc4dd6cb7fd8e1a1f55e49b4b5eb024221482105346f3c82b15fdaae36a3bb1
        2a494683b4a3c7f2ae41306252fed84785e2bbff3b022812d0882f06978df84a
        80d443972213342d04b9048fc3b1d5fcb1df0f822152eced6da4d3f6df27e70e
        4539717307a0208cd208d65093ccab5aa596a34d7511401987662d8cf62b1394
        71";

    [Fact]
    public void Node_ids_of_vector_keys()
    {
        Assert.Equal("aaaa8419e9f49d0083561b48287df592939a8d19947d8c0ef88f2a4856a69fbb", Convert.ToHexStringLower(NodeA.NodeId));
        Assert.Equal("bbbb9d047f0488c0b5a93c1c3f2d8bafc7c8ff337024a55434a0d0555de64db9", Convert.ToHexStringLower(NodeB.NodeId));
    }

    [Fact]
    public void Ping_message_packet_decodes_and_encodes()
    {
        Assert.True(Discv5Packet.TryDecode(H(PingPacket), NodeB.NodeId, out var h));
        Assert.Equal(PacketFlag.Message, h!.Flag);
        Assert.Equal(NodeA.NodeId, h.SrcId);
        Assert.Equal(Nonce, h.Nonce);
        Assert.True(Discv5Crypto.TryDecrypt(new byte[16], h.Nonce, h.Message, h.MaskingIvAndHeader, out var pt));
        var ping = Assert.IsType<Ping>(Discv5Message.Decode(pt));
        Assert.Equal(H("00000001"), ping.RequestId);
        Assert.Equal(2UL, ping.EnrSeq);

        var encoded = Discv5Packet.EncodeWithMessage(NodeB.NodeId, ZeroIv, PacketFlag.Message, Nonce,
            Discv5Packet.MessageAuthData(NodeA.NodeId), new byte[16], new Ping(H("00000001"), 2).Encode());
        Assert.Equal(H(PingPacket), encoded);
    }

    [Fact]
    public void WhoAreYou_packet_decodes_and_encodes()
    {
        Assert.True(Discv5Packet.TryDecode(H(WhoAreYouPacket), NodeB.NodeId, out var h));
        Assert.Equal(PacketFlag.WhoAreYou, h!.Flag);
        Assert.Equal(H("0102030405060708090a0b0c"), h.Nonce);
        Assert.Equal(H("0102030405060708090a0b0c0d0e0f10"), h.IdNonce);
        Assert.Equal(0UL, h.WhoAreYouEnrSeq);
        Assert.Equal(H("000000000000000000000000000000006469736376350001010102030405060708090a0b0c00180102030405060708090a0b0c0d0e0f100000000000000000"),
            h.MaskingIvAndHeader);
        var header = Discv5Packet.BuildHeader(PacketFlag.WhoAreYou, H("0102030405060708090a0b0c"),
            Discv5Packet.WhoAreYouAuthData(H("0102030405060708090a0b0c0d0e0f10"), 0));
        Assert.Equal(H(WhoAreYouPacket), Discv5Packet.Encode(NodeB.NodeId, ZeroIv, header, []));
    }

    [Theory]
    [InlineData(HandshakePacket, 1UL, "4f9fac6de7567d1e3b1241dffe90f662", false)]
    [InlineData(HandshakeWithEnrPacket, 0UL, "53b1c075f41876423154e157470c2f48", true)]
    public void Handshake_packets_decode_verify_and_encode(string packetHex, ulong whoareyouSeq, string readKeyHex, bool withEnr)
    {
        var packet = H(packetHex);
        var ephKey = Secp256k1Key.FromBytes(H("0288ef00023598499cb6c940146d050d2b1fb914198c327f76aad590bead68b6"));
        Assert.Equal("039a003ba6517b473fa0cd74aefe99dadfdb34627f90fec6362df85803908f53a5", Convert.ToHexStringLower(ephKey.PublicKey));
        var challenge = H("000000000000000000000000000000006469736376350001010102030405060708090a0b0c00180102030405060708090a0b0c0d0e0f10")
            .Concat(BitConverter.GetBytes(whoareyouSeq).Reverse()).ToArray();

        Assert.True(Discv5Packet.TryDecode(packet, NodeB.NodeId, out var h));
        Assert.Equal(PacketFlag.Handshake, h!.Flag);
        Assert.Equal(NodeA.NodeId, h.SrcId);
        Assert.Equal(ephKey.PublicKey, h.EphemeralPubkey);
        // recipient side: ECDH with our static key, derive, verify, decrypt
        var secret = NodeB.Ecdh(h.EphemeralPubkey);
        var (initiatorKey, _) = Discv5Crypto.DeriveKeys(secret, NodeA.NodeId, NodeB.NodeId, challenge);
        Assert.Equal(H(readKeyHex), initiatorKey);
        Assert.True(Discv5Crypto.IdVerify(NodeA.PublicKey, h.IdSignature, challenge, h.EphemeralPubkey, NodeB.NodeId));
        Assert.True(Discv5Crypto.TryDecrypt(initiatorKey, h.Nonce, h.Message, h.MaskingIvAndHeader, out var pt));
        var ping = Assert.IsType<Ping>(Discv5Message.Decode(pt));
        Assert.Equal(1UL, ping.EnrSeq);
        byte[] record = [];
        if (withEnr)
        {
            var enr = Enr.Decode(h.Record);
            Assert.Equal(NodeA.NodeId, enr.NodeId);
            record = enr.ToBytes();
        }
        else Assert.Empty(h.Record);

        // initiator side: reproduce the exact bytes (RFC 6979 signature is deterministic)
        var sig = Discv5Crypto.IdSign(NodeA, challenge, ephKey.PublicKey, NodeB.NodeId);
        Assert.Equal(h.IdSignature, sig);
        var (ik, _) = Discv5Crypto.DeriveKeys(ephKey.Ecdh(NodeB.PublicKey), NodeA.NodeId, NodeB.NodeId, challenge);
        var encoded = Discv5Packet.EncodeWithMessage(NodeB.NodeId, ZeroIv, PacketFlag.Handshake, Nonce,
            Discv5Packet.HandshakeAuthData(NodeA.NodeId, sig, ephKey.PublicKey, record), ik, new Ping(H("00000001"), 1).Encode());
        Assert.Equal(packet, encoded);
    }

    [Fact]
    public void Ecdh_vector()
    {
        var key = Secp256k1Key.FromBytes(H("fb757dc581730490a1d7a00deea65e9b1936924caaea8f44d476014856b68736"));
        Assert.Equal(H("033b11a2a1f214567e1537ce5e509ffd9b21373247f2a3ff6841f4976f53165e7e"),
            key.Ecdh(H("039961e4c2356d61bedb83052c115d311acb3a96f5777296dcf297351130266231")));
    }

    [Fact]
    public void Key_derivation_vector()
    {
        var eph = Secp256k1Key.FromBytes(H("fb757dc581730490a1d7a00deea65e9b1936924caaea8f44d476014856b68736"));
        var secret = eph.Ecdh(H("0317931e6e0840220642f230037d285d122bc59063221ef3226b1f403ddc69ca91"));
        var (i, r) = Discv5Crypto.DeriveKeys(secret, H("aaaa8419e9f49d0083561b48287df592939a8d19947d8c0ef88f2a4856a69fbb"),
            H("bbbb9d047f0488c0b5a93c1c3f2d8bafc7c8ff337024a55434a0d0555de64db9"),
            H("000000000000000000000000000000006469736376350001010102030405060708090a0b0c00180102030405060708090a0b0c0d0e0f100000000000000000"));
        Assert.Equal(H("dccc82d81bd610f4f76d3ebe97a40571"), i);
        Assert.Equal(H("ac74bb8773749920b0d3a8881c173ec5"), r);
    }

    [Fact]
    public void Id_signature_vector()
    {
        var key = Secp256k1Key.FromBytes(H("fb757dc581730490a1d7a00deea65e9b1936924caaea8f44d476014856b68736"));
        var challenge = H("000000000000000000000000000000006469736376350001010102030405060708090a0b0c00180102030405060708090a0b0c0d0e0f100000000000000000");
        var eph = H("039961e4c2356d61bedb83052c115d311acb3a96f5777296dcf297351130266231");
        var nodeB = H("bbbb9d047f0488c0b5a93c1c3f2d8bafc7c8ff337024a55434a0d0555de64db9");
        var expected = H("94852a1e2318c4e5e9d422c98eaf19d1d90d876b29cd06ca7cb7546d0fff7b484fe86c09a064fe72bdbef73ba8e9c34df0cd2b53e9d65528c2c7f336d5dfc6e6");
        Assert.Equal(expected, Discv5Crypto.IdSign(key, challenge, eph, nodeB));
        Assert.True(Discv5Crypto.IdVerify(key.PublicKey, expected, challenge, eph, nodeB));
        var bad = (byte[])expected.Clone(); bad[5] ^= 1;
        Assert.False(Discv5Crypto.IdVerify(key.PublicKey, bad, challenge, eph, nodeB));
    }

    [Fact]
    public void Aes_gcm_vector()
    {
        var ct = Discv5Crypto.Encrypt(H("9f2d77db7004bf8a1a85107ac686990b"), H("27b5af763c446acd2749fe8e"), H("01c20101"),
            H("93a7400fa0d6a694ebc24d5cf570f65d04215b6ac00757875e3f3a5f42107903"));
        Assert.Equal(H("a5d12a2d94b8ccb3ba55558229867dc13bfa3648"), ct);
    }

    [Fact]
    public void Message_encodings()
    {
        Assert.Equal(H("01c20101"), new Ping([1], 1).Encode());
        Assert.Equal(H("02ca0101847f000001821388"), new Pong([1], 1, IPAddress.Parse("127.0.0.1"), 5000).Encode());
        Assert.Equal(H("03c501c3820100"), new FindNode([1], [256]).Encode()); // v5.1: distances is a list
        Assert.Equal(H("06c20180"), new TalkResp([1], []).Encode());
    }

    [Fact]
    public void Talk_and_nodes_roundtrip()
    {
        var key = Secp256k1Key.Generate();
        var enr = new EnrBuilder().SetIp(IPAddress.Loopback).SetUdp(1234).Build(key);
        var nodes = new Nodes([1, 2, 3], 2, [enr.ToBytes()]);
        var back = Assert.IsType<Nodes>(Discv5Message.Decode(nodes.Encode()));
        Assert.Equal(2, back.Total);
        Assert.Equal(enr.ToText(), Enr.Decode(back.Enrs[0]).ToText());
        var t = Assert.IsType<TalkReq>(Discv5Message.Decode(new TalkReq([9], "eth2"u8.ToArray(), [1, 2]).Encode()));
        Assert.Equal("eth2"u8.ToArray(), t.Protocol);
        var tr = Assert.IsType<TalkResp>(Discv5Message.Decode(new TalkResp([9], []).Encode()));
        Assert.Empty(tr.Response);
    }

    [Fact]
    public void Log_distance_and_random_at_distance()
    {
        var a = NodeA.NodeId;
        Assert.Equal(0, NodeIdMath.LogDistance(a, a));
        for (int d = 1; d <= 256; d++)
            for (int k = 0; k < 4; k++)
                Assert.Equal(d, NodeIdMath.LogDistance(a, NodeIdMath.RandomAtDistance(a, d)));
    }
}
