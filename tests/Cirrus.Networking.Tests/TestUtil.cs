namespace Cirrus.Networking.Tests;

internal static class TestUtil
{
    public static readonly TimeSpan T = TimeSpan.FromSeconds(20);

    public static Libp2pHost NewHost(IReadOnlyList<string>? muxers = null, int maxStreams = 256)
    {
        var h = new Libp2pHost(new Libp2pHostOptions
        {
            Key = Secp256k1Key.Generate(),
            Muxers = muxers ?? [MuxerProtocols.Yamux, MuxerProtocols.Mplex],
            MaxInboundStreamsPerConnection = maxStreams,
        });
        h.Listen(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"));
        return h;
    }

    public static Multiaddr Addr(Libp2pHost h) => h.ListenAddresses[0].WithPeerId(h.PeerId);

    public static async Task Until(Func<bool> cond, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? T);
        while (DateTime.UtcNow < deadline)
        {
            if (cond()) return;
            await Task.Delay(50);
        }
        throw new TimeoutException("timed out waiting for " + what);
    }
}
