using Cirrus.Networking.Gossip;

namespace Cirrus.Networking.Tests;

public class PeerScoreTests
{
    private static readonly byte[] Fork = [0, 0, 0, 0];

    [Fact]
    public void Eth2ParamsRewardMeshTimeAndFirstDeliveries_PunishInvalid_AndDecay()
    {
        var prm = Eth2ScoreParams.Create(Fork);
        var topic = Eth2.GossipTopics.Topic(Fork, Eth2.GossipTopics.BeaconBlock);
        var score = new PeerScore(prm);
        var p = Secp256k1Key.Generate().PeerId;
        var t0 = DateTime.UtcNow;
        score.AddPeer(p, "10.0.0.1");
        Assert.Equal(0, score.Score(p, t0));

        score.Graft(p, topic, t0);
        var later = t0 + TimeSpan.FromSeconds(120);           // 10 slots in mesh
        Assert.Equal(10 * 0.0324 * 0.5, score.Score(p, later), 6);

        score.Received(p, topic, "m1", first: true, later);
        score.Validated(p, topic, "m1");
        double withDelivery = score.Score(p, later);
        Assert.True(withDelivery > 10 * 0.0324 * 0.5);

        score.Rejected(p, topic);
        Assert.True(score.Score(p, later) < 0);

        // decay: after many slots the invalid-message counter fades
        var t = later;
        for (int i = 0; i < 32 * 60; i++) { t += prm.DecayInterval; score.Refresh(t); }
        score.Prune(p, topic);
        Assert.True(score.Score(p, t) > -1e-9);
    }

    [Fact]
    public void IpColocationAndBehaviourPenalties()
    {
        var prm = Eth2ScoreParams.Create(Fork);
        var score = new PeerScore(prm);
        var now = DateTime.UtcNow;
        var peers = Enumerable.Range(0, 5).Select(_ => Secp256k1Key.Generate().PeerId).ToArray();
        foreach (var p in peers) score.AddPeer(p, "10.0.0.9");
        Assert.True(score.Score(peers[0], now) < 0);             // 5 peers > threshold 3 on one IP
        var local = new PeerScore(prm);
        foreach (var p in peers) local.AddPeer(p, "127.0.0.1");
        Assert.Equal(0, local.Score(peers[0], now));              // loopback is exempt
        local.AddPenalty(peers[1], 6);
        Assert.Equal(0, local.Score(peers[1], now));              // at threshold: no penalty yet
        local.AddPenalty(peers[1], 2);
        Assert.Equal(4 * -15.92, local.Score(peers[1], now), 6);
    }
}
