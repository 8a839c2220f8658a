using System.Net;
using Cirrus.Consensus.Config;
using Cirrus.Network;
using Cirrus.Networking;
using Cirrus.Networking.Discovery;

namespace Cirrus.Cli.Commands;

/// <summary>The p2p flags of `cirrus beacon-node`, checked and turned into <see cref="NetworkOptions"/>.</summary>
internal static class NetworkSetup
{
    public static NetworkOptions Options(CommandArgs a, NetworkConfig network, string dataDir)
    {
        var listen = Address(a, "p2p-address", IPAddress.Any);
        int port = Port(a, "p2p-port", 9000);
        int? discoveryPort = a.Option("discovery-port") is null ? null : Port(a, "discovery-port", 0);
        IPAddress? enrAddress = a.Option("enr-address") is null ? null : Address(a, "enr-address", IPAddress.Any);
        ulong target = a.ULong("target-peers", 50);
        if (target is 0 or > 1000) throw new CliException($"option --target-peers: {target} is not between 1 and 1000", 2);
        ulong max = a.ULong("max-peers", target + 10);
        if (max < target || max > 2000) throw new CliException($"option --max-peers: {max} must be at least --target-peers ({target}) and at most 2000", 2);
        var bootnodes = new List<Enr>();
        try
        {
            foreach (var text in network.BootstrapNodes) bootnodes.Add(Enr.Parse(text));
            foreach (var arg in a.Options("bootnodes"))
                foreach (var text in arg.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    bootnodes.Add(Enr.Parse(text));
        }
        catch (EnrException e)
        {
            throw new CliException($"bootnode: {e.Message}", 2);
        }
        var statics = new List<Multiaddr>();
        foreach (var text in a.Options("peer"))
        {
            if (!Multiaddr.TryParse(text, out var m) || m is null || m.PeerId is null || !m.TryGetTcpEndpoint(out _, out _))
                throw new CliException($"option --peer: '{text}' is not a /ip4|ip6|dns/…/tcp/…/p2p/… address", 2);
            statics.Add(m);
        }
        var rules = a.Option("gossip-rules") switch
        {
            null => network.Name is "medalla" or "zinken" or "altona" ? GossipRules.V012 : GossipRules.V1,
            "v0.12" => GossipRules.V012,
            "v1.0" => GossipRules.V1,
            var other => throw new CliException($"option --gossip-rules: '{other}' is not v0.12 or v1.0", 2),
        };
        if (port != 0 && NodeSetup.PortInUse(listen, port))
            throw new CliException($"cannot listen on {listen}:{port}: the port is in use (choose another with --p2p-port)");
        return new NetworkOptions
        {
            ListenAddress = listen,
            Port = port,
            DiscoveryPort = discoveryPort,
            EnrAddress = enrAddress,
            TargetPeers = (int)target,
            MaxPeers = (int)max,
            Bootnodes = bootnodes,
            StaticPeers = statics,
            DataDir = dataDir,
            Discovery = !a.Flag("no-discovery"),
            SubscribeAllSubnets = a.Flag("subscribe-all-subnets"),
            GossipRules = rules,
        };
    }

    private static IPAddress Address(CommandArgs a, string name, IPAddress fallback)
    {
        string? text = a.Option(name);
        if (text is null) return fallback;
        return IPAddress.TryParse(text, out var ip) ? ip : throw new CliException($"option --{name}: '{text}' is not an IP address", 2);
    }

    private static int Port(CommandArgs a, string name, int fallback)
    {
        ulong p = a.ULong(name, (ulong)fallback);
        return p <= 65535 ? (int)p : throw new CliException($"option --{name}: {p} is not a port number", 2);
    }
}
