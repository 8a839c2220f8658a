namespace Cirrus.Node;

/// <summary>How the node presents itself on the network (node/identity).</summary>
public sealed record NodeIdentity(string PeerId, string Enr, IReadOnlyList<string> P2pAddresses,
    IReadOnlyList<string> DiscoveryAddresses, ulong MetadataSeqNumber, string Attnets);
