using Cirrus.Networking.ReqResp;

namespace Cirrus.Networking.Tests.Interop;

/// <summary>A custom ssz_snappy req/resp protocol round trip with js-libp2p in both directions.</summary>
[Collection("interop")]
public class InteropReqRespTests
{
    private const string Echo = "/cirrus/test/echo/1/ssz_snappy";
    private static readonly TimeSpan T = TimeSpan.FromSeconds(20);

    private static byte[] Payload(int size, bool random)
    {
        var b = new byte[size];
        if (random) new Random(size).NextBytes(b);
        else for (int i = 0; i < size; i++) b[i] = (byte)(i % 7);
        return b;
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(100, true)]
    [InlineData(200_000, false)]
    [InlineData(150_000, true)]
    public async Task WeRequestJs(int size, bool random)
    {
        await using var js = await JsPeer.StartAsync("secp256k1", ["mplex"]);
        await using var host = new Libp2pHost(new Libp2pHostOptions { Key = Secp256k1Key.Generate() });
        var conn = await host.DialAsync(Multiaddr.Parse(js.Address)).WaitAsync(T);
        var data = Payload(size, random);
        var chunks = await ReqResp.ReqResp.RequestAsync(host, conn.RemotePeer, Echo, data, maxChunks: 4).WaitAsync(T);
        Assert.Equal(2, chunks.Count);
        Assert.All(chunks, c => Assert.Equal(ResponseCode.Success, c.Code));
        Assert.Equal(data.Reverse().ToArray(), chunks[0].Payload);
        Assert.Equal(data, chunks[1].Payload);
    }

    [Theory]
    [InlineData(1, "yamux")]
    [InlineData(200_000, "yamux")]
    [InlineData(200_000, "mplex")]
    public async Task JsRequestsUs(int size, string muxer)
    {
        await using var js = await JsPeer.StartAsync("Ed25519", [muxer]);
        await using var host = new Libp2pHost(new Libp2pHostOptions { Key = Secp256k1Key.Generate() });
        host.Listen(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"));
        ReqResp.ReqResp.Handle(host, Echo, 0, ReqResp.ReqResp.MaxChunkSize, (peer, req, ct) =>
            Task.FromResult<IReadOnlyList<ResponseChunk>>([ResponseChunk.Ok(req.Reverse().ToArray()), ResponseChunk.Ok(req), ResponseChunk.Error(ResponseCode.ResourceUnavailable, "no more")]));
        await js.CallAsync("dial", new { addr = host.ListenAddresses[0].WithPeerId(host.PeerId).ToString() });
        var data = Payload(size, true);
        var r = await js.CallAsync("reqresp", new { peer = host.PeerId.ToString(), protocol = Echo, data = Convert.ToHexString(data).ToLowerInvariant() });
        var chunks = r.GetProperty("chunks").EnumerateArray().ToArray();
        Assert.Equal(3, chunks.Length);
        Assert.Equal(0, chunks[0].GetProperty("code").GetInt32());
        Assert.Equal(Convert.ToHexString(data.Reverse().ToArray()), chunks[0].GetProperty("data").GetString()!.ToUpperInvariant());
        Assert.Equal(Convert.ToHexString(data), chunks[1].GetProperty("data").GetString()!.ToUpperInvariant());
        Assert.Equal(3, chunks[2].GetProperty("code").GetInt32());
        Assert.Equal("no more", System.Text.Encoding.UTF8.GetString(Convert.FromHexString(chunks[2].GetProperty("data").GetString()!)));
    }
}
