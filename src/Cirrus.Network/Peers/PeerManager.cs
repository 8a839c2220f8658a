using System.Collections.Concurrent;
using Cirrus.Consensus.Helpers;
using Cirrus.Network.ReqResp;
using Cirrus.Networking;
using Cirrus.Networking.Discovery;
using Cirrus.Networking.ReqResp;

namespace Cirrus.Network.Peers;

/// <summary>How bad a peer's action was (the score it costs, as Lighthouse's PeerAction).</summary>
public enum PeerAction
{
    /// <summary>Never acceptable (wrong network data, invalid blocks served): banned at once.</summary>
    Fatal,
    /// <summary>Clearly wrong; a few of these ban.</summary>
    LowTolerance,
    /// <summary>Wrong, but could be an honest peer's mistake.</summary>
    MidTolerance,
    /// <summary>Slightly wrong (a timeout, an unavailable answer).</summary>
    HighTolerance,
}

/// <summary>
/// Keeps the peer count near the target: dials what discovery finds (on our fork digest only) and the
/// static peers, exchanges status with every new peer, says goodbye to peers on another network or
/// with a bad score, bans them for a while, and trims the count above the maximum keeping the best.
/// </summary>
public sealed class PeerManager(Eth2Network net)
{
    private readonly ConcurrentDictionary<PeerId, bool> _dialing = new();
    private readonly ConcurrentDictionary<PeerId, long> _pingedAt = new();
    private long _lastDiscovery;
    private int _discovering;

    private PeerDb Db => net.PeerDb;

    internal void Attach()
    {
        net.Host.Connected += OnConnected;
        net.Host.Disconnected += OnDisconnected;
        net.Host.PeerMisbehaved += (peer, why) =>
        {
            if (peer is not null) Penalize(peer, PeerAction.LowTolerance, why);
        };
        foreach (var a in net.Options.StaticPeers)
            if (a.PeerId is { } id) Db.GetOrAdd(id).Protected = true;
    }

    public int ConnectedCount => Db.ConnectedPeers().Count;

    /// <summary>Raised for every penalty (peer, how bad, why): logs, metrics, tests.</summary>
    public event Action<PeerId, PeerAction, string>? Penalized;

    private void OnConnected(Connection c)
    {
        var p = Db.GetOrAdd(c.RemotePeer);
        lock (p)
        {
            p.Connected = true;
            p.Outbound = c.IsOutbound;
            p.Address = c.RemoteAddress.ToString();
            p.ConnectedAt = DateTime.UtcNow;
        }
        net.Metrics.Peers.Set(ConnectedCount);
        if (Db.IsBanned(c.RemotePeer))
        {
            _ = DisconnectAsync(c.RemotePeer, GoodbyeReason.Banned, "banned");
            return;
        }
        if (!c.IsOutbound && ConnectedCount > net.Options.MaxPeers && !p.Protected)
        {
            _ = DisconnectAsync(c.RemotePeer, GoodbyeReason.TooManyPeers, null);
            return;
        }
        // The dialer sends status first; an inbound peer that stays silent is asked after a moment.
        _ = Task.Run(async () =>
        {
            if (!c.IsOutbound) await Task.Delay(TimeSpan.FromSeconds(2), net.Stopping).ConfigureAwait(false);
            if (!c.IsOutbound && Db.Get(c.RemotePeer)?.Status is not null) return;
            await ExchangeStatusAsync(c.RemotePeer).ConfigureAwait(false);
        });
    }

    private void OnDisconnected(Connection c)
    {
        if (net.Host.GetConnection(c.RemotePeer) is not null) return; // another connection remains
        if (Db.Get(c.RemotePeer) is { } p) p.Connected = false;
        net.RateLimiter.Forget(c.RemotePeer);
        _pingedAt.TryRemove(c.RemotePeer, out _);
        net.Metrics.Peers.Set(ConnectedCount);
    }

    /// <summary>Requests the peer's status and judges it; failures cost a little score.</summary>
    public async Task<StatusMessage?> ExchangeStatusAsync(PeerId peer)
    {
        try
        {
            var status = await Requests.StatusAsync(net, peer, net.Stopping).ConfigureAwait(false);
            await OnStatusAsync(peer, status).ConfigureAwait(false);
            return status;
        }
        catch (PeerResponseException e)
        {
            Penalize(peer, e.PeerFault ? PeerAction.LowTolerance : PeerAction.HighTolerance, e.Message);
        }
        catch (P2pException e)
        {
            Penalize(peer, PeerAction.HighTolerance, "status: " + e.Message);
        }
        catch (OperationCanceledException) { }
        return null;
    }

    /// <summary>Records a peer's status; a peer on another fork or finalized chain is sent away.</summary>
    internal async Task OnStatusAsync(PeerId peer, StatusMessage status)
    {
        var p = Db.GetOrAdd(peer);
        p.Status = status;
        p.StatusAt = DateTime.UtcNow;
        if (Irrelevant(status) is { } why)
        {
            net.Log($"peer {Short(peer)} is on another chain ({why}): goodbye");
            await DisconnectAsync(peer, GoodbyeReason.IrrelevantNetwork, null).ConfigureAwait(false);
            return;
        }
        net.SyncManager.OnPeerStatus(peer, status);
    }

    /// <summary>Why a status shows another chain, or null when the peer is useful (spec: status, "irrelevant network").</summary>
    internal string? Irrelevant(StatusMessage s)
    {
        if (s.ForkDigest != net.ForkDigest) return $"fork digest {s.ForkDigest}, ours {net.ForkDigest}";
        var chain = net.Chain;
        ulong clockSlot = chain.CurrentSlot;
        if (s.HeadSlot > clockSlot + 1) return $"head slot {s.HeadSlot} is ahead of the clock's {clockSlot}";
        var ours = chain.FinalizedCheckpoint;
        if (s.FinalizedEpoch > 0 && s.FinalizedEpoch <= ours.Epoch)
        {
            // their finalized checkpoint must be on our finalized chain
            ulong slot = Misc.ComputeStartSlotAtEpoch(net.Config, s.FinalizedEpoch);
            if (chain.CanonicalRootAt(slot) is { } root && root != s.FinalizedRoot && chain.GetBlock(s.FinalizedRoot) is null)
                return $"finalized root {s.FinalizedRoot} at epoch {s.FinalizedEpoch} is not ours ({root})";
        }
        return null;
    }

    internal void OnGoodbye(PeerId peer, ulong reason)
    {
        net.Log($"peer {Short(peer)} said goodbye: {GoodbyeReason.Describe(reason)}");
        _ = Task.Run(() => net.Host.DisconnectAsync(peer));
    }

    internal void OnPing(PeerId peer, ulong seq)
    {
        var p = Db.GetOrAdd(peer);
        if (p.MetaData is null || p.MetaData.SeqNumber < seq) _ = RefreshMetaDataAsync(peer);
    }

    private async Task RefreshMetaDataAsync(PeerId peer)
    {
        try { Db.GetOrAdd(peer).MetaData = await Requests.MetaDataAsync(net, peer, net.Stopping).ConfigureAwait(false); }
        catch (Exception e) when (e is P2pException or PeerResponseException or OperationCanceledException) { }
    }

    /// <summary>Lowers the peer's score; a peer that falls below the ban threshold is banned and disconnected.</summary>
    public void Penalize(PeerId peer, PeerAction action, string reason)
    {
        double delta = action switch
        {
            PeerAction.Fatal => PeerDb.BanThreshold * 2,
            PeerAction.LowTolerance => -10,
            PeerAction.MidTolerance => -5,
            _ => -1,
        };
        if (Db.Get(peer)?.Protected == true && action != PeerAction.Fatal) delta /= 10;
        Penalized?.Invoke(peer, action, reason);
        if (!Db.Adjust(peer, delta)) return;
        net.Metrics.PeerBans.Inc();
        net.Log($"peer {Short(peer)} banned for {PeerDb.BanDuration.TotalMinutes:0} min: {reason}");
        _ = DisconnectAsync(peer, GoodbyeReason.Banned, null);
    }

    public async Task DisconnectAsync(PeerId peer, ulong reason, string? log)
    {
        if (log is not null) net.Log($"disconnecting {Short(peer)}: {log}");
        await Requests.GoodbyeAsync(net, peer, reason, net.Stopping).ConfigureAwait(false);
        await net.Host.DisconnectAsync(peer).ConfigureAwait(false);
    }

    internal async Task SayGoodbyeToAllAsync(ulong reason)
    {
        var peers = Db.ConnectedPeers();
        try { await Task.WhenAll(peers.Select(p => Requests.GoodbyeAsync(net, p.Id, reason, net.Stopping))).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false); }
        catch (Exception) { }
    }

    internal void OnDiscovered(Enr enr)
    {
        if (ConnectedCount < net.Options.TargetPeers && Useful(enr)) _ = DialAsync(enr);
    }

    private bool Useful(Enr enr) => Eth2Enr.Matches(enr, net.ForkDigest.AsSpan()) && enr.TcpMultiaddr is not null;

    private async Task DialAsync(Enr enr)
    {
        if (!Multiaddr.TryParse(enr.TcpMultiaddr!, out var addr) || addr is null) return;
        Db.GetOrAdd(addr.PeerId!).Enr = enr.ToText();
        await DialAsync(addr).ConfigureAwait(false);
    }

    private async Task DialAsync(Multiaddr addr)
    {
        var id = addr.PeerId;
        if (id is null || id == net.PeerId || Db.IsBanned(id) || net.Host.GetConnection(id) is not null) return;
        if (!_dialing.TryAdd(id, true)) return;
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(net.Stopping);
            cts.CancelAfter(TimeSpan.FromSeconds(10));
            await net.Host.DialAsync(addr, cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is P2pException or IOException or OperationCanceledException or System.Net.Sockets.SocketException or ArgumentException) { }
        finally { _dialing.TryRemove(id, out _); }
    }

    /// <summary>The maintenance loop: dial toward the target, refresh statuses, ping, trim.</summary>
    internal async Task RunAsync(CancellationToken ct)
    {
        foreach (var a in net.Options.StaticPeers) _ = DialAsync(a);
        var statusEvery = TimeSpan.FromSeconds(Math.Max(6, net.Config.SecondsPerSlot * net.Config.SlotsPerEpoch));
        while (!ct.IsCancellationRequested)
        {
            try { await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            try { Maintain(statusEvery); }
            catch (Exception e) when (e is not OperationCanceledException) { net.Log($"peer maintenance: {e.Message}"); }
        }
    }

    private void Maintain(TimeSpan statusEvery)
    {
        var connected = Db.ConnectedPeers();
        int missing = net.Options.TargetPeers - connected.Count;
        foreach (var a in net.Options.StaticPeers)
            if (a.PeerId is { } id && net.Host.GetConnection(id) is null) _ = DialAsync(a);
        if (missing > 0 && net.Discovery is { } disc)
        {
            var candidates = disc.FindPeers(Useful)
                .Where(e => Useful(e) && !Db.IsBanned(PeerIdOf(e)) && net.Host.GetConnection(PeerIdOf(e)) is null)
                .Take(Math.Min(missing, 8));
            foreach (var e in candidates) _ = DialAsync(e);
            long now = Environment.TickCount64;
            if (now - _lastDiscovery > 10_000 && Interlocked.Exchange(ref _discovering, 1) == 0)
            {
                _lastDiscovery = now;
                _ = Task.Run(async () =>
                {
                    try { await disc.DiscoverPeersAsync(Useful, net.Options.TargetPeers, 3, net.Stopping).ConfigureAwait(false); }
                    catch (Exception) { }
                    finally { Volatile.Write(ref _discovering, 0); }
                });
            }
        }
        var now2 = DateTime.UtcNow;
        foreach (var p in connected)
        {
            if (p.Status is not null && now2 - p.StatusAt > statusEvery) { p.StatusAt = now2; _ = ExchangeStatusAsync(p.Id); }
            long t = Environment.TickCount64;
            if (t - _pingedAt.GetOrAdd(p.Id, t) > 30_000)
            {
                _pingedAt[p.Id] = t;
                _ = PingAsync(p.Id);
            }
        }
        if (connected.Count > net.Options.MaxPeers)
        {
            foreach (var p in connected.Where(p => !p.Protected).OrderBy(p => Db.ScoreOf(p.Id) + net.Gossip.Score(p.Id))
                         .Take(connected.Count - net.Options.MaxPeers))
                _ = DisconnectAsync(p.Id, GoodbyeReason.TooManyPeers, null);
        }
    }

    private async Task PingAsync(PeerId peer)
    {
        try
        {
            ulong seq = await Requests.PingAsync(net, peer, net.Stopping).ConfigureAwait(false);
            OnPing(peer, seq);
        }
        catch (Exception e) when (e is P2pException or PeerResponseException) { Penalize(peer, PeerAction.HighTolerance, "ping: " + e.Message); }
        catch (OperationCanceledException) { }
    }

    private static PeerId PeerIdOf(Enr e) => e.PeerId;

    internal static string Short(PeerId p)
    {
        var s = p.ToString();
        return s.Length > 12 ? "…" + s[^8..] : s;
    }
}
