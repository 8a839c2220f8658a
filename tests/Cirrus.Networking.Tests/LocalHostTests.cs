namespace Cirrus.Networking.Tests;

/// <summary>Our host against itself: every muxer, streams, half-close, flow control, limits.</summary>
public class LocalHostTests
{
    [Theory]
    [InlineData(MuxerProtocols.Yamux)]
    [InlineData(MuxerProtocols.Mplex)]
    public async Task DialPingIdentifyAndBulkStream(string muxer)
    {
        await using var a = TestUtil.NewHost([muxer]);
        await using var b = TestUtil.NewHost([muxer]);
        b.SetStreamHandler("/echo/1", async s =>
        {
            await using (s)
            {
                var buf = new byte[8192];
                int n;
                while ((n = await s.ReadAsync(buf)) > 0) await s.WriteAsync(buf.AsMemory(0, n));
            }
        });
        var c = await a.DialAsync(TestUtil.Addr(b)).WaitAsync(TestUtil.T);
        Assert.Equal(b.PeerId, c.RemotePeer);
        Assert.Equal(muxer, c.Muxer);
        Assert.True(await a.PingAsync(b.PeerId).WaitAsync(TestUtil.T) < TestUtil.T);
        var info = await a.IdentifyAsync(b.PeerId).WaitAsync(TestUtil.T);
        Assert.Contains("/echo/1", info.Protocols);
        await TestUtil.Until(() => b.GetConnection(a.PeerId) is not null, "inbound connection");

        // 3 MB through one stream exceeds yamux's 256 KiB window many times over
        var data = new byte[3 << 20];
        new Random(7).NextBytes(data);
        var s = await a.NewStreamAsync(b.PeerId, "/echo/1").WaitAsync(TestUtil.T);
        var reader = Task.Run(async () =>
        {
            var got = new MemoryStream();
            var buf = new byte[65536];
            int n;
            while ((n = await s.ReadAsync(buf)) > 0) got.Write(buf, 0, n);
            return got.ToArray();
        });
        await s.WriteAsync(data).AsTask().WaitAsync(TestUtil.T);
        await s.CloseWriteAsync();
        var echoed = await reader.WaitAsync(TestUtil.T);
        Assert.Equal(data, echoed);

        // many concurrent streams
        var tasks = Enumerable.Range(0, 50).Select(async i =>
        {
            await using var st = await a.NewStreamAsync(b.PeerId, "/echo/1");
            var msg = BitConverter.GetBytes(i);
            await st.WriteAsync(msg);
            await st.CloseWriteAsync();
            var back = new byte[4];
            await StreamIo.ReadExactlyAsync(st, back, default);
            return BitConverter.ToInt32(back) == i;
        });
        Assert.All(await Task.WhenAll(tasks).WaitAsync(TestUtil.T), Assert.True);
    }

    [Fact]
    public async Task UnsupportedProtocolIsRefused()
    {
        await using var a = TestUtil.NewHost();
        await using var b = TestUtil.NewHost();
        await a.DialAsync(TestUtil.Addr(b)).WaitAsync(TestUtil.T);
        await Assert.ThrowsAsync<ProtocolNotSupportedException>(() => a.NewStreamAsync(b.PeerId, "/nope/1"));
        // connection still usable
        Assert.True(await a.PingAsync(b.PeerId).WaitAsync(TestUtil.T) < TestUtil.T);
    }

    [Fact]
    public async Task DialingWrongPeerIdFailsNoiseHandshake()
    {
        await using var a = TestUtil.NewHost();
        await using var b = TestUtil.NewHost();
        var wrong = b.ListenAddresses[0].WithPeerId(PeerKey.Generate().PeerId);
        await Assert.ThrowsAsync<P2pException>(() => a.DialAsync(wrong).WaitAsync(TestUtil.T));
        Assert.Empty(a.Connections);
    }

    [Fact]
    public async Task DisconnectRaisesEventsOnBothSides()
    {
        await using var a = TestUtil.NewHost();
        await using var b = TestUtil.NewHost();
        var gone = new TaskCompletionSource();
        b.Disconnected += c => { if (c.RemotePeer == a.PeerId) gone.TrySetResult(); };
        await a.DialAsync(TestUtil.Addr(b)).WaitAsync(TestUtil.T);
        await TestUtil.Until(() => b.GetConnection(a.PeerId) is not null, "inbound connection");
        await a.DisconnectAsync(b.PeerId);
        await gone.Task.WaitAsync(TestUtil.T);
        Assert.Null(b.GetConnection(a.PeerId));
    }
}
