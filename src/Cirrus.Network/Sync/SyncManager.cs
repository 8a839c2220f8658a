using System.Collections.Concurrent;
using Cirrus.Consensus.Types;
using Cirrus.Network.Peers;
using Cirrus.Network.ReqResp;
using Cirrus.Networking;
using Cirrus.Node;
using Cirrus.Ssz;

namespace Cirrus.Network.Sync;

/// <summary>
/// Follows the chain from peers when gossip is not enough. Range sync (<see cref="RangeSync"/>): while
/// peers' statuses show a finalized checkpoint or a head beyond ours, batches of blocks_by_range are
/// downloaded from several peers at once and imported in order. Parent lookups: a gossip block whose
/// parent we lack has its ancestors fetched by root (bounded depth). With no useful peer the loop
/// waits; it never gives up.
/// </summary>
public sealed class SyncManager
{
    /// <summary>Ancestors fetched by root for one unknown-parent block; deeper gaps are range sync's.</summary>
    public const int MaxParentDepth = 32;

    private readonly Eth2Network net;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly ConcurrentDictionary<Bytes32, bool> _lookups = new();
    private readonly RangeSync _range;

    /// <summary>Rate and ETA while range sync runs (null otherwise).</summary>
    public string? Progress => _range.Progress;

    public SyncManager(Eth2Network net)
    {
        this.net = net;
        _range = new RangeSync(net, Wake);
    }

    public SyncState State
    {
        get
        {
            ulong head = net.Chain.HeadSlot, now = net.Chain.CurrentSlot;
            return new SyncState(head, now > head ? now - head : 0, _range.IsSyncing);
        }
    }

    internal void OnPeerStatus(PeerId peer, StatusMessage status)
    {
        if (status.HeadSlot > net.Chain.HeadSlot) Wake();
    }

    private void Wake()
    {
        try { _wake.Release(); } catch (SemaphoreFullException) { }
    }

    internal async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try { _range.Step(); }
            catch (Exception e) { net.Log($"sync: {e.GetType().Name}: {e.Message}"); }
            try { await _wake.WaitAsync(TimeSpan.FromMilliseconds(500), ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { break; }
        }
        await _range.DrainAsync().ConfigureAwait(false);
    }

    /// <summary>Fetches the missing ancestors of a gossip block from the peer that sent it, then imports them and it.</summary>
    internal void LookupParent(SignedBeaconBlock block, PeerId from)
    {
        var parent = block.Message.ParentRoot;
        if (!_lookups.TryAdd(parent, true)) return;
        _ = Task.Run(async () =>
        {
            try { await LookupAsync(block, from).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException) { net.Log($"parent lookup: {e.Message}"); }
            finally { _lookups.TryRemove(parent, out _); }
        });
    }

    private async Task LookupAsync(SignedBeaconBlock block, PeerId from)
    {
        var chain = net.Chain;
        var pending = new List<SignedBeaconBlock> { block };
        var root = block.Message.ParentRoot;
        for (int depth = 0; chain.GetBlock(root) is null; depth++)
        {
            if (depth >= MaxParentDepth)
            {
                // too far behind for lookups: ask for the peer's status, range sync takes it from there
                await net.PeerManager.ExchangeStatusAsync(from).ConfigureAwait(false);
                return;
            }
            List<SignedBeaconBlock> got;
            try
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(net.Stopping);
                cts.CancelAfter(TimeSpan.FromSeconds(15));
                got = await Requests.BlocksByRootAsync(net, from, [root], cts.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is PeerResponseException or P2pException)
            {
                net.PeerManager.Penalize(from, PeerAction.HighTolerance, "parent lookup: " + e.Message);
                return;
            }
            if (got.Count == 0) return; // the peer does not have it either (it sent us a child: odd, but not provable)
            pending.Insert(0, got[0]);
            root = got[0].Message.ParentRoot;
        }
        foreach (var b in pending)
        {
            try
            {
                chain.SubmitBlock(b);
                net.Metrics.SyncedBlocks.Inc();
            }
            catch (BlockImportException e)
            {
                net.PeerManager.Penalize(from, PeerAction.LowTolerance, $"parent lookup: invalid block at slot {b.Message.Slot}: {e.Message}");
                return;
            }
        }
    }
}

internal static class ChainExtensions
{
    /// <summary>The slot of the block the chain started from (genesis or a checkpoint).</summary>
    public static ulong AnchorSlot(this BeaconChain chain) => chain.GetBlock(chain.AnchorRoot)?.Message.Slot ?? 0;
}
