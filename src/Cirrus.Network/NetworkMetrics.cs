using Prometheus;

namespace Cirrus.Network;

/// <summary>The network layer's Prometheus metrics, in the node's registry (or a private one).</summary>
public sealed class NetworkMetrics
{
    public Gauge Peers { get; }
    public Counter GossipMessages { get; }
    public Counter ReqRespRequests { get; }
    public Counter PeerBans { get; }
    public Counter SyncedBlocks { get; }

    public NetworkMetrics(CollectorRegistry? registry)
    {
        var f = Metrics.WithCustomRegistry(registry ?? Metrics.NewCustomRegistry());
        Peers = f.CreateGauge("libp2p_peers", "Connected libp2p peers.");
        GossipMessages = f.CreateCounter("cirrus_gossip_messages_total", "Gossip messages received, by topic and validation result.",
            new CounterConfiguration { LabelNames = ["topic", "result"] });
        ReqRespRequests = f.CreateCounter("cirrus_reqresp_requests_total", "Req/resp requests served, by protocol and result.",
            new CounterConfiguration { LabelNames = ["protocol", "result"] });
        PeerBans = f.CreateCounter("cirrus_peer_bans_total", "Peers banned for their score.");
        SyncedBlocks = f.CreateCounter("cirrus_sync_blocks_imported_total", "Blocks imported from req/resp (range sync and parent lookups).");
    }
}
