namespace Cirrus.Networking.Tests.Interop;

/// <summary>Our host against real js-libp2p: dial both ways with each muxer; identify and ping both ways.</summary>
[Collection("interop")]
public class InteropBasicTests
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(20);

    private static Libp2pHost NewHost(string[]? muxers = null)
    {
        var h = new Libp2pHost(new Libp2pHostOptions { Key = Secp256k1Key.Generate(), Muxers = muxers ?? [Yamux.Id, Mplex.Id] });
        h.Listen(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"));
        return h;
    }

    [Theory]
    [InlineData("yamux", "Ed25519")]
    [InlineData("mplex", "Ed25519")]
    [InlineData("yamux", "secp256k1")]
    [InlineData("mplex", "secp256k1")]
    public async Task WeDialJs_PingAndIdentifyBothWays(string muxer, string keyType)
    {
        await using var js = await JsPeer.StartAsync(keyType, [muxer]);
        await using var host = NewHost();
        var conn = await host.DialAsync(Multiaddr.Parse(js.Address)).WaitAsync(T);
        Assert.Equal(js.PeerId, conn.RemotePeer.ToString());
        Assert.Equal(muxer == "yamux" ? Yamux.Id : Mplex.Id, conn.Muxer);

        var muxPing = await conn.MuxerPingAsync().WaitAsync(T);
        Assert.Equal(muxer == "yamux", muxPing is not null); // js yamux answers yamux pings
        var rtt = await host.PingAsync(conn.RemotePeer).WaitAsync(T);
        Assert.True(rtt < T);
        var info = await host.IdentifyAsync(conn.RemotePeer).WaitAsync(T);
        Assert.Contains(PingProtocol.ProtocolId, info.Protocols);
        Assert.Equal(conn.RemotePeer, info.PublicKey!.ToPeerId());

        var jsPing = await js.CallAsync("ping", new { peer = host.PeerId.ToString() });
        Assert.True(jsPing.GetProperty("rtt").GetDouble() >= 0);
        var jsId = await js.CallAsync("identify", new { peer = host.PeerId.ToString() });
        Assert.Contains(jsId.GetProperty("protocols").EnumerateArray(), p => p.GetString() == PingProtocol.ProtocolId);
        Assert.Equal("cirrus/0.1.0", jsId.GetProperty("agentVersion").GetString());
    }

    [Theory]
    [InlineData("yamux")]
    [InlineData("mplex")]
    public async Task JsDialsUs_PingAndIdentifyBothWays(string muxer)
    {
        await using var js = await JsPeer.StartAsync("Ed25519", [muxer]);
        await using var host = NewHost();
        var addr = host.ListenAddresses[0].WithPeerId(host.PeerId).ToString();
        var r = await js.CallAsync("dial", new { addr });
        Assert.Equal(host.PeerId.ToString(), r.GetProperty("peer").GetString());

        var jsPing = await js.CallAsync("ping", new { peer = host.PeerId.ToString() });
        Assert.True(jsPing.GetProperty("rtt").GetDouble() >= 0);
        var jsId = await js.CallAsync("identify", new { peer = host.PeerId.ToString() });
        Assert.Contains(jsId.GetProperty("protocols").EnumerateArray(), p => p.GetString() == Identify.ProtocolId);

        var jsPeerId = PeerId.Parse(js.PeerId);
        var conn = host.GetConnection(jsPeerId);
        Assert.NotNull(conn);
        Assert.False(conn!.IsOutbound);
        Assert.Equal(muxer == "yamux" ? Yamux.Id : Mplex.Id, conn.Muxer);
        Assert.True(await host.PingAsync(jsPeerId).WaitAsync(T) < T);
        var info = await host.IdentifyAsync(jsPeerId).WaitAsync(T);
        Assert.Contains(PingProtocol.ProtocolId, info.Protocols);
    }

    [Fact]
    public async Task YamuxPreferredWhenBothOffered()
    {
        await using var js = await JsPeer.StartAsync("Ed25519", ["mplex", "yamux"]);
        await using var host = NewHost();
        var conn = await host.DialAsync(Multiaddr.Parse(js.Address)).WaitAsync(T);
        Assert.Equal(Yamux.Id, conn.Muxer);
    }
}
