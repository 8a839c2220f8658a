using System.Collections.Concurrent;
using System.Diagnostics;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Types;
using Cirrus.Network.Peers;
using Cirrus.Network.ReqResp;
using Cirrus.Networking;
using Cirrus.Node;
using Cirrus.Ssz;

namespace Cirrus.Network.Sync;

/// <summary>
/// Follows the chain from peers when gossip is not enough. Range sync: while a peer's status shows a
/// head beyond ours, download beacon_blocks_by_range batches from the peers that have them (rotating
/// between them, a failed batch retried on another) and import them in order; a batch that does not
/// attach to our chain (we are on a fork they left) restarts from our finalized checkpoint. Parent
/// lookups: a gossip block whose parent we lack has its ancestors fetched by root (bounded depth).
/// With no useful peer the loop just waits; it never gives up.
/// </summary>
public sealed class SyncManager(Eth2Network net)
{
    /// <summary>Slots per blocks_by_range request.</summary>
    public const ulong BatchSlots = 64;
    /// <summary>Ancestors fetched by root for one unknown-parent block; deeper gaps are range sync's.</summary>
    public const int MaxParentDepth = 32;

    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly ConcurrentDictionary<Bytes32, bool> _lookups = new();
    private ulong _cursor;
    private int _rotation;
    private volatile bool _syncing;
    private ulong _target;
    private readonly Stopwatch _progressClock = Stopwatch.StartNew();
    private long _lastProgressLog;
    private ulong _progressFromSlot;

    public SyncState State
    {
        get
        {
            ulong head = net.Chain.HeadSlot, now = net.Chain.CurrentSlot;
            return new SyncState(head, now > head ? now - head : 0, _syncing);
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
            bool worked = false;
            try { worked = await StepAsync(ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            catch (Exception e) { net.Log($"sync: {e.GetType().Name}: {e.Message}"); }
            if (worked) continue;
            try { await _wake.WaitAsync(TimeSpan.FromMilliseconds(500), ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>One range-sync batch; false when there was nothing to do.</summary>
    private async Task<bool> StepAsync(CancellationToken ct)
    {
        var chain = net.Chain;
        ulong headSlot = chain.HeadSlot;
        var peers = net.PeerDb.ConnectedPeers().Where(p => p.Status is { } s && s.HeadSlot > headSlot && !net.PeerDb.IsBanned(p.Id)).ToList();
        if (peers.Count == 0)
        {
            if (_syncing) net.Log($"sync: done, head slot {headSlot}");
            _syncing = false;
            return false;
        }
        ulong target = peers.Max(p => p.Status!.HeadSlot);
        if (!_syncing)
        {
            _syncing = target > headSlot + 1;
            _progressFromSlot = headSlot;
            _progressClock.Restart();
            _lastProgressLog = 0;
            if (_syncing) net.Log($"sync: head slot {headSlot}, peers are at {target}: range sync");
        }
        _target = target;
        if (_cursor <= headSlot) _cursor = headSlot + 1;
        ulong start = _cursor;
        if (start > target)
        {
            // everything requested is imported or was empty, yet peers are ahead: start again after our head
            _cursor = headSlot + 1;
            return false;
        }
        ulong count = Math.Min(BatchSlots, target - start + 1);
        var able = peers.Where(p => p.Status!.HeadSlot >= start).ToList();
        var peer = able[(int)((uint)Interlocked.Increment(ref _rotation) % (uint)able.Count)].Id;
        List<SignedBeaconBlock> blocks;
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromSeconds(30));
            blocks = await Requests.BlocksByRangeAsync(net, peer, start, count, cts.Token).ConfigureAwait(false);
        }
        catch (PeerResponseException e)
        {
            net.PeerManager.Penalize(peer, e.PeerFault ? PeerAction.LowTolerance : PeerAction.HighTolerance, e.Message);
            return true;
        }
        catch (P2pException e)
        {
            net.PeerManager.Penalize(peer, PeerAction.HighTolerance, "blocks_by_range: " + e.Message);
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            net.PeerManager.Penalize(peer, PeerAction.MidTolerance, "blocks_by_range: timed out");
            return true;
        }
        var outcome = Import(blocks, peer);
        if (outcome == BatchOutcome.Detached)
        {
            // the batch does not attach: we are on a fork the peers left; restart after finality
            ulong fin = Misc.ComputeStartSlotAtEpoch(net.Config, chain.FinalizedCheckpoint.Epoch);
            _cursor = Math.Max(fin, chain.AnchorSlot()) + 1;
            return true;
        }
        if (outcome == BatchOutcome.Imported) _cursor = start + count;
        ReportProgress();
        return true;
    }

    private enum BatchOutcome { Imported, Detached, Invalid }

    private BatchOutcome Import(List<SignedBeaconBlock> blocks, PeerId peer)
    {
        var chain = net.Chain;
        for (int i = 0; i < blocks.Count; i++)
        {
            try
            {
                chain.ImportBlock(blocks[i]);
                net.Metrics.SyncedBlocks.Inc();
            }
            catch (BlockImportException e) when (e.UnknownParent)
            {
                return i == 0 ? BatchOutcome.Detached : BatchOutcome.Invalid;
            }
            catch (BlockImportException e)
            {
                net.PeerManager.Penalize(peer, PeerAction.LowTolerance, $"served an invalid block at slot {blocks[i].Message.Slot}: {e.Message}");
                return BatchOutcome.Invalid;
            }
        }
        return BatchOutcome.Imported;
    }

    private void ReportProgress()
    {
        long ms = _progressClock.ElapsedMilliseconds;
        if (ms - _lastProgressLog < 5000) return;
        _lastProgressLog = ms;
        ulong head = net.Chain.HeadSlot;
        double rate = ms > 0 ? (head - Math.Min(head, _progressFromSlot)) * 1000.0 / ms : 0;
        ulong left = _target > head ? _target - head : 0;
        string eta = rate > 0 ? TimeSpan.FromSeconds(left / rate).ToString(@"hh\:mm\:ss") : "?";
        net.Log($"sync: head slot {head} of {_target}, {rate:0.0} slots/s, {left} to go, ETA {eta}");
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
