using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Cirrus.Networking.Discovery;

namespace Cirrus.Networking.Tests.Discovery;

/// <summary>A hand-driven discv5 peer built from the codec, for feeding a service exactly the packets a test wants.</summary>
internal sealed class RawPeer : IDisposable
{
    public Secp256k1Key Key { get; } = Secp256k1Key.Generate();
    public UdpClient Udp { get; } = new(new IPEndPoint(IPAddress.Loopback, 0));
    public Enr Enr { get; }
    public byte[] WriteKey { get; private set; } = [];
    public byte[] ReadKey { get; private set; } = [];

    public RawPeer() => Enr = new EnrBuilder().SetIp(IPAddress.Loopback).SetUdp(((IPEndPoint)Udp.Client.LocalEndPoint!).Port).Build(Key);

    public void Send(byte[] packet, IPEndPoint to) => Udp.Send(packet, packet.Length, to);

    public async Task<byte[]?> ReceiveAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { return (await Udp.ReceiveAsync(cts.Token)).Buffer; }
        catch (OperationCanceledException) { return null; }
    }

    public static byte[] Nonce() { var n = new byte[12]; RandomNumberGenerator.Fill(n); return n; }

    public byte[] RandomPacket(byte[] destId)
    {
        var junk = new byte[24];
        RandomNumberGenerator.Fill(junk);
        return Discv5Packet.Encode(destId, Discv5Packet.RandomMaskingIv(), Discv5Packet.BuildHeader(PacketFlag.Message, Nonce(), Key.NodeId), junk);
    }

    /// <summary>Handshake packet answering <paramref name="whoareyou"/>, carrying <paramref name="message"/>. Stores session keys.</summary>
    public byte[] Handshake(Enr remote, PacketHeader whoareyou, Discv5Message message, Secp256k1Key? signer = null, Enr? record = null)
    {
        var challenge = whoareyou.MaskingIvAndHeader;
        var eph = Secp256k1Key.Generate();
        var (ik, rk) = Discv5Crypto.DeriveKeys(eph.Ecdh(remote.PublicKey), Key.NodeId, remote.NodeId, challenge);
        WriteKey = ik; ReadKey = rk;
        var sig = Discv5Crypto.IdSign(signer ?? Key, challenge, eph.PublicKey, remote.NodeId);
        var rec = (record ?? Enr).ToBytes();
        return Discv5Packet.EncodeWithMessage(remote.NodeId, Discv5Packet.RandomMaskingIv(), PacketFlag.Handshake, Nonce(),
            Discv5Packet.HandshakeAuthData(Key.NodeId, sig, eph.PublicKey, rec), ik, message.Encode());
    }

    public byte[] Message(Enr remote, Discv5Message message)
        => Discv5Packet.EncodeWithMessage(remote.NodeId, Discv5Packet.RandomMaskingIv(), PacketFlag.Message, Nonce(), Key.NodeId, WriteKey, message.Encode());

    public Discv5Message? Open(byte[]? packet)
    {
        if (packet is null || !Discv5Packet.TryDecode(packet, Key.NodeId, out var h) || h!.Flag != PacketFlag.Message) return null;
        return Discv5Crypto.TryDecrypt(ReadKey, h.Nonce, h.Message, h.MaskingIvAndHeader, out var pt) ? Discv5Message.Decode(pt) : null;
    }

    public async Task<PacketHeader> GetWhoAreYouAsync(Discv5Service service)
    {
        Send(RandomPacket(service.NodeId), service.LocalEndPoint);
        var reply = await ReceiveAsync(TimeSpan.FromSeconds(10)) ?? throw new TimeoutException("no WHOAREYOU");
        Assert.True(Discv5Packet.TryDecode(reply, Key.NodeId, out var h));
        Assert.Equal(PacketFlag.WhoAreYou, h!.Flag);
        return h;
    }

    public void Dispose() => Udp.Dispose();
}

public class HostileInputTests
{
    private static async Task AssertStillServes(Discv5Service service)
    {
        var opts = ServiceTests.FastOptions();
        opts.RequestTimeout = TimeSpan.FromSeconds(5);
        opts.RequestRetries = 3;
        await using var probe = ServiceTests.NewNode(opts);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Assert.NotNull(await probe.PingAsync(service.LocalEnr, cts.Token));
    }

    [Fact]
    public async Task Garbage_and_truncated_packets_are_dropped()
    {
        await using var service = ServiceTests.NewNode();
        using var peer = new RawPeer();
        var rng = new Random(7);
        var valid = peer.RandomPacket(service.NodeId);
        int sent = 0;
        for (int i = 0; i < 600; i++)
        {
            byte[] p;
            switch (i % 4)
            {
                case 0: p = new byte[rng.Next(0, 1500)]; rng.NextBytes(p); break;
                case 1: p = valid[..rng.Next(0, valid.Length)]; break;                   // truncated
                case 2: p = (byte[])valid.Clone(); p[16 + rng.Next(23)] ^= 0x5a; break;  // corrupted static header
                default: p = [.. valid, .. new byte[1300]]; break;                       // oversized
            }
            peer.Send(p, service.LocalEndPoint);
            sent++;
            if (i % 50 == 49) await Task.Delay(10);
        }
        // none of these deserve an answer, except corrupted-but-valid-looking headers which never decode
        var anything = await peer.ReceiveAsync(TimeSpan.FromMilliseconds(500));
        if (anything is not null) Assert.True(Discv5Packet.TryDecode(anything, peer.Key.NodeId, out var h) && h!.Flag == PacketFlag.WhoAreYou);
        await AssertStillServes(service);
        // truncated copies that still hold a whole header look like an unknown sender's message (WHOAREYOU); the
        // rest is dropped, or not even parsed once the sender's rate limit engages
        long refused = service.Stats.PacketsDropped + service.Stats.PacketsRateLimited;
        Assert.True(service.Stats.PacketsReceived >= sent / 2, $"only {service.Stats.PacketsReceived} of {sent} arrived");
        Assert.True(refused >= service.Stats.PacketsReceived / 2, $"dropped {service.Stats.PacketsDropped}, rate-limited {service.Stats.PacketsRateLimited} of {sent}; received {service.Stats.PacketsReceived}, whoareyou {service.Stats.WhoAreYouSent}");
        Assert.Equal(0, service.StateSizes.Sessions - 1); // only the probe's session
    }

    [Fact]
    public async Task Valid_handshake_works_but_replayed_and_forged_handshakes_are_dropped()
    {
        await using var service = ServiceTests.NewNode();
        using var peer = new RawPeer();
        var remote = service.LocalEnr;

        // honest handshake: PING in the handshake packet gets a PONG
        var way = await peer.GetWhoAreYouAsync(service);
        Assert.Equal(0UL, way.WhoAreYouEnrSeq);
        var hs = peer.Handshake(remote, way, new Ping([1], 1));
        peer.Send(hs, service.LocalEndPoint);
        var pong = Assert.IsType<Pong>(peer.Open(await peer.ReceiveAsync(TimeSpan.FromSeconds(10))));
        Assert.Equal(peer.Enr.Udp, pong.RecipientPort);
        Assert.Equal(1, service.Stats.HandshakesCompleted);

        // replay of the same handshake packet: challenge is spent, dropped silently
        peer.Send(hs, service.LocalEndPoint);
        Assert.Null(await peer.ReceiveAsync(TimeSpan.FromMilliseconds(700)));
        Assert.Equal(1, service.Stats.HandshakesFailed);

        // unsolicited response (no such request): dropped
        long dropped = service.Stats.PacketsDropped;
        peer.Send(peer.Message(remote, new Nodes([1, 2, 3, 4, 5, 6, 7, 8], 1, [peer.Enr.ToBytes()])), service.LocalEndPoint);
        Assert.Null(await peer.ReceiveAsync(TimeSpan.FromMilliseconds(500)));
        Assert.True(service.Stats.PacketsDropped > dropped);

        // forged id-signature: signed by another key, record claims our identity
        using var forger = new RawPeer();
        var w2 = await forger.GetWhoAreYouAsync(service);
        forger.Send(forger.Handshake(remote, w2, new Ping([2], 1), signer: Secp256k1Key.Generate()), service.LocalEndPoint);
        Assert.Null(await forger.ReceiveAsync(TimeSpan.FromMilliseconds(700)));

        // record of a different node than the packet's src-id
        var w3 = await forger.GetWhoAreYouAsync(service);
        forger.Send(forger.Handshake(remote, w3, new Ping([3], 1), record: peer.Enr), service.LocalEndPoint);
        Assert.Null(await forger.ReceiveAsync(TimeSpan.FromMilliseconds(700)));

        // handshake answering a WHOAREYOU that was never sent (made-up challenge)
        using var stranger = new RawPeer();
        var fake = way; // challenge issued to someone else
        stranger.Send(stranger.Handshake(remote, fake, new Ping([4], 1)), service.LocalEndPoint);
        Assert.Null(await stranger.ReceiveAsync(TimeSpan.FromMilliseconds(700)));

        Assert.Equal(4, service.Stats.HandshakesFailed);
        Assert.Equal(1, service.Stats.HandshakesCompleted);

        // a message with a broken tag on the established session gets a WHOAREYOU, not a crash
        var bad = peer.Message(remote, new Ping([5], 1));
        bad[^1] ^= 1;
        peer.Send(bad, service.LocalEndPoint);
        var again = await peer.ReceiveAsync(TimeSpan.FromSeconds(5));
        Assert.True(Discv5Packet.TryDecode(again!, peer.Key.NodeId, out var ah) && ah!.Flag == PacketFlag.WhoAreYou);
        Assert.Equal(1UL, ah.WhoAreYouEnrSeq); // the service now knows our record
        await AssertStillServes(service);
    }

    [Fact]
    public async Task Oversized_and_bogus_nodes_responses_are_bounded()
    {
        var opts = ServiceTests.FastOptions();
        opts.RequestRetries = 0;
        opts.RequestTimeout = TimeSpan.FromSeconds(5);
        await using var service = ServiceTests.NewNode(opts);
        using var peer = new RawPeer();
        var way = await peer.GetWhoAreYouAsync(service);
        peer.Send(peer.Handshake(service.LocalEnr, way, new Ping([1], 1)), service.LocalEndPoint);
        Assert.IsType<Pong>(peer.Open(await peer.ReceiveAsync(TimeSpan.FromSeconds(10))));

        // records at distance 256 from the peer (half of all random keys)
        var good = new List<Enr>();
        while (good.Count < 40)
        {
            var k = Secp256k1Key.Generate();
            if (NodeIdMath.LogDistance(k.NodeId, peer.Key.NodeId) != 256) continue;
            good.Add(new EnrBuilder().SetIp(IPAddress.Loopback).SetUdp(1000 + good.Count).Build(k));
        }
        var wrongDistance = new EnrBuilder().SetIp(IPAddress.Loopback).SetUdp(1).Build(
            Enumerable.Range(0, 100).Select(_ => Secp256k1Key.Generate()).First(k => NodeIdMath.LogDistance(k.NodeId, peer.Key.NodeId) != 256));

        var request = service.FindNodeAsync(peer.Enr, [256]);
        var findNode = Assert.IsType<FindNode>(peer.Open(await peer.ReceiveAsync(TimeSpan.FromSeconds(10))));
        Assert.Equal([256], findNode.Distances);
        var bogus = new byte[120]; new Random(1).NextBytes(bogus);
        byte[] notAList = Rlp.EncodeBytes(bogus);
        byte[] tampered = good[0].ToBytes(); tampered[^1] ^= 1;
        // 40 NODES messages claiming 1000 total, each with 2 good + 3 bad records
        for (int i = 0; i < 40; i++)
        {
            var items = new List<byte[]> { good[i % 40].ToBytes(), good[(i + 1) % 40].ToBytes(), tampered, wrongDistance.ToBytes(), Rlp.EncodeList([notAList]) };
            peer.Send(peer.Message(service.LocalEnr, new Nodes(findNode.RequestId, 1000, items)), service.LocalEndPoint);
        }
        var result = await request.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.InRange(result.Count, 1, 2 * opts.MaxNodesPerFindNode);
        Assert.All(result, e => Assert.Equal(256, NodeIdMath.LogDistance(e.NodeId, peer.Key.NodeId)));
        await Task.Delay(300);
        Assert.True(service.Stats.BadEnrsDropped >= 3);
        Assert.True(service.Stats.NodesResponsesIgnored > 0 || service.Stats.PacketsDropped > 0);
        Assert.True(service.StateSizes.KnownEnrs <= 2 * opts.MaxNodesPerFindNode + 1);
        await AssertStillServes(service);
    }

    [Fact]
    public async Task Flood_of_unknown_senders_keeps_state_bounded()
    {
        var opts = ServiceTests.FastOptions();
        opts.MaxPendingChallenges = 100;
        opts.ChallengesPerSecondPerIp = 200;
        opts.ChallengeBurstPerIp = 300;
        await using var service = ServiceTests.NewNode(opts);
        using var peer = new RawPeer();
        // 3000 well-formed message packets, each from a different claimed node id
        for (int i = 0; i < 3000; i++)
        {
            var src = new byte[32];
            RandomNumberGenerator.Fill(src);
            var junk = new byte[24];
            var p = Discv5Packet.Encode(service.NodeId, Discv5Packet.RandomMaskingIv(), Discv5Packet.BuildHeader(PacketFlag.Message, RawPeer.Nonce(), src), junk);
            peer.Send(p, service.LocalEndPoint);
            if (i % 500 == 499) await Task.Delay(20);
        }
        await Task.Delay(1000);
        var sizes = service.StateSizes;
        Assert.True(sizes.Challenges <= 100, $"challenges: {sizes.Challenges}");
        Assert.Equal(0, sizes.Sessions);
        Assert.True(service.Stats.PacketsRateLimited > 0, "the per-endpoint/per-ip limits should have engaged");
        Assert.True(service.Stats.WhoAreYouSent <= 300 + 200 * 10, $"{service.Stats.WhoAreYouSent} WHOAREYOU sent");
        await AssertStillServes(service);
    }
}
