using Cirrus.Consensus.Types;
using Cirrus.Networking;
using Cirrus.Networking.ReqResp;
using Cirrus.Ssz;
using R = Cirrus.Networking.ReqResp.ReqResp;

namespace Cirrus.Network.ReqResp;

/// <summary>A peer answered a request with an error code, or with something that does not decode.</summary>
public sealed class PeerResponseException(string message, bool peerFault) : Exception(message)
{
    /// <summary>True when the answer itself was wrong (not merely unavailable): the peer is penalised.</summary>
    public bool PeerFault { get; } = peerFault;
}

/// <summary>Our side of the req/resp protocols: requests to one peer, answers decoded and checked.</summary>
public static class Requests
{
    private const int MaxBlockChunk = R.MaxChunkSize;

    public static async Task<StatusMessage> StatusAsync(Eth2Network net, PeerId peer, CancellationToken ct)
    {
        var chunks = await R.RequestAsync(net.Host, peer, ReqRespHandlers.Status, net.Config.Schema.Serialize(net.LocalStatus()), 1,
            StatusProtocol.Size, StatusProtocol.Size, ct).ConfigureAwait(false);
        return Decode<StatusMessage>(net, Single(chunks, "status"), "status");
    }

    public static async Task<MetaData> MetaDataAsync(Eth2Network net, PeerId peer, CancellationToken ct)
    {
        await using var s = await net.Host.NewStreamAsync(peer, ReqRespHandlers.MetaData, ct).ConfigureAwait(false);
        await s.CloseWriteAsync().ConfigureAwait(false);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(R.TtfbTimeout + R.RespTimeout);
        var chunk = await R.ReadResponseChunkAsync(s, 16, 16, cts.Token).ConfigureAwait(false)
            ?? throw new PeerResponseException("metadata: no answer", true);
        return Decode<MetaData>(net, chunk, "metadata");
    }

    public static async Task<ulong> PingAsync(Eth2Network net, PeerId peer, CancellationToken ct)
    {
        var chunks = await R.RequestAsync(net.Host, peer, ReqRespHandlers.Ping, ReqRespHandlers.UInt64Bytes(net.LocalMetaData().SeqNumber), 1, 8, 8, ct).ConfigureAwait(false);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(Single(chunks, "ping").Payload);
    }

    /// <summary>Sends goodbye; the peer does not answer, and failures do not matter (we disconnect anyway).</summary>
    public static async Task GoodbyeAsync(Eth2Network net, PeerId peer, ulong reason, CancellationToken ct)
    {
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromSeconds(1));
            await R.RequestAsync(net.Host, peer, ReqRespHandlers.Goodbye, ReqRespHandlers.UInt64Bytes(reason), 0, ct: cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is P2pException or OperationCanceledException) { }
    }

    /// <summary>
    /// Blocks in [start, start + count) from one peer. Checks what the spec requires of the answer:
    /// slots inside the range, strictly increasing, and each block's parent is the previous one where
    /// both are present (a chain, not a mix of forks).
    /// </summary>
    public static async Task<List<SignedBeaconBlock>> BlocksByRangeAsync(Eth2Network net, PeerId peer, ulong start, ulong count, CancellationToken ct)
    {
        var req = new BeaconBlocksByRangeRequest { StartSlot = start, Count = count, Step = 1 };
        var chunks = await R.RequestAsync(net.Host, peer, ReqRespHandlers.BlocksByRange, net.Config.Schema.Serialize(req), (int)count,
            0, MaxBlockChunk, ct).ConfigureAwait(false);
        var blocks = new List<SignedBeaconBlock>(chunks.Count);
        Bytes32? prevRoot = null;
        ulong prevSlot = 0;
        foreach (var c in chunks)
        {
            var b = Decode<SignedBeaconBlock>(net, c, "blocks_by_range");
            ulong slot = b.Message.Slot;
            if (slot < start || slot >= start + count)
                throw new PeerResponseException($"blocks_by_range: block at slot {slot} outside [{start}, {start + count})", true);
            if (prevRoot is { } pr && (slot <= prevSlot || b.Message.ParentRoot != pr))
                throw new PeerResponseException($"blocks_by_range: block at slot {slot} does not follow the previous block", true);
            prevRoot = net.Config.Schema.HashTreeRoot(b.Message);
            prevSlot = slot;
            blocks.Add(b);
        }
        return blocks;
    }

    /// <summary>The blocks a peer has among <paramref name="roots"/>; blocks we did not ask for are a fault.</summary>
    public static async Task<List<SignedBeaconBlock>> BlocksByRootAsync(Eth2Network net, PeerId peer, IReadOnlyList<Bytes32> roots, CancellationToken ct)
    {
        var req = new byte[roots.Count * 32];
        for (int i = 0; i < roots.Count; i++) roots[i].AsSpan().CopyTo(req.AsSpan(i * 32));
        var chunks = await R.RequestAsync(net.Host, peer, ReqRespHandlers.BlocksByRoot, req, roots.Count, 0, MaxBlockChunk, ct).ConfigureAwait(false);
        var wanted = roots.ToHashSet();
        var blocks = new List<SignedBeaconBlock>();
        foreach (var c in chunks)
        {
            var b = Decode<SignedBeaconBlock>(net, c, "blocks_by_root");
            if (!wanted.Contains(net.Config.Schema.HashTreeRoot(b.Message)))
                throw new PeerResponseException("blocks_by_root: a block that was not asked for", true);
            blocks.Add(b);
        }
        return blocks;
    }

    private static ResponseChunk Single(IReadOnlyList<ResponseChunk> chunks, string what) =>
        chunks.Count == 1 ? chunks[0] : throw new PeerResponseException($"{what}: {chunks.Count} response chunks", true);

    private static T Decode<T>(Eth2Network net, ResponseChunk chunk, string what)
    {
        if (chunk.Code != ResponseCode.Success)
            throw new PeerResponseException($"{what}: error {chunk.Code}: {chunk.ErrorMessage}", peerFault: false);
        try { return net.Config.Schema.Deserialize<T>(chunk.Payload); }
        catch (SszException e) { throw new PeerResponseException($"{what}: {e.Message}", true); }
    }
}
