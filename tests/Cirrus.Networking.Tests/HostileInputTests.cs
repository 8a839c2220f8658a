using System.Buffers.Binary;
using System.Net.Sockets;
using Cirrus.Networking.Gossip;
using Cirrus.Networking.ReqResp;

namespace Cirrus.Networking.Tests;

/// <summary>
/// Malformed and abusive input: each case must end with the connection (or stream) closed, the host still serving
/// other peers, and nothing allocated beyond the configured bounds.
/// </summary>
public class HostileInputTests
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(10);

    private static async Task<(Socket Sock, NetworkStream Raw)> ConnectRawAsync(Libp2pHost target)
    {
        target.ListenAddresses[0].TryGetTcpEndpoint(out var h, out var p);
        var sock = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await sock.ConnectAsync(h, p);
        return (sock, new NetworkStream(sock, ownsSocket: true));
    }

    private static async Task<NoiseStream> SecureRawAsync(Libp2pHost target, string muxer)
    {
        var (_, raw) = await ConnectRawAsync(target);
        using var cts = new CancellationTokenSource(Short);
        await Multistream.SelectAsync(raw, [NoiseHandshake.ProtocolId], cts.Token);
        var (secure, _) = await NoiseHandshake.SecureAsync(raw, Secp256k1Key.Generate(), true, target.PeerId, cts.Token);
        Assert.Equal(muxer, await Multistream.SelectAsync(secure, [muxer], cts.Token));
        return secure;
    }

    /// <summary>Reads until the remote closes; fails if it does not within the timeout.</summary>
    private static async Task AssertClosedAsync(Stream s)
    {
        using var cts = new CancellationTokenSource(Short);
        var buf = new byte[65536];
        try
        {
            while (await s.ReadAsync(buf, cts.Token) > 0) { }
        }
        catch (OperationCanceledException) { Assert.Fail("remote did not close the connection"); }
        catch (Exception e) when (e is IOException or P2pException or SocketException or ObjectDisposedException) { }
    }

    private static async Task AssertStillServesAsync(Libp2pHost target)
    {
        await using var probe = TestUtil.NewHost();
        await probe.DialAsync(TestUtil.Addr(target)).WaitAsync(TestUtil.T);
        Assert.True(await probe.PingAsync(target.PeerId).WaitAsync(TestUtil.T) < TestUtil.T);
    }

    [Fact]
    public async Task GarbageInsteadOfMultistream()
    {
        await using var host = TestUtil.NewHost();
        var (_, raw) = await ConnectRawAsync(host);
        var junk = new byte[200];
        new Random(3).NextBytes(junk);
        junk[0] = 0x13; // plausible length, bad content
        await raw.WriteAsync(junk);
        await AssertClosedAsync(raw);
        await AssertStillServesAsync(host);
    }

    [Fact]
    public async Task OversizedMultistreamMessage()
    {
        await using var host = TestUtil.NewHost();
        var (_, raw) = await ConnectRawAsync(host);
        await raw.WriteAsync(Varint.Encode(1UL << 30)); // a 1 GiB "message": must not be allocated
        await AssertClosedAsync(raw);
        await AssertStillServesAsync(host);
    }

    [Fact]
    public async Task BadNoiseHandshakeMessage()
    {
        await using var host = TestUtil.NewHost();
        var (_, raw) = await ConnectRawAsync(host);
        using var cts = new CancellationTokenSource(Short);
        await Multistream.SelectAsync(raw, [NoiseHandshake.ProtocolId], cts.Token);
        // message 1: a valid-length ephemeral key
        var m1 = new byte[34]; m1[1] = 32; new Random(1).NextBytes(m1.AsSpan(2));
        await raw.WriteAsync(m1);
        // read message 2, then answer with garbage message 3 (fails authentication)
        var len = new byte[2];
        await StreamIo.ReadExactlyAsync(raw, len, cts.Token);
        await StreamIo.ReadExactlyAsync(raw, new byte[BinaryPrimitives.ReadUInt16BigEndian(len)], cts.Token);
        var m3 = new byte[2 + 200]; m3[0] = 0; m3[1] = 200; new Random(2).NextBytes(m3.AsSpan(2));
        await raw.WriteAsync(m3);
        await AssertClosedAsync(raw);
        await AssertStillServesAsync(host);
    }

    [Fact]
    public async Task TruncatedNoiseHandshakeTimesOut()
    {
        await using var host = new Libp2pHost(new Libp2pHostOptions { Key = Secp256k1Key.Generate(), HandshakeTimeout = TimeSpan.FromSeconds(1) });
        host.Listen(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"));
        var (_, raw) = await ConnectRawAsync(host);
        using var cts = new CancellationTokenSource(Short);
        await Multistream.SelectAsync(raw, [NoiseHandshake.ProtocolId], cts.Token);
        await raw.WriteAsync(new byte[] { 0xff, 0xff, 1, 2, 3 }); // announces 65535 bytes, sends 3, then stalls
        await AssertClosedAsync(raw);
        await AssertStillServesAsync(host);
    }

    [Fact]
    public async Task YamuxPeerExceedingReceiveWindow()
    {
        await using var host = TestUtil.NewHost();
        var s = await SecureRawAsync(host, MuxerProtocols.Yamux);
        var frame = new byte[12 + 300_000];
        frame[1] = 0; // data
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), 1); // SYN
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), 300_000); // > 256 KiB window
        await s.WriteAsync(frame);
        await AssertClosedAsync(s);
        await AssertStillServesAsync(host);
    }

    [Fact]
    public async Task YamuxBadVersionAndType()
    {
        await using var host = TestUtil.NewHost();
        var s = await SecureRawAsync(host, MuxerProtocols.Yamux);
        await s.WriteAsync(new byte[] { 7, 9, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 });
        await AssertClosedAsync(s);
        var s2 = await SecureRawAsync(host, MuxerProtocols.Yamux);
        await s2.WriteAsync(new byte[] { 0, 9, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 });
        await AssertClosedAsync(s2);
        await AssertStillServesAsync(host);
    }

    [Fact]
    public async Task MplexOversizedFrame()
    {
        await using var host = TestUtil.NewHost();
        var s = await SecureRawAsync(host, MuxerProtocols.Mplex);
        await s.WriteAsync(new byte[] { 0, 0 });          // new stream 0
        await s.WriteAsync(Varint.Encode(2).Concat(Varint.Encode(2UL << 20)).ToArray());   // 2 MiB message header, nothing behind it
        await AssertClosedAsync(s);
        await AssertStillServesAsync(host);
    }

    [Fact]
    public async Task TruncatedVarintInMplexHeader()
    {
        await using var host = TestUtil.NewHost();
        var s = await SecureRawAsync(host, MuxerProtocols.Mplex);
        await s.WriteAsync(Enumerable.Repeat((byte)0xff, 11).ToArray()); // overlong varint
        await AssertClosedAsync(s);
        await AssertStillServesAsync(host);
    }

    [Theory]
    [InlineData(MuxerProtocols.Yamux)]
    [InlineData(MuxerProtocols.Mplex)]
    public async Task StreamFloodIsBoundedByTheStreamLimit(string muxer)
    {
        await using var host = TestUtil.NewHost(maxStreams: 32);
        var s = await SecureRawAsync(host, muxer);
        var ms = new MemoryStream();
        for (uint i = 0; i < 2000; i++)
        {
            if (muxer == MuxerProtocols.Yamux)
            {
                var h = new byte[12];
                h[1] = 1; // window update
                BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), 1); // SYN
                BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(4), 2 * i + 1);
                ms.Write(h);
            }
            else
            {
                ms.Write(Varint.Encode((ulong)i << 3));
                ms.Write(Varint.Encode(0));
            }
        }
        await s.WriteAsync(ms.ToArray());
        Connection? conn = null;
        await TestUtil.Until(() => (conn = host.Connections.FirstOrDefault()) is not null, "connection registered");
        var max = 0;
        for (int i = 0; i < 20; i++)
        {
            max = Math.Max(max, conn!.StreamCount);
            await Task.Delay(25);
        }
        Assert.InRange(max, 1, 32 + 2); // 32 inbound plus our own outbound identify stream(s)
        await AssertStillServesAsync(host);
    }

    [Fact]
    public async Task MplexFloodOnUnreadStreamIsReset()
    {
        await using var host = TestUtil.NewHost();
        host.SetStreamHandler("/sink/1", async s => await Task.Delay(TimeSpan.FromSeconds(30))); // never reads
        await using var client = TestUtil.NewHost([MuxerProtocols.Mplex]);
        await client.DialAsync(TestUtil.Addr(host)).WaitAsync(TestUtil.T);
        var st = await client.NewStreamAsync(host.PeerId, "/sink/1").WaitAsync(TestUtil.T);
        var chunk = new byte[512 * 1024];
        await Assert.ThrowsAsync<StreamResetException>(async () =>
        {
            for (int i = 0; i < 64; i++) // 32 MiB offered; the host buffers at most 4 MiB then resets
            {
                await st.WriteAsync(chunk);
                await Task.Delay(5);
            }
        }).WaitAsync(TestUtil.T);
        var hostConn = host.GetConnection(client.PeerId);
        Assert.NotNull(hostConn);
        Assert.True(await client.PingAsync(host.PeerId).WaitAsync(TestUtil.T) < TestUtil.T); // connection survives
    }

    [Fact]
    public async Task GossipInvalidProtobufAndOversizedRpc()
    {
        await using var node = TestUtil.NewHost();
        await using var router = new Gossipsub(node);
        var misbehaved = new System.Collections.Concurrent.ConcurrentQueue<string>();
        node.PeerMisbehaved += (_, why) => misbehaved.Enqueue(why);
        await using var fake = TestUtil.NewHost();
        await fake.DialAsync(TestUtil.Addr(node)).WaitAsync(TestUtil.T);

        var s1 = await fake.NewStreamAsync(node.PeerId, Gossipsub.ProtocolV11).WaitAsync(TestUtil.T);
        await StreamIo.WriteLengthPrefixedAsync(s1, new byte[] { 0x0a, 0x7f, 0x01 }, default); // field 1 claims 127 bytes
        await AssertClosedAsync(s1);

        var s2 = await fake.NewStreamAsync(node.PeerId, Gossipsub.ProtocolV11).WaitAsync(TestUtil.T);
        await s2.WriteAsync(Varint.Encode(64UL << 20)); // 64 MiB RPC announced
        await AssertClosedAsync(s2);

        await TestUtil.Until(() => misbehaved.Count >= 2, "misbehaviour reports");
        Assert.True(await fake.PingAsync(node.PeerId).WaitAsync(TestUtil.T) < TestUtil.T);
    }

    [Fact]
    public async Task ReqRespMalformedRequestsGetInvalidRequest()
    {
        const string proto = "/eth2/beacon_chain/req/status/1/ssz_snappy";
        await using var node = TestUtil.NewHost();
        ReqResp.ReqResp.Handle(node, proto, 84, 84, (p, req, ct) => Task.FromResult<IReadOnlyList<ResponseChunk>>([ResponseChunk.Ok(req)]));
        var reports = new System.Collections.Concurrent.ConcurrentQueue<string>();
        node.PeerMisbehaved += (_, why) => reports.Enqueue(why);
        await using var client = TestUtil.NewHost();
        await client.DialAsync(TestUtil.Addr(node)).WaitAsync(TestUtil.T);

        async Task<ResponseChunk?> Send(byte[] raw)
        {
            var s = await client.NewStreamAsync(node.PeerId, proto);
            await s.WriteAsync(raw);
            await s.CloseWriteAsync();
            return await ReqResp.ReqResp.ReadResponseChunkAsync(s, 0, 1 << 20, new CancellationTokenSource(Short).Token);
        }

        var tooLong = await Send(Varint.Encode(1UL << 40));
        Assert.Equal(ResponseCode.InvalidRequest, tooLong!.Code);
        var wrongSize = await Send(ReqResp.ReqResp.EncodePayload(new byte[10]));
        Assert.Equal(ResponseCode.InvalidRequest, wrongSize!.Code);
        var badSnappy = await Send([84, 0xff, 6, 0, 0, (byte)'s', (byte)'N', (byte)'a', (byte)'P', (byte)'p', (byte)'Y', 0x00, 10, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        Assert.Equal(ResponseCode.InvalidRequest, badSnappy!.Code);
        var ok = await Send(ReqResp.ReqResp.EncodePayload(new byte[84]));
        Assert.Equal(ResponseCode.Success, ok!.Code);
        Assert.Equal(84, ok.Payload.Length);
        Assert.Equal(3, reports.Count(r => r.StartsWith(proto)));
    }

    [Fact]
    public async Task SnappyFrameDecoderRejectsMalformedInput()
    {
        var good = SnappyFrames.Compress(new byte[1000]);
        await Assert.ThrowsAsync<P2pException>(() => SnappyFrames.ReadAsync(new MemoryStream(good[10..]), 1000, default)); // no stream id
        var badCrc = (byte[])good.Clone(); badCrc[14] ^= 1;
        await Assert.ThrowsAsync<P2pException>(() => SnappyFrames.ReadAsync(new MemoryStream(badCrc), 1000, default));
        await Assert.ThrowsAsync<P2pException>(() => SnappyFrames.ReadAsync(new MemoryStream(good), 999, default));   // longer than declared
        await Assert.ThrowsAsync<P2pException>(() => SnappyFrames.ReadAsync(new MemoryStream(good[..^3]), 1000, default)); // truncated
        var reserved = (byte[])good.Clone(); reserved[10] = 0x05;
        await Assert.ThrowsAsync<P2pException>(() => SnappyFrames.ReadAsync(new MemoryStream(reserved), 1000, default));
        // endless padding chunks are cut off by the byte budget
        var pad = new MemoryStream();
        pad.Write(good.AsSpan(0, 10));
        for (int i = 0; i < 100; i++) { pad.Write(new byte[] { 0xfe, 0xff, 0xff, 0x00 }); pad.Write(new byte[0xffff]); }
        pad.Position = 0;
        await Assert.ThrowsAsync<P2pException>(() => SnappyFrames.ReadAsync(pad, 10, default));
    }
}
