using Cirrus.Networking.Gossip;
using Cirrus.Networking.ReqResp;

namespace Cirrus.Networking.Tests;

public class CoreTests
{
    private static readonly byte[] Secret = Convert.FromHexString("0101010101010101010101010101010101010101010101010101010101010101");

    [Fact]
    public void PeerIdOfSecp256k1KeyMatchesJsLibp2p()
    {
        // vector produced by js-libp2p (@libp2p/crypto privateKeyFromRaw + peerIdFromPrivateKey)
        var k = Secp256k1Key.FromBytes(Secret);
        Assert.Equal("16Uiu2HAmEWQnHq2jLKJypwVnVoQeFCULuyop6atvq2eWjYSUjzNi", k.PeerId.ToString());
        Assert.Equal(k.PeerId, PeerId.Parse(k.PeerId.ToString()));
        Assert.Equal(k.PeerPublicKey, k.PeerId.TryGetPublicKey());
        Assert.Equal(k.PeerId, PeerId.FromSecp256k1(k.PublicKey));
    }

    [Fact]
    public void VerifiesJsSecp256k1SignatureAndOurOwn()
    {
        var k = Secp256k1Key.FromBytes(Secret);
        var jsSig = Convert.FromHexString("3045022100d13b19c8baa53851839efe1fe790b6f6d51028400902bb79d2fa50c65295e0ed0220697d0a44907237350d71ab31d6adbc973749cf2c2d1f4096b765c65be58cfca9");
        Assert.True(k.PeerPublicKey.Verify("hello"u8, jsSig));
        Assert.False(k.PeerPublicKey.Verify("hellp"u8, jsSig));
        var ours = k.SignLibp2p("abc"u8);
        Assert.True(k.PeerPublicKey.Verify("abc"u8, ours));
        Assert.False(k.PeerPublicKey.Verify("abc"u8, ours.AsSpan(0, ours.Length - 1)));
    }

    [Fact]
    public void MultiaddrTextAndBytesMatchJsLibp2p()
    {
        var text = "/ip4/127.0.0.1/tcp/9000/p2p/16Uiu2HAmEWQnHq2jLKJypwVnVoQeFCULuyop6atvq2eWjYSUjzNi";
        var m = Multiaddr.Parse(text);
        Assert.Equal(text, m.ToString());
        Assert.Equal("047f000001062328a50327002508021221031b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f", Convert.ToHexString(m.ToBytes()).ToLowerInvariant());
        Assert.Equal(m, Multiaddr.FromBytes(m.ToBytes()));
        Assert.True(m.TryGetTcpEndpoint(out var host, out var port));
        Assert.Equal(("127.0.0.1", 9000), (host, port));
        Assert.Equal("/ip6/::1/tcp/1", Multiaddr.Parse("/ip6/::1/tcp/1").ToString());
        Assert.Throws<FormatException>(() => Multiaddr.Parse("/ip4/300.1.1.1/tcp/1"));
        Assert.Throws<FormatException>(() => Multiaddr.Parse("/quic/1"));
        Assert.Throws<P2pException>(() => Multiaddr.FromBytes([0x04, 0x7f]));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(127UL)]
    [InlineData(128UL)]
    [InlineData(300UL)]
    [InlineData(ulong.MaxValue)]
    public void VarintRoundTrip(ulong v)
    {
        var b = Varint.Encode(v);
        Assert.Equal(v, Varint.Read(b, out int n));
        Assert.Equal(b.Length, n);
    }

    [Fact]
    public void VarintRejectsOverlongAndTruncated()
    {
        Assert.Throws<P2pException>(() => Varint.Read(Enumerable.Repeat((byte)0xff, 11).ToArray(), out _));
        Assert.Throws<P2pException>(() => Varint.Read([0x80, 0x80], out _));
        Assert.Throws<P2pException>(() => Varint.Read([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02], out _));
    }

    [Fact]
    public void ProtobufReaderRejectsMalformed()
    {
        Assert.Throws<P2pException>(() => { var r = new ProtoReader([0x0a, 0x05, 0x01]); r.Next(out _); });        // length past end
        Assert.Throws<P2pException>(() => { var r = new ProtoReader([0x0b]); r.Next(out _); });                    // wire type 3
        Assert.Throws<P2pException>(() => { var r = new ProtoReader([0x00, 0x01]); r.Next(out _); });              // field 0
        Assert.Throws<P2pException>(() => PeerPublicKey.Unmarshal([0x08, 0x00, 0x12, 0x01, 0x00]));            // RSA key type
        Assert.Throws<P2pException>(() => PeerPublicKey.Unmarshal([0x08, 0x02, 0x12, 0x02, 0x02, 0x00]));      // bad secp point
    }

    [Fact]
    public void Eth2MessageIdUsesDomainsAsSpecified()
    {
        var data = "hello eth2"u8.ToArray();
        var compressed = Snappier.Snappy.CompressToArray(data);
        var expected = System.Security.Cryptography.SHA256.HashData([1, 0, 0, 0, .. data])[..20];
        Assert.Equal(expected, MessageIds.Eth2Phase0("t", compressed));
        var invalid = new byte[] { 0x0a, 0x00 };
        Assert.Equal(System.Security.Cryptography.SHA256.HashData([0, 0, 0, 0, .. invalid])[..20], MessageIds.Eth2Phase0("t", invalid));
        var huge = new byte[] { 0xff, 0xff, 0xff, 0xff, 0x01 };
        Assert.Equal(System.Security.Cryptography.SHA256.HashData([0, 0, 0, 0, .. huge])[..20], MessageIds.Eth2Phase0("t", huge));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65536)]
    [InlineData(65537)]
    [InlineData(300_000)]
    public async Task SnappyFramesRoundTrip(int size)
    {
        var data = new byte[size];
        new Random(size).NextBytes(data.AsSpan(0, size / 2));
        var framed = SnappyFrames.Compress(data);
        Assert.Equal(data, SnappyFrames.Decompress(framed, size));
        var enc = ReqResp.ReqResp.EncodePayload(data);
        var back = await ReqResp.ReqResp.ReadPayloadAsync(new MemoryStream(enc), 0, 1 << 20, default);
        Assert.Equal(data, back);
    }

    [Fact]
    public void Crc32CMatchesKnownVectorOnBothPaths()
    {
        var v = "123456789"u8;
        Assert.Equal(0xE3069283u, SnappyFrames.Crc32C(v, allowHardware: true));
        Assert.Equal(0xE3069283u, SnappyFrames.Crc32C(v, allowHardware: false));
        var big = new byte[1000];
        new Random(1).NextBytes(big);
        Assert.Equal(SnappyFrames.Crc32C(big, false), SnappyFrames.Crc32C(big, true));
    }

    [Fact]
    public void GossipRpcRoundTrip()
    {
        var rpc = new Rpc();
        rpc.Subscriptions.Add((true, "a"));
        rpc.Subscriptions.Add((false, "b"));
        rpc.Publish.Add(new RpcMessage { Topic = "a", Data = [1, 2, 3] });
        rpc.IHave.Add(("a", [[1], [2]]));
        rpc.IWant.Add([9]);
        rpc.Graft.Add("a");
        rpc.Prune.Add(("b", 60));
        var px = Secp256k1Key.Generate().PeerId;
        rpc.PrunePeers["b"] = [px];
        var back = Rpc.Decode(rpc.Encode());
        Assert.Equal([px], back.PrunePeers["b"]);
        Assert.Equal(rpc.Subscriptions, back.Subscriptions);
        Assert.Equal([1, 2, 3], back.Publish[0].Data);
        Assert.Equal("a", back.Publish[0].Topic);
        Assert.Null(back.Publish[0].From);
        Assert.Equal(2, back.IHave[0].Ids.Count);
        Assert.Equal([9], back.IWant[0]);
        Assert.Equal(["a"], back.Graft);
        Assert.Equal(("b", 60UL), back.Prune[0]);
    }
}

public class Eth2GossipTopicTests
{
    [Fact]
    public void TopicNamesRoundTrip()
    {
        var t = Eth2.GossipTopics.Topic([0xe7, 0xa7, 0x5d, 0x5a], Eth2.GossipTopics.BeaconAttestation(5));
        Assert.Equal("/eth2/e7a75d5a/beacon_attestation_5/ssz_snappy", t);
        Assert.True(Eth2.GossipTopics.TryParse(t, out var fd, out var name));
        Assert.Equal([0xe7, 0xa7, 0x5d, 0x5a], fd);
        Assert.Equal("beacon_attestation_5", name);
        Assert.False(Eth2.GossipTopics.TryParse("/eth2/zz/beacon_block/ssz_snappy", out _, out _));
        Assert.False(Eth2.GossipTopics.TryParse("/meshsub/1.1.0", out _, out _));
    }

    [Fact]
    public void PayloadCodecIsBounded()
    {
        var ssz = new byte[5000];
        new Random(5).NextBytes(ssz.AsSpan(0, 100));
        Assert.Equal(ssz, Eth2.GossipTopics.Decode(Eth2.GossipTopics.Encode(ssz)));
        Assert.Throws<P2pException>(() => Eth2.GossipTopics.Decode(Eth2.GossipTopics.Encode(ssz), maxLength: 4999));
        Assert.Throws<P2pException>(() => Eth2.GossipTopics.Decode([0xff, 0xff, 0xff, 0xff, 0x01]));
        Assert.Throws<P2pException>(() => Eth2.GossipTopics.Decode([0x0a, 0x00]));
    }
}
