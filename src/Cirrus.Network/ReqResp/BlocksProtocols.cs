using Cirrus.Network.Peers;
using System.Runtime.CompilerServices;
using Cirrus.Consensus.Types;
using Cirrus.Networking;
using Cirrus.Networking.ReqResp;
using Cirrus.Ssz;
using R = Cirrus.Networking.ReqResp.ReqResp;

namespace Cirrus.Network.ReqResp;

/// <summary>beacon_blocks_by_range: canonical blocks at start_slot + i·step, streamed in slot order.</summary>
internal static class BlocksByRangeProtocol
{
    public static void Register(Eth2Network net) =>
        R.HandleStreaming(net.Host, ReqRespHandlers.BlocksByRange, 24, 24, (peer, req, ct) => Serve(net, peer, req, ct));

    private static async IAsyncEnumerable<ResponseChunk> Serve(Eth2Network net, PeerId peer, byte[] req, [EnumeratorCancellation] CancellationToken ct)
    {
        var r = net.Config.Schema.Deserialize<BeaconBlocksByRangeRequest>(req);
        if (r.Step == 0 || r.Count == 0 || r.Count > P2pConstants.MaxRequestBlocks)
        {
            net.PeerManager.Penalize(peer, PeerAction.LowTolerance, $"blocks_by_range with count {r.Count} step {r.Step}");
            yield return ResponseChunk.Error(ResponseCode.InvalidRequest, $"count must be 1..{P2pConstants.MaxRequestBlocks} and step at least 1");
            yield break;
        }
        if (ReqRespHandlers.Admit(net, peer, "beacon_blocks_by_range", r.Count) is { } limited)
        {
            yield return limited;
            yield break;
        }
        var chain = net.Chain;
        ulong headSlot = chain.HeadSlot;
        for (ulong i = 0; i < r.Count && !ct.IsCancellationRequested; i++)
        {
            ulong slot = r.StartSlot + i * r.Step;
            if (slot < r.StartSlot || slot > headSlot) yield break; // overflow or past the head
            if (chain.CanonicalRootAt(slot) is not { } root) continue;
            var block = chain.GetBlock(root);
            if (block is null || block.Message.Slot != slot) continue; // an empty slot
            yield return ResponseChunk.Ok(net.Config.Schema.Serialize(block));
            await Task.Yield();
        }
    }
}

/// <summary>beacon_blocks_by_root: the blocks we have among the requested roots, in request order.</summary>
internal static class BlocksByRootProtocol
{
    public static void Register(Eth2Network net) =>
        R.HandleStreaming(net.Host, ReqRespHandlers.BlocksByRoot, 0, 32 * P2pConstants.MaxRequestBlocks, (peer, req, ct) => Serve(net, peer, req, ct));

    private static async IAsyncEnumerable<ResponseChunk> Serve(Eth2Network net, PeerId peer, byte[] req, [EnumeratorCancellation] CancellationToken ct)
    {
        if (req.Length % 32 != 0)
        {
            net.PeerManager.Penalize(peer, PeerAction.LowTolerance, "blocks_by_root request is not a list of roots");
            yield return ResponseChunk.Error(ResponseCode.InvalidRequest, "not a list of roots");
            yield break;
        }
        int n = req.Length / 32;
        if (ReqRespHandlers.Admit(net, peer, "beacon_blocks_by_root", n) is { } limited)
        {
            yield return limited;
            yield break;
        }
        for (int i = 0; i < n && !ct.IsCancellationRequested; i++)
        {
            var block = net.Chain.GetBlock(Bytes32.FromSpan(req.AsSpan(i * 32, 32)));
            if (block is null) continue;
            yield return ResponseChunk.Ok(net.Config.Schema.Serialize(block));
            await Task.Yield();
        }
    }
}
