using Cirrus.Network.Peers;
using Cirrus.Networking.ReqResp;
using R = Cirrus.Networking.ReqResp.ReqResp;

namespace Cirrus.Network.ReqResp;

/// <summary>status: both sides learn each other's fork digest, finality and head.</summary>
internal static class StatusProtocol
{
    public const int Size = 84;

    public static void Register(Eth2Network net) =>
        R.Handle(net.Host, ReqRespHandlers.Status, Size, Size, (peer, req, ct) =>
        {
            if (ReqRespHandlers.Admit(net, peer, "status") is { } limited) return Task.FromResult<IReadOnlyList<ResponseChunk>>([limited]);
            StatusMessage theirs;
            try { theirs = net.Config.Schema.Deserialize<StatusMessage>(req); }
            catch (Cirrus.Ssz.SszException e)
            {
                net.PeerManager.Penalize(peer, PeerAction.Fatal, "malformed status: " + e.Message);
                return Task.FromResult<IReadOnlyList<ResponseChunk>>([ResponseChunk.Error(ResponseCode.InvalidRequest, "malformed status")]);
            }
            // answered first, judged after: a peer on another network still learns why it is dropped
            _ = Task.Run(() => net.PeerManager.OnStatusAsync(peer, theirs));
            return Task.FromResult<IReadOnlyList<ResponseChunk>>([ResponseChunk.Ok(net.Config.Schema.Serialize(net.LocalStatus()))]);
        });
}

internal static class GoodbyeProtocol
{
    public static void Register(Eth2Network net) =>
        R.Handle(net.Host, ReqRespHandlers.Goodbye, 8, 8, (peer, req, ct) =>
        {
            ulong reason = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(req);
            net.Metrics.ReqRespRequests.WithLabels("goodbye", "served").Inc();
            net.PeerManager.OnGoodbye(peer, reason);
            return Task.FromResult<IReadOnlyList<ResponseChunk>>([]);
        });
}

internal static class PingProtocol
{
    public static void Register(Eth2Network net) =>
        R.Handle(net.Host, ReqRespHandlers.Ping, 8, 8, (peer, req, ct) =>
        {
            if (ReqRespHandlers.Admit(net, peer, "ping") is { } limited) return Task.FromResult<IReadOnlyList<ResponseChunk>>([limited]);
            ulong seq = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(req);
            net.PeerManager.OnPing(peer, seq);
            return Task.FromResult<IReadOnlyList<ResponseChunk>>([ResponseChunk.Ok(ReqRespHandlers.UInt64Bytes(net.LocalMetaData().SeqNumber))]);
        });
}

/// <summary>metadata: the request has no content, so the stream is answered without reading one.</summary>
internal static class MetaDataProtocol
{
    public static void Register(Eth2Network net) =>
        net.Host.SetStreamHandler(ReqRespHandlers.MetaData, async s =>
        {
            await using (s.ConfigureAwait(false))
            {
                using var cts = new CancellationTokenSource(R.RespTimeout);
                var chunk = ReqRespHandlers.Admit(net, s.RemotePeer!, "metadata")
                    ?? ResponseChunk.Ok(net.Config.Schema.Serialize(net.LocalMetaData()));
                await s.WriteAsync(R.EncodeResponseChunk(chunk.Code, chunk.Payload), cts.Token).ConfigureAwait(false);
            }
        });
}
