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
        var wrong = b.ListenAddresses[0].WithPeerId(Secp256k1Key.Generate().PeerId);
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

public class LocalReqRespTests
{
    private static async IAsyncEnumerable<ReqResp.ResponseChunk> Blocks(int count, int size)
    {
        for (int i = 0; i < count; i++)
        {
            await Task.Yield();
            var b = new byte[size];
            BitConverter.TryWriteBytes(b, i);
            yield return ReqResp.ResponseChunk.Ok(b);
        }
    }

    [Theory]
    [InlineData(MuxerProtocols.Yamux)]
    [InlineData(MuxerProtocols.Mplex)]
    public async Task StreamingResponsesAndErrors(string muxer)
    {
        var proto = ReqResp.ReqResp.ProtocolId("beacon_blocks_by_range");
        Assert.Equal("/eth2/beacon_chain/req/beacon_blocks_by_range/1/ssz_snappy", proto);
        await using var server = TestUtil.NewHost();
        ReqResp.ReqResp.HandleStreaming(server, proto, 24, 24, (peer, req, ct) => Blocks(BitConverter.ToInt32(req), 20_000));
        ReqResp.ReqResp.HandleStreaming(server, "/fail/1", 0, 10, (peer, req, ct) => Fail());
        await using var client = TestUtil.NewHost([muxer]);
        await client.DialAsync(TestUtil.Addr(server)).WaitAsync(TestUtil.T);

        var req = new byte[24];
        BitConverter.TryWriteBytes(req, 64);
        var chunks = await ReqResp.ReqResp.RequestAsync(client, server.PeerId, proto, req, maxChunks: 1024).WaitAsync(TestUtil.T);
        Assert.Equal(64, chunks.Count);
        Assert.Equal(Enumerable.Range(0, 64), chunks.Select(c => BitConverter.ToInt32(c.Payload)));

        // the requester's chunk limit is enforced
        var few = await ReqResp.ReqResp.RequestAsync(client, server.PeerId, proto, req, maxChunks: 3).WaitAsync(TestUtil.T);
        Assert.Equal(3, few.Count);

        var err = await ReqResp.ReqResp.RequestAsync(client, server.PeerId, "/fail/1", [], maxChunks: 4).WaitAsync(TestUtil.T);
        Assert.Single(err);
        Assert.Equal(ReqResp.ResponseCode.ServerError, err[0].Code);
        Assert.Equal("server error", err[0].ErrorMessage);

        await Assert.ThrowsAsync<ReqResp.ReqRespException>(() => ReqResp.ReqResp.RequestAsync(client, server.PeerId, "/not/there", [], 1));
    }

    private static async IAsyncEnumerable<ReqResp.ResponseChunk> Fail()
    {
        await Task.Yield();
        throw new InvalidOperationException("boom");
#pragma warning disable CS0162
        yield break;
#pragma warning restore CS0162
    }
}

public class MultistreamTests
{
    private sealed class Duplex : Stream
    {
        private readonly System.IO.Pipelines.Pipe _in, _out;
        public Duplex(System.IO.Pipelines.Pipe @in, System.IO.Pipelines.Pipe @out) { _in = @in; _out = @out; }
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            var r = await _in.Reader.ReadAsync(ct);
            if (r.Buffer.IsEmpty && r.IsCompleted) return 0;
            int n = (int)Math.Min(buffer.Length, r.Buffer.Length);
            System.Buffers.BuffersExtensions.CopyTo(r.Buffer.Slice(0, n), buffer.Span);
            _in.Reader.AdvanceTo(r.Buffer.GetPosition(n));
            return n;
        }
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => await _out.Writer.WriteAsync(buffer, ct);
        public override bool CanRead => true; public override bool CanSeek => false; public override bool CanWrite => true;
        public override long Length => 0; public override long Position { get => 0; set { } }
        public override void Flush() { }
        public override int Read(byte[] b, int o, int c) => throw new NotSupportedException();
        public override long Seek(long o, SeekOrigin s) => 0; public override void SetLength(long v) { }
        public override void Write(byte[] b, int o, int c) => throw new NotSupportedException();
    }

    [Fact]
    public async Task NegotiatesAfterNaAndAnswersLs()
    {
        var a = new System.IO.Pipelines.Pipe(); var b = new System.IO.Pipelines.Pipe();
        var client = new Duplex(a, b); var server = new Duplex(b, a);
        using var cts = new CancellationTokenSource(TestUtil.T);
        var serverTask = Multistream.HandleAsync(server, p => p == "/b/1", () => ["/b/1"], cts.Token);
        Assert.Equal("/b/1", await Multistream.SelectAsync(client, ["/a/1", "/b/1"], cts.Token));
        Assert.Equal("/b/1", await serverTask);

        var serverTask2 = Multistream.HandleAsync(server, p => p == "/b/1", () => ["/b/1", "/c/1"], cts.Token);
        await client.WriteAsync(new byte[] { 19 }.Concat("/multistream/1.0.0\n"u8.ToArray()).Concat(new byte[] { 3 }).Concat("ls\n"u8.ToArray()).ToArray());
        Assert.Equal("/multistream/1.0.0", await Multistream.ReadMessageAsync(client, cts.Token));
        var listing = await StreamIo.ReadLengthPrefixedAsync(client, 1024, cts.Token);
        var text = System.Text.Encoding.UTF8.GetString(listing);
        Assert.Contains("/b/1\n", text);
        Assert.Contains("/c/1\n", text);
        // then a proposal nobody supports is answered "na"
        await client.WriteAsync(new byte[] { 5 }.Concat("/z/1\n"u8.ToArray()).ToArray());
        Assert.Equal("na", await Multistream.ReadMessageAsync(client, cts.Token));
        await client.WriteAsync(new byte[] { 5 }.Concat("/b/1\n"u8.ToArray()).ToArray());
        Assert.Equal("/b/1", await Multistream.ReadMessageAsync(client, cts.Token));
        Assert.Equal("/b/1", await serverTask2);
    }
}

public class ConnectionLimitTests
{
    [Fact]
    public async Task ConnectionsBeyondTheLimitAreRefused()
    {
        await using var server = new Libp2pHost(new Libp2pHostOptions { Key = Secp256k1Key.Generate(), MaxConnections = 2 });
        server.Listen(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"));
        var clients = Enumerable.Range(0, 3).Select(_ => TestUtil.NewHost()).ToList();
        try
        {
            await clients[0].DialAsync(TestUtil.Addr(server)).WaitAsync(TestUtil.T);
            await clients[1].DialAsync(TestUtil.Addr(server)).WaitAsync(TestUtil.T);
            await TestUtil.Until(() => server.Connections.Count == 2, "two inbound connections");
            await Assert.ThrowsAsync<P2pException>(() => clients[2].DialAsync(TestUtil.Addr(server)).WaitAsync(TestUtil.T));
            Assert.Equal(2, server.Connections.Count);
            await clients[0].DisconnectAsync(server.PeerId);
            await TestUtil.Until(() => server.Connections.Count == 1, "slot freed");
            await clients[2].DialAsync(TestUtil.Addr(server)).WaitAsync(TestUtil.T);
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
    }
}

public class BidirectionalLoadTests
{
    [Theory]
    [InlineData(MuxerProtocols.Yamux)]
    [InlineData(MuxerProtocols.Mplex)]
    public async Task BothSidesBlastingStreamsDoNotDeadlock(string muxer)
    {
        await using var a = TestUtil.NewHost([muxer]);
        await using var b = TestUtil.NewHost([muxer]);
        foreach (var h in new[] { a, b })
            h.SetStreamHandler("/sink/1", async s =>
            {
                long total = 0;
                var buf = new byte[65536];
                int n;
                while ((n = await s.ReadAsync(buf)) > 0) total += n;
                await s.WriteAsync(BitConverter.GetBytes(total));
                await s.DisposeAsync();
            });
        await a.DialAsync(TestUtil.Addr(b)).WaitAsync(TestUtil.T);
        await TestUtil.Until(() => b.GetConnection(a.PeerId) is not null, "inbound side");
        const int size = 3 << 20;
        async Task<long> Blast(Libp2pHost from, PeerId to)
        {
            await using var s = await from.NewStreamAsync(to, "/sink/1");
            var chunk = new byte[100_000];
            for (int sent = 0; sent < size; sent += chunk.Length) await s.WriteAsync(chunk.AsMemory(0, Math.Min(chunk.Length, size - sent)));
            await s.CloseWriteAsync();
            var back = new byte[8];
            await StreamIo.ReadExactlyAsync(s, back, default);
            return BitConverter.ToInt64(back);
        }
        var tasks = Enumerable.Range(0, 4).SelectMany(_ => new[] { Blast(a, b.PeerId), Blast(b, a.PeerId) }).ToArray();
        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(results, r => Assert.Equal(size, r));
    }
}
