using System.Net;
using Cirrus.Networking;
using Cirrus.Networking.Discovery;

namespace Cirrus.Network;

/// <summary>How the node joins the network (the beacon-node flags).</summary>
public sealed class NetworkOptions
{
    /// <summary>TCP (libp2p) and UDP (discv5) listen address; 0.0.0.0 for a real node, 127.0.0.1 in devnets and tests.</summary>
    public IPAddress ListenAddress { get; init; } = IPAddress.Any;
    /// <summary>TCP port; discv5 uses the same UDP port unless <see cref="DiscoveryPort"/> is set. 0 picks free ports.</summary>
    public int Port { get; init; } = 9000;
    public int? DiscoveryPort { get; init; }
    /// <summary>The address put in our ENR (defaults to the listen address when that is not a wildcard).</summary>
    public IPAddress? EnrAddress { get; init; }
    public int TargetPeers { get; init; } = 50;
    public int MaxPeers { get; init; } = 60;
    public IReadOnlyList<Enr> Bootnodes { get; init; } = [];
    /// <summary>Peers dialled at start and redialled when lost.</summary>
    public IReadOnlyList<Multiaddr> StaticPeers { get; init; } = [];
    /// <summary>Where the node key and ENR are kept (the data dir).</summary>
    public required string DataDir { get; init; }
    /// <summary>Run discv5 (off only in tests that wire peers statically).</summary>
    public bool Discovery { get; init; } = true;
    /// <summary>Which gossip rules the network follows (message-id and signature policy).</summary>
    public GossipRules GossipRules { get; init; } = GossipRules.V1;
    /// <summary>Subscribe to every attestation subnet (devnets, tests, aggregating everything).</summary>
    public bool SubscribeAllSubnets { get; init; }
    /// <summary>A range-sync request (one batch) that takes longer is abandoned and the batch given to another peer.</summary>
    public TimeSpan SyncRequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The gossip rules of the spec versions networks ran: up to v0.12 (Medalla, Zinken, Altona) the message-id
/// was base64(SHA256(data)) and messages were signed by their author; from v1.0 (what Lodestar and the
/// later releases of every client speak) the id hashes the uncompressed payload with a domain and messages
/// carry no author (StrictNoSign).
/// </summary>
public enum GossipRules
{
    V012,
    V1,
}
