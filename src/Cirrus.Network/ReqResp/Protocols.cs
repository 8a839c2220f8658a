using Cirrus.Network.Peers;
using System.Buffers.Binary;
using Cirrus.Networking;
using Cirrus.Networking.ReqResp;
using R = Cirrus.Networking.ReqResp.ReqResp;

namespace Cirrus.Network.ReqResp;

/// <summary>The phase0 req/resp protocol ids and the registration of every handler.</summary>
public static class ReqRespHandlers
{
    public static readonly string Status = R.ProtocolId("status");
    public static readonly string Goodbye = R.ProtocolId("goodbye");
    public static readonly string Ping = R.ProtocolId("ping");
    public static readonly string MetaData = R.ProtocolId("metadata");
    public static readonly string BlocksByRange = R.ProtocolId("beacon_blocks_by_range");
    public static readonly string BlocksByRoot = R.ProtocolId("beacon_blocks_by_root");

    internal static void Register(Eth2Network net)
    {
        StatusProtocol.Register(net);
        GoodbyeProtocol.Register(net);
        PingProtocol.Register(net);
        MetaDataProtocol.Register(net);
        BlocksByRangeProtocol.Register(net);
        BlocksByRootProtocol.Register(net);
    }

    /// <summary>Counts the request and applies the peer's rate limit; an error chunk when it is over.</summary>
    internal static ResponseChunk? Admit(Eth2Network net, PeerId peer, string name, double cost = 1)
    {
        if (net.RateLimiter.TryTake(peer, name, cost))
        {
            net.Metrics.ReqRespRequests.WithLabels(name, "served").Inc();
            return null;
        }
        net.Metrics.ReqRespRequests.WithLabels(name, "rate_limited").Inc();
        net.PeerManager.Penalize(peer, PeerAction.LowTolerance, $"{name}: over its rate limit");
        return ResponseChunk.Error(ResponseCode.ResourceUnavailable, "rate limited");
    }

    internal static byte[] UInt64Bytes(ulong v)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        return b;
    }
}
