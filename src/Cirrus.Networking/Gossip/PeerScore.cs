namespace Cirrus.Networking.Gossip;

/// <summary>gossipsub v1.1 per-topic score parameters (P1–P4).</summary>
public sealed class TopicScoreParams
{
    public double TopicWeight { get; init; }
    // P1: time in mesh
    public double TimeInMeshWeight { get; init; }
    public TimeSpan TimeInMeshQuantum { get; init; } = TimeSpan.FromSeconds(1);
    public double TimeInMeshCap { get; init; }
    // P2: first message deliveries
    public double FirstMessageDeliveriesWeight { get; init; }
    public double FirstMessageDeliveriesDecay { get; init; }
    public double FirstMessageDeliveriesCap { get; init; }
    // P3: mesh message delivery rate (weight negative, 0 disables)
    public double MeshMessageDeliveriesWeight { get; init; }
    public double MeshMessageDeliveriesDecay { get; init; }
    public double MeshMessageDeliveriesThreshold { get; init; }
    public double MeshMessageDeliveriesCap { get; init; }
    public TimeSpan MeshMessageDeliveriesActivation { get; init; } = TimeSpan.FromSeconds(4);
    public TimeSpan MeshMessageDeliveriesWindow { get; init; } = TimeSpan.FromMilliseconds(10);
    // P3b: mesh failure penalty
    public double MeshFailurePenaltyWeight { get; init; }
    public double MeshFailurePenaltyDecay { get; init; }
    // P4: invalid messages
    public double InvalidMessageDeliveriesWeight { get; init; }
    public double InvalidMessageDeliveriesDecay { get; init; }
}

/// <summary>gossipsub v1.1 global score parameters (P5–P7, decay, topic parameters).</summary>
public sealed class PeerScoreParams
{
    public Dictionary<string, TopicScoreParams> Topics { get; init; } = new();
    /// <summary>Cap on the positive part of the summed topic scores (0 = none).</summary>
    public double TopicScoreCap { get; init; }
    public Func<PeerId, double>? AppSpecificScore { get; init; }
    public double AppSpecificWeight { get; init; }
    public double IpColocationFactorWeight { get; init; }
    public double IpColocationFactorThreshold { get; init; } = 1;
    /// <summary>Peers on loopback addresses never count towards IP colocation (local tests, devnets).</summary>
    public bool IpColocationIgnoresLoopback { get; init; } = true;
    public double BehaviourPenaltyWeight { get; init; }
    public double BehaviourPenaltyThreshold { get; init; }
    public double BehaviourPenaltyDecay { get; init; } = 0.99;
    public TimeSpan DecayInterval { get; init; } = TimeSpan.FromSeconds(1);
    public double DecayToZero { get; init; } = 0.01;
    public TimeSpan RetainScore { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The decay factor that reduces a counter to <see cref="DecayToZero"/> after <paramref name="duration"/>.</summary>
    public double DecayOver(TimeSpan duration)
    {
        double ticks = duration / DecayInterval;
        return Math.Pow(DecayToZero, 1 / ticks);
    }
}

/// <summary>gossipsub v1.1 score thresholds.</summary>
public sealed class PeerScoreThresholds
{
    /// <summary>Below: no gossip (IHAVE/IWANT) to or from the peer.</summary>
    public double GossipThreshold { get; init; } = -4000;
    /// <summary>Below: our own messages are not flood-published to the peer.</summary>
    public double PublishThreshold { get; init; } = -8000;
    /// <summary>Below: every RPC from the peer is ignored.</summary>
    public double GraylistThreshold { get; init; } = -16000;
    public double AcceptPxThreshold { get; init; } = 100;
    /// <summary>Median mesh score under which opportunistic grafting kicks in.</summary>
    public double OpportunisticGraftThreshold { get; init; } = 5;
}

/// <summary>
/// The v1.1 peer score (P1 time in mesh, P2 first deliveries, P3/P3b mesh delivery deficit and failure,
/// P4 invalid messages, P5 application score, P6 IP colocation, P7 behaviour penalty) with periodic decay.
/// Not thread-safe: the router calls it under its lock.
/// </summary>
public sealed class PeerScore
{
    private sealed class TopicStats
    {
        public bool InMesh;
        public DateTime GraftTime;
        public bool MeshActive;
        public double FirstDeliveries, MeshDeliveries, MeshFailurePenalty, InvalidDeliveries;
    }

    private sealed class Stats
    {
        public bool Connected = true;
        public DateTime Expire;
        public string? Ip;
        public double Behaviour;
        public readonly Dictionary<string, TopicStats> Topics = new();
        public TopicStats Topic(string t) => Topics.TryGetValue(t, out var s) ? s : Topics[t] = new TopicStats();
    }

    private sealed class Delivery
    {
        public DateTime FirstSeen;
        public string Topic = "";
        public readonly HashSet<PeerId> Peers = new();
        public bool Validated;
    }

    private readonly Dictionary<PeerId, Stats> _peers = new();
    private readonly Dictionary<string, HashSet<PeerId>> _ips = new();
    private readonly Dictionary<string, Delivery> _deliveries = new();
    private DateTime _lastDecay = DateTime.UtcNow;

    public PeerScore(PeerScoreParams parameters) => Params = parameters;

    public PeerScoreParams Params { get; }

    public void AddPeer(PeerId peer, string? ip)
    {
        if (!_peers.TryGetValue(peer, out var s)) _peers[peer] = s = new Stats();
        s.Connected = true;
        if (ip is not null && Params.IpColocationIgnoresLoopback && System.Net.IPAddress.TryParse(ip, out var addr) && System.Net.IPAddress.IsLoopback(addr)) ip = null;
        s.Ip = ip;
        if (ip is not null)
        {
            if (!_ips.TryGetValue(ip, out var set)) _ips[ip] = set = new();
            set.Add(peer);
        }
    }

    public void RemovePeer(PeerId peer, DateTime now)
    {
        if (!_peers.TryGetValue(peer, out var s)) return;
        if (s.Ip is not null && _ips.TryGetValue(s.Ip, out var set)) { set.Remove(peer); if (set.Count == 0) _ips.Remove(s.Ip); }
        // keep a negative score around so a reconnect cannot wash it off
        if (Score(peer, now) >= 0) { _peers.Remove(peer); return; }
        s.Connected = false;
        s.Expire = now + Params.RetainScore;
        foreach (var t in s.Topics.Values) { t.InMesh = false; t.FirstDeliveries = 0; }
    }

    public void Graft(PeerId peer, string topic, DateTime now)
    {
        if (!_peers.TryGetValue(peer, out var s)) return;
        var t = s.Topic(topic);
        t.InMesh = true; t.GraftTime = now; t.MeshActive = false;
    }

    public void Prune(PeerId peer, string topic)
    {
        if (!_peers.TryGetValue(peer, out var s) || !s.Topics.TryGetValue(topic, out var t)) return;
        if (Params.Topics.TryGetValue(topic, out var p) && t.MeshActive && t.MeshDeliveries < p.MeshMessageDeliveriesThreshold)
        {
            double deficit = p.MeshMessageDeliveriesThreshold - t.MeshDeliveries;
            t.MeshFailurePenalty += deficit * deficit;
        }
        t.InMesh = false;
    }

    public void AddPenalty(PeerId peer, double count)
    {
        if (_peers.TryGetValue(peer, out var s)) s.Behaviour += count;
    }

    /// <summary>A message was received from <paramref name="peer"/>; <paramref name="first"/> when we had not seen it.</summary>
    public void Received(PeerId peer, string topic, string msgId, bool first, DateTime now)
    {
        if (first)
        {
            var d = new Delivery { FirstSeen = now, Topic = topic };
            d.Peers.Add(peer);
            _deliveries[msgId] = d;
            return;
        }
        if (!_deliveries.TryGetValue(msgId, out var rec) || !rec.Peers.Add(peer)) return;
        // near-first duplicate from a mesh peer counts towards its mesh delivery rate (P3)
        if (rec.Validated && Params.Topics.TryGetValue(topic, out var p) && now - rec.FirstSeen <= p.MeshMessageDeliveriesWindow
            && _peers.TryGetValue(peer, out var s) && s.Topics.TryGetValue(topic, out var t) && t.InMesh)
            t.MeshDeliveries = Math.Min(p.MeshMessageDeliveriesCap, t.MeshDeliveries + 1);
    }

    /// <summary>The first delivery of a message validated (accepted).</summary>
    public void Validated(PeerId peer, string topic, string msgId)
    {
        if (_deliveries.TryGetValue(msgId, out var rec)) rec.Validated = true;
        if (!Params.Topics.TryGetValue(topic, out var p) || !_peers.TryGetValue(peer, out var s)) return;
        var t = s.Topic(topic);
        t.FirstDeliveries = Math.Min(p.FirstMessageDeliveriesCap, t.FirstDeliveries + 1);
        if (t.InMesh) t.MeshDeliveries = Math.Min(p.MeshMessageDeliveriesCap, t.MeshDeliveries + 1);
    }

    /// <summary>The message from <paramref name="peer"/> was rejected by validation (or broke StrictNoSign).</summary>
    public void Rejected(PeerId peer, string topic)
    {
        if (!_peers.TryGetValue(peer, out var s)) return;
        s.Topic(topic).InvalidDeliveries += 1;
    }

    public double Score(PeerId peer, DateTime now)
    {
        if (!_peers.TryGetValue(peer, out var s)) return 0;
        double topicScore = 0;
        foreach (var (topic, t) in s.Topics)
        {
            if (!Params.Topics.TryGetValue(topic, out var p))
            {
                // topics without parameters: invalid messages still weigh, with a default P4 weight
                topicScore += -t.InvalidDeliveries * t.InvalidDeliveries * 100;
                continue;
            }
            double ts = 0;
            if (t.InMesh)
            {
                double p1 = Math.Min((now - t.GraftTime) / p.TimeInMeshQuantum, p.TimeInMeshCap);
                ts += p1 * p.TimeInMeshWeight;
            }
            ts += t.FirstDeliveries * p.FirstMessageDeliveriesWeight;
            if (t.InMesh && t.MeshActive && t.MeshDeliveries < p.MeshMessageDeliveriesThreshold)
            {
                double deficit = p.MeshMessageDeliveriesThreshold - t.MeshDeliveries;
                ts += deficit * deficit * p.MeshMessageDeliveriesWeight;
            }
            ts += t.MeshFailurePenalty * p.MeshFailurePenaltyWeight;
            ts += t.InvalidDeliveries * t.InvalidDeliveries * p.InvalidMessageDeliveriesWeight;
            topicScore += ts * p.TopicWeight;
        }
        if (Params.TopicScoreCap > 0 && topicScore > Params.TopicScoreCap) topicScore = Params.TopicScoreCap;
        double score = topicScore;
        if (Params.AppSpecificScore is not null) score += Params.AppSpecificScore(peer) * Params.AppSpecificWeight;
        if (s.Ip is not null && _ips.TryGetValue(s.Ip, out var colocated) && colocated.Count > Params.IpColocationFactorThreshold)
        {
            double surplus = colocated.Count - Params.IpColocationFactorThreshold;
            score += surplus * surplus * Params.IpColocationFactorWeight;
        }
        if (s.Behaviour > Params.BehaviourPenaltyThreshold)
        {
            double excess = s.Behaviour - Params.BehaviourPenaltyThreshold;
            score += excess * excess * Params.BehaviourPenaltyWeight;
        }
        return score;
    }

    /// <summary>Called every heartbeat: activates mesh delivery tracking, decays counters each DecayInterval, forgets old records.</summary>
    public void Refresh(DateTime now)
    {
        foreach (var s in _peers.Values)
            foreach (var (topic, t) in s.Topics)
                if (t.InMesh && !t.MeshActive && Params.Topics.TryGetValue(topic, out var p) && now - t.GraftTime >= p.MeshMessageDeliveriesActivation)
                    t.MeshActive = true;
        if (_deliveries.Count > 0)
            foreach (var k in _deliveries.Where(kv => now - kv.Value.FirstSeen > TimeSpan.FromSeconds(10)).Select(kv => kv.Key).ToArray())
                _deliveries.Remove(k);
        if (now - _lastDecay < Params.DecayInterval) return;
        _lastDecay = now;
        double Dz(double v) => v < Params.DecayToZero ? 0 : v;
        foreach (var peer in _peers.Keys.ToArray())
        {
            var s = _peers[peer];
            if (!s.Connected && s.Expire < now) { _peers.Remove(peer); continue; }
            foreach (var (topic, t) in s.Topics)
            {
                if (Params.Topics.TryGetValue(topic, out var p))
                {
                    t.FirstDeliveries = Dz(t.FirstDeliveries * p.FirstMessageDeliveriesDecay);
                    t.MeshDeliveries = Dz(t.MeshDeliveries * p.MeshMessageDeliveriesDecay);
                    t.MeshFailurePenalty = Dz(t.MeshFailurePenalty * p.MeshFailurePenaltyDecay);
                    t.InvalidDeliveries = Dz(t.InvalidDeliveries * p.InvalidMessageDeliveriesDecay);
                }
                else t.InvalidDeliveries = Dz(t.InvalidDeliveries * 0.9);
            }
            s.Behaviour = Dz(s.Behaviour * Params.BehaviourPenaltyDecay);
        }
    }
}

/// <summary>
/// eth2 phase0 score parameters, modelled on the recipe Lighthouse/Lodestar use (decays and caps expressed in
/// slots/epochs, topic weights for block, aggregate, attestation subnets, exits and slashings). The mesh delivery
/// (P3) terms are left disabled, as clients did at genesis, because expected rates depend on the validator count.
/// </summary>
public static class Eth2ScoreParams
{
    public static PeerScoreThresholds Thresholds { get; } = new()
    {
        GossipThreshold = -4000, PublishThreshold = -8000, GraylistThreshold = -16000, AcceptPxThreshold = 100, OpportunisticGraftThreshold = 5,
    };

    public static PeerScoreParams Create(ReadOnlySpan<byte> forkDigest, TimeSpan? slot = null, int slotsPerEpoch = 32)
    {
        var slotTime = slot ?? TimeSpan.FromSeconds(12);
        var epoch = slotTime * slotsPerEpoch;
        var tmp = new PeerScoreParams { DecayInterval = slotTime, DecayToZero = 0.01 };
        double maxPositive = 100;
        var topics = new Dictionary<string, TopicScoreParams>();
        TopicScoreParams Topic(double weight, double firstCap, TimeSpan firstDecay) => new()
        {
            TopicWeight = weight,
            TimeInMeshWeight = 0.0324,
            TimeInMeshQuantum = slotTime,
            TimeInMeshCap = 300,
            FirstMessageDeliveriesWeight = maxPositive / 5 / firstCap,
            FirstMessageDeliveriesDecay = tmp.DecayOver(firstDecay),
            FirstMessageDeliveriesCap = firstCap,
            MeshMessageDeliveriesWeight = 0,
            MeshMessageDeliveriesDecay = tmp.DecayOver(epoch * 4),
            MeshMessageDeliveriesThreshold = 0,
            MeshMessageDeliveriesCap = 0,
            MeshFailurePenaltyWeight = 0,
            MeshFailurePenaltyDecay = tmp.DecayOver(epoch * 4),
            InvalidMessageDeliveriesWeight = -maxPositive * 2 / Math.Max(weight, 0.01),
            InvalidMessageDeliveriesDecay = tmp.DecayOver(epoch * 50),
        };
        topics[Eth2.GossipTopics.Topic(forkDigest, Eth2.GossipTopics.BeaconBlock)] = Topic(0.5, 23, epoch * 20);
        topics[Eth2.GossipTopics.Topic(forkDigest, Eth2.GossipTopics.BeaconAggregateAndProof)] = Topic(0.5, 179, epoch);
        for (int i = 0; i < Eth2.GossipTopics.AttestationSubnetCount; i++)
            topics[Eth2.GossipTopics.Topic(forkDigest, Eth2.GossipTopics.BeaconAttestation(i))] = Topic(1.0 / Eth2.GossipTopics.AttestationSubnetCount, 24, epoch);
        topics[Eth2.GossipTopics.Topic(forkDigest, Eth2.GossipTopics.VoluntaryExit)] = Topic(0.05, 2, epoch * 100);
        topics[Eth2.GossipTopics.Topic(forkDigest, Eth2.GossipTopics.ProposerSlashing)] = Topic(0.05, 2, epoch * 100);
        topics[Eth2.GossipTopics.Topic(forkDigest, Eth2.GossipTopics.AttesterSlashing)] = Topic(0.05, 2, epoch * 100);
        return new PeerScoreParams
        {
            Topics = topics,
            TopicScoreCap = maxPositive / 2,
            IpColocationFactorWeight = -maxPositive,
            IpColocationFactorThreshold = 3,
            BehaviourPenaltyThreshold = 6,
            BehaviourPenaltyDecay = tmp.DecayOver(epoch * 10),
            BehaviourPenaltyWeight = -15.92,
            DecayInterval = slotTime,
            DecayToZero = 0.01,
            RetainScore = epoch * 100,
        };
    }
}
