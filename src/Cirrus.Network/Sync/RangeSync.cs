using System.Diagnostics;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Types;
using Cirrus.Network.Peers;
using Cirrus.Network.ReqResp;
using Cirrus.Networking;
using Cirrus.Node;
using Cirrus.Ssz;

namespace Cirrus.Network.Sync;

/// <summary>What range sync is heading for: the peers' finalized checkpoint first, then their head.</summary>
internal readonly record struct SyncTarget(ulong Slot, Bytes32 Root, bool Finalized)
{
    public override string ToString() => $"{(Finalized ? "finalized" : "head")} slot {Slot}";
}

/// <summary>
/// Range sync as a chain of batches (the shape of Lighthouse's range_sync/chain.rs): the slots from
/// our head to the target are cut into <see cref="BatchSlots"/>-slot batches, downloaded in parallel
/// from different peers (at most <see cref="MaxDownloading"/> at once, one per peer) and imported
/// strictly in order. A batch must attach to what came before (the chain knows its first block's
/// parent); one that does not puts the empty or short batches before it in doubt, and they are
/// downloaded again from other peers. A batch that fails (timeout, error, invalid block) is retried
/// on another peer; out of attempts, the chain is dropped and started again after a pause. Peers whose
/// answers are proven wrong are penalised. Every transition happens under one lock; downloads and the
/// import run on their own tasks and wake the driver (<see cref="Step"/>) when they end.
/// </summary>
internal sealed class RangeSync(Eth2Network net, Action wake)
{
    /// <summary>Slots per blocks_by_range request (two mainnet epochs, as EPOCHS_PER_BATCH).</summary>
    public const ulong BatchSlots = 64;
    /// <summary>Batches downloading at once (each from a different peer).</summary>
    public const int MaxDownloading = 4;
    /// <summary>Batches downloaded or downloading ahead of the import, at most.</summary>
    public const int MaxBuffered = 8;
    /// <summary>Within this many slots of the peers' head, gossip and parent lookups follow the chain.</summary>
    public const ulong HeadFollowSlots = 4;
    /// <summary>Pause after a syncing chain failed, before another starts.</summary>
    public static readonly TimeSpan RetryPause = TimeSpan.FromSeconds(2);

    private readonly object _lock = new();
    private readonly SortedDictionary<ulong, Batch> _batches = [];
    private readonly HashSet<PeerId> _busy = [];
    private bool _active;
    private int _generation;
    private ulong _nextStart, _processFrom;
    private SyncTarget _target;
    private SyncTarget? _lastSeen; // the best head the peers showed
    private Task _processing = Task.CompletedTask;
    private bool _processingBusy;
    private long _behindSince = -1, _retryAt;
    private int _rotation;
    // progress
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _startedAt, _lastLog;
    private ulong _startHead;
    private long _imported;
    private volatile bool _syncing;

    public bool IsSyncing => _syncing;

    private Func<SignedBeaconBlock, Bytes32> Root => b => net.Config.Schema.HashTreeRoot(b.Message);

    /// <summary>One pass of the driver: pick the target, cut batches, hand them to peers, start the import.</summary>
    public void Step()
    {
        var chain = net.Chain;
        ulong head = chain.HeadSlot;
        var peers = UsefulPeers();
        var penalties = new List<(PeerId, PeerAction, string)>();
        lock (_lock)
        {
            var target = ChooseTarget(peers);
            if (!_active)
            {
                UpdateSyncing(peers, head);
                if (target is not { } t || !ShouldStart(t, head)) return;
                StartChain(head + 1, t, head);
            }
            else if (target is { } t) _target = t;
            TrimBeyondTarget();
            CreateBatches();
            Dispatch(peers);
            StartProcessing();
            if (!_processingBusy) CheckEnd(penalties);
            UpdateSyncing(peers, head);
            if (_active) ReportProgress(head, peers.Count);
        }
        Penalize(penalties);
    }

    /// <summary>Behind a target the peers showed, we are syncing, even while no peer is left to sync from.</summary>
    private void UpdateSyncing(List<PeerInfo> peers, ulong head)
    {
        if (peers.Count > 0)
        {
            var best = peers.MaxBy(p => p.Status!.HeadSlot)!.Status!;
            _lastSeen = new SyncTarget(best.HeadSlot, best.HeadRoot, false);
        }
        _syncing = _lastSeen is { } t && t.Slot > head + HeadFollowSlots && net.Chain.GetBlock(t.Root) is null;
    }

    /// <summary>Waits for an import in progress (it stops between blocks once the network stops).</summary>
    public Task DrainAsync()
    {
        lock (_lock) return _processing;
    }

    private List<PeerInfo> UsefulPeers() =>
        net.PeerDb.ConnectedPeers().Where(p => p.Status is not null && !net.PeerDb.IsBanned(p.Id)).ToList();

    /// <summary>The highest finalized checkpoint a peer claims that we do not hold yet; otherwise the highest head.</summary>
    private SyncTarget? ChooseTarget(List<PeerInfo> peers)
    {
        var chain = net.Chain;
        ulong ourFinalized = chain.FinalizedCheckpoint.Epoch;
        SyncTarget? best = null;
        foreach (var p in peers)
        {
            var s = p.Status!;
            if (s.FinalizedEpoch <= ourFinalized || chain.GetBlock(s.FinalizedRoot) is not null) continue;
            ulong slot = Misc.ComputeStartSlotAtEpoch(net.Config, s.FinalizedEpoch);
            if (best is null || slot > best.Value.Slot) best = new SyncTarget(slot, s.FinalizedRoot, true);
        }
        if (best is not null) return best;
        foreach (var p in peers)
        {
            var s = p.Status!;
            if (best is null || s.HeadSlot > best.Value.Slot) best = new SyncTarget(s.HeadSlot, s.HeadRoot, false);
        }
        return best;
    }

    private bool ShouldStart(SyncTarget t, ulong head)
    {
        long now = _clock.ElapsedMilliseconds;
        if (t.Slot <= head || net.Chain.GetBlock(t.Root) is not null) { _behindSince = -1; return false; }
        if (now < _retryAt) return false;
        if (t.Slot > head + HeadFollowSlots) return true;
        // A few slots behind: gossip usually brings these; fetch them only if it has not for a slot.
        if (_behindSince < 0) _behindSince = now;
        return now - _behindSince >= (long)net.Config.SecondsPerSlot * 1000;
    }

    private void StartChain(ulong start, SyncTarget target, ulong head)
    {
        _batches.Clear();
        _active = true;
        _generation++;
        _nextStart = _processFrom = start;
        _target = target;
        _behindSince = -1;
        _startedAt = _lastLog = _clock.ElapsedMilliseconds;
        _startHead = head;
        _imported = 0;
        net.Log($"sync: head slot {head}, peers are at {target}: range sync from slot {start}");
    }

    private void StopChain(string why, bool pause)
    {
        net.Log($"sync: {why}");
        _batches.Clear();
        _active = false;
        _generation++;
        if (pause) _retryAt = _clock.ElapsedMilliseconds + (long)RetryPause.TotalMilliseconds;
    }

    /// <summary>Batches not yet asked for beyond every peer's head are dropped (the peers that had them left).</summary>
    private void TrimBeyondTarget()
    {
        while (_batches.Count > 0)
        {
            var last = _batches.Values.Last();
            if (last.State != BatchState.AwaitingDownload || last.StartSlot <= _target.Slot) break;
            _batches.Remove(last.StartSlot);
            _nextStart = last.StartSlot;
        }
    }

    private void CreateBatches()
    {
        while (_nextStart <= _target.Slot && _batches.Values.Count(b => b.State != BatchState.Processed) < MaxBuffered)
        {
            ulong count = Math.Min(BatchSlots, _target.Slot - _nextStart + 1);
            _batches[_nextStart] = new Batch(_nextStart, count);
            _nextStart += count;
        }
    }

    private void Dispatch(List<PeerInfo> peers)
    {
        int downloading = _batches.Values.Count(b => b.State == BatchState.Downloading);
        foreach (var batch in _batches.Values.Where(b => b.State == BatchState.AwaitingDownload).ToList())
        {
            if (downloading >= MaxDownloading) return;
            if (PickPeer(batch, peers) is not { } peer) continue;
            batch.StartDownload(peer);
            _busy.Add(peer);
            downloading++;
            int gen = _generation;
            _ = Task.Run(() => DownloadAsync(batch, peer, gen));
        }
    }

    /// <summary>
    /// An idle peer whose head reaches the batch, preferring peers that have not failed it, then the
    /// best scored; a peer that failed the batch gets it again only when no other peer could serve it.
    /// </summary>
    private PeerId? PickPeer(Batch batch, List<PeerInfo> peers)
    {
        var able = peers.Where(p => p.Status!.HeadSlot >= batch.StartSlot).ToList();
        var fresh = able.Where(p => !batch.FailedPeers.Contains(p.Id)).ToList();
        var idle = (fresh.Count > 0 ? fresh : able).Where(p => !_busy.Contains(p.Id)).ToList();
        if (idle.Count == 0) return null;
        int turn = _rotation++;
        return idle.OrderByDescending(p => Math.Round(net.PeerDb.ScoreOf(p.Id)))
            .ThenBy(p => (p.Id.GetHashCode() ^ turn) & 0xff).First().Id;
    }

    private async Task DownloadAsync(Batch batch, PeerId peer, int gen)
    {
        List<SignedBeaconBlock>? blocks = null;
        (PeerAction Action, string Why)? fault = null;
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(net.Stopping);
            cts.CancelAfter(net.Options.SyncRequestTimeout);
            blocks = await Requests.BlocksByRangeAsync(net, peer, batch.StartSlot, batch.Count, cts.Token).ConfigureAwait(false);
        }
        catch (PeerResponseException e) { fault = (e.PeerFault ? PeerAction.LowTolerance : PeerAction.HighTolerance, "range sync: " + e.Message); }
        catch (P2pException e) { fault = (PeerAction.HighTolerance, "range sync: blocks_by_range: " + e.Message); }
        catch (OperationCanceledException) when (!net.Stopping.IsCancellationRequested)
        {
            fault = (PeerAction.MidTolerance, $"range sync: blocks_by_range [{batch.StartSlot}, {batch.EndSlot}] timed out");
        }
        catch (OperationCanceledException) { }
        catch (Exception e) { fault = (PeerAction.HighTolerance, $"range sync: {e.GetType().Name}: {e.Message}"); }
        if (fault is { } f) net.PeerManager.Penalize(peer, f.Action, f.Why);
        lock (_lock)
        {
            _busy.Remove(peer);
            if (gen != _generation) return;
            if (blocks is not null) batch.Downloaded(blocks);
            else if (net.Host.GetConnection(peer) is null) batch.DownloadAbandoned(); // the peer left: not the batch's fault
            else if (!batch.DownloadFailed()) StopChain($"batch [{batch.StartSlot}, {batch.EndSlot}] failed {Batch.MaxDownloadAttempts} downloads; starting again", pause: true);
        }
        wake();
    }

    private void StartProcessing()
    {
        if (_processingBusy || !_batches.TryGetValue(_processFrom, out var batch) || batch.State != BatchState.AwaitingProcessing) return;
        batch.StartProcessing();
        _processingBusy = true;
        int gen = _generation;
        _processing = Task.Run(() => Process(batch, gen));
    }

    private enum Outcome { Imported, Detached, Invalid }

    private void Process(Batch batch, int gen)
    {
        var penalties = new List<(PeerId, PeerAction, string)>();
        try
        {
            var (outcome, why) = Import(batch.Blocks);
            lock (_lock)
                if (gen == _generation) Processed(batch, outcome, why, penalties);
        }
        catch (Exception e)
        {
            // our failure (the store, a bug), not the peer's: start again rather than stop syncing
            lock (_lock)
                if (gen == _generation) StopChain($"import failed: {e.GetType().Name}: {e.Message}; starting again", pause: true);
        }
        finally
        {
            lock (_lock) _processingBusy = false;
        }
        Penalize(penalties);
        wake();
    }

    private (Outcome, string) Import(List<SignedBeaconBlock> blocks)
    {
        if (net.Stopping.IsCancellationRequested) return (Outcome.Invalid, "stopping");
        // one signature batch and one store write for the whole segment
        var result = net.Chain.ImportBlocks(blocks);
        net.Metrics.SyncedBlocks.Inc(result.Imported);
        Interlocked.Add(ref _imported, result.Imported);
        if (result.Error is not { } e) return (Outcome.Imported, "");
        if (e.UnknownParent && result.Imported == 0)
            return (Outcome.Detached, $"the block at slot {blocks[0].Message.Slot} does not attach to our chain");
        return (Outcome.Invalid, $"served an invalid block at slot {blocks[result.Imported].Message.Slot}: {e.Message}");
    }

    /// <summary>Applies an import's outcome to the chain of batches (under the lock).</summary>
    private void Processed(Batch batch, Outcome outcome, string why, List<(PeerId, PeerAction, string)> penalties)
    {
        var doubted = _batches.Values.Where(b => b.State == BatchState.Processed && b.StartSlot < batch.StartSlot).ToList();
        switch (outcome)
        {
            case Outcome.Imported:
                batch.ProcessingSucceeded();
                _processFrom = batch.EndSlot + 1;
                // blocks that attach confirm every batch before them
                if (batch.Blocks.Count > 0) Confirm(doubted, penalties);
                break;
            case Outcome.Invalid when net.Stopping.IsCancellationRequested:
                return;
            case Outcome.Invalid:
                penalties.Add((batch.Peer!, PeerAction.LowTolerance, "range sync: " + why));
                if (!batch.ProcessingFailed(null, Root)) StopChain($"batch [{batch.StartSlot}, {batch.EndSlot}]: {why}; out of attempts, starting again", pause: true);
                break;
            case Outcome.Detached when doubted.Count > 0:
                // The blocks between the last imported block and this batch were hidden from us: the batches
                // imported since the last one with blocks (and this one) are downloaded again from other peers.
                net.Log($"sync: batch [{batch.StartSlot}, {batch.EndSlot}] from {PeerManager.Short(batch.Peer!)} does not attach; downloading [{doubted[0].StartSlot}, {doubted[^1].EndSlot}] again");
                bool ok = true;
                if (batch.ProcessingAttempts == 0) batch.Requeue();
                else ok = batch.ProcessingFailed("its answer did not attach", Root);
                foreach (var b in doubted)
                    ok &= b.Redownload($"served {b.Blocks.Count} blocks for [{b.StartSlot}, {b.EndSlot}] where a peer had more", Root);
                _processFrom = doubted[0].StartSlot;
                if (!ok) StopChain("batches kept failing to attach; starting again", pause: true);
                break;
            case Outcome.Detached:
                // The first batch: our head is not on the peers' chain (a fork they left), or the peer is on another.
                bool retry = batch.ProcessingFailed("its answer did not attach to our chain", Root);
                if (batch.FailedPeers.Count >= 2 || !retry) RestartFromFinalized(batch);
                break;
        }
    }

    /// <summary>Batches before blocks that attached are right: peers whose answers for them differed are penalised.</summary>
    private void Confirm(List<Batch> batches, List<(PeerId, PeerAction, string)> penalties)
    {
        foreach (var b in batches)
        {
            foreach (var (peer, why) in b.ProvenWrong(Root)) penalties.Add((peer, PeerAction.LowTolerance, "range sync: " + why));
            _batches.Remove(b.StartSlot);
        }
    }

    private void RestartFromFinalized(Batch batch)
    {
        var chain = net.Chain;
        ulong fin = Math.Max(Misc.ComputeStartSlotAtEpoch(net.Config, chain.FinalizedCheckpoint.Epoch), chain.AnchorSlot()) + 1;
        if (batch.StartSlot <= fin)
        {
            StopChain($"peers' blocks from slot {batch.StartSlot} do not attach to our finalized chain; starting again", pause: true);
            return;
        }
        var target = _target;
        net.Log($"sync: blocks from slot {batch.StartSlot} do not attach to our head: we are on a fork the peers left; syncing again from slot {fin}");
        StartChain(fin, target, net.Chain.HeadSlot);
    }

    /// <summary>Everything up to the target is imported: done if the target block is ours; otherwise something was hidden.</summary>
    private void CheckEnd(List<(PeerId, PeerAction, string)> penalties)
    {
        if (!_active || _nextStart <= _target.Slot || _batches.Values.Any(b => b.State != BatchState.Processed)) return;
        var doubted = _batches.Values.ToList();
        if (net.Chain.GetBlock(_target.Root) is not null)
        {
            Confirm(doubted, penalties);
            StopChain($"reached the peers' {_target} ({_imported} blocks imported)", pause: false);
            return;
        }
        if (doubted.Count == 0)
        {
            StopChain($"imported up to slot {_target.Slot} without reaching the target block {_target.Root}; starting again", pause: true);
            return;
        }
        net.Log($"sync: reached slot {_target.Slot} without the target block; downloading [{doubted[0].StartSlot}, {doubted[^1].EndSlot}] again");
        bool ok = true;
        foreach (var b in doubted)
            ok &= b.Redownload($"served {b.Blocks.Count} blocks for [{b.StartSlot}, {b.EndSlot}] where a peer had more", Root);
        _processFrom = doubted[0].StartSlot;
        if (!ok) StopChain("the target block stays out of reach; starting again", pause: true);
    }

    /// <summary>Rate and ETA of the sync in progress, for the node's status line (null when not syncing).</summary>
    public string? Progress => _active ? _progress : null;
    private volatile string? _progress;

    private void ReportProgress(ulong head, int peers)
    {
        long now = _clock.ElapsedMilliseconds;
        if (now - _lastLog < 5000) return;
        _lastLog = now;
        double seconds = Math.Max(0.001, (now - _startedAt) / 1000.0);
        double rate = (head > _startHead ? head - _startHead : 0) / seconds;
        ulong left = _target.Slot > head ? _target.Slot - head : 0;
        string eta = rate > 0 ? TimeSpan.FromSeconds(Math.Min(left / rate, 359_999)).ToString(@"hh\:mm\:ss") : "?";
        _progress = $"{rate:0.0} slots/s, {left} to go, ETA {eta}";
        int downloading = _batches.Values.Count(b => b.State == BatchState.Downloading);
        int ready = _batches.Values.Count(b => b.State == BatchState.AwaitingProcessing);
        net.Log($"sync: head slot {head} of the peers' {_target}, {rate:0.0} slots/s ({Interlocked.Read(ref _imported) / seconds:0.0} blocks/s), " +
            $"{left} slots to go, ETA {eta}; {peers} peers, {downloading} batches downloading, {ready} waiting for import");
    }

    private void Penalize(List<(PeerId Peer, PeerAction Action, string Why)> penalties)
    {
        foreach (var (peer, action, why) in penalties) net.PeerManager.Penalize(peer, action, why);
    }
}
