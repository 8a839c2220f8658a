using Cirrus.Networking;

namespace Cirrus.Network.Peers;

/// <summary>What the node knows of one peer (connected now or seen recently).</summary>
public sealed class PeerInfo(PeerId id)
{
    public PeerId Id { get; } = id;
    public bool Connected { get; set; }
    public bool Outbound { get; set; }
    public string Address { get; set; } = "";
    public string? Enr { get; set; }
    public StatusMessage? Status { get; set; }
    public DateTime StatusAt { get; set; }
    public MetaData? MetaData { get; set; }
    /// <summary>Req/resp and protocol behaviour score: 0 is neutral, penalties push it down, it decays back.</summary>
    public double Score { get; set; }
    public DateTime ScoreAt { get; set; } = DateTime.UtcNow;
    public DateTime BannedUntil { get; set; }
    public DateTime ConnectedAt { get; set; }
    /// <summary>Kept through pruning (static peers, bootnodes).</summary>
    public bool Protected { get; set; }
}

/// <summary>
/// The peer table: connected peers and recently seen ones with their scores and bans. Scores decay
/// toward zero (half-life <see cref="ScoreHalfLife"/>); a peer below <see cref="BanThreshold"/> is banned
/// for <see cref="BanDuration"/>. Thread-safe; bounded (disconnected entries are forgotten oldest first).
/// </summary>
public sealed class PeerDb
{
    public const double BanThreshold = -100;
    public static readonly TimeSpan ScoreHalfLife = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan BanDuration = TimeSpan.FromMinutes(30);
    public const int MaxRemembered = 1000;

    private readonly object _lock = new();
    private readonly Dictionary<PeerId, PeerInfo> _peers = [];

    public PeerInfo GetOrAdd(PeerId id)
    {
        lock (_lock)
        {
            if (!_peers.TryGetValue(id, out var p))
            {
                if (_peers.Count >= MaxRemembered) Forget();
                _peers[id] = p = new PeerInfo(id);
            }
            return p;
        }
    }

    public PeerInfo? Get(PeerId id) { lock (_lock) return _peers.GetValueOrDefault(id); }

    public List<PeerInfo> All() { lock (_lock) return [.. _peers.Values]; }

    public List<PeerInfo> ConnectedPeers() { lock (_lock) return _peers.Values.Where(p => p.Connected).ToList(); }

    public bool IsBanned(PeerId id)
    {
        lock (_lock) return _peers.TryGetValue(id, out var p) && p.BannedUntil > DateTime.UtcNow;
    }

    /// <summary>Adds <paramref name="delta"/> (negative: a penalty) to the peer's decayed score; true if it is now banned.</summary>
    public bool Adjust(PeerId id, double delta)
    {
        var p = GetOrAdd(id);
        lock (_lock)
        {
            var now = DateTime.UtcNow;
            p.Score = Decayed(p, now) + delta;
            p.ScoreAt = now;
            if (p.Score > BanThreshold || p.BannedUntil > now) return false;
            p.BannedUntil = now + BanDuration;
            return true;
        }
    }

    public double ScoreOf(PeerId id)
    {
        lock (_lock) return _peers.TryGetValue(id, out var p) ? Decayed(p, DateTime.UtcNow) : 0;
    }

    private static double Decayed(PeerInfo p, DateTime now)
    {
        double halfLives = (now - p.ScoreAt).TotalSeconds / ScoreHalfLife.TotalSeconds;
        return halfLives <= 0 ? p.Score : p.Score * Math.Pow(0.5, halfLives);
    }

    private void Forget()
    {
        var now = DateTime.UtcNow;
        foreach (var p in _peers.Values.Where(p => !p.Connected && p.BannedUntil < now).OrderBy(p => p.ConnectedAt).Take(MaxRemembered / 10).ToList())
            _peers.Remove(p.Id);
    }
}
