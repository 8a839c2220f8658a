using System.Net;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Types;
using Cirrus.Network.Gossip;
using Cirrus.Network.Peers;
using Cirrus.Network.ReqResp;
using Cirrus.Network.Sync;
using Cirrus.Networking;
using Cirrus.Networking.Discovery;
using Cirrus.Networking.Gossip;
using Cirrus.Node;
using Cirrus.Node.Duties;
using Cirrus.Node.Validation;
using Cirrus.Ssz;

namespace Cirrus.Network;

/// <summary>
/// The eth2 network layer of a beacon node: it owns the libp2p host, gossipsub and discv5, serves the
/// req/resp protocols, validates gossip through the node's <see cref="MessageValidator"/>, keeps the peer
/// count near its target, and follows the chain from peers (parent lookups and range sync). It sits
/// above the node (as Lighthouse's network crate sits above beacon_chain) and implements the
/// <see cref="INodeNetwork"/> the REST API needs.
/// </summary>
public sealed class Eth2Network : INodeNetwork, IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private Multiaddr? _listenAddr;

    public BeaconChain Chain { get; }
    public ChainConfig Config => Chain.Config;
    internal SszSchema Schema => Chain.Config.Schema;
    public MessageValidator Validator { get; }
    public NetworkOptions Options { get; }
    internal Action<string> Log { get; }
    public Libp2pHost Host { get; }
    public Gossipsub Gossip { get; }
    public Discv5Service? Discovery { get; private set; }
    public PeerDb PeerDb { get; } = new();
    public PeerManager PeerManager { get; }
    public SyncManager SyncManager { get; }
    public SubnetService Subnets { get; }
    public NetworkMetrics Metrics { get; }
    internal ReqResp.RateLimiter RateLimiter { get; } = new();
    internal GossipHandlers GossipHandlers { get; }
    public Bytes4 ForkDigest { get; }
    internal Secp256k1Key NodeKey { get; }
    internal CancellationToken Stopping => _stop.Token;

    /// <summary>Beacon-committee subscriptions from validator clients (the REST API's), read to join subnets.</summary>
    public CommitteeSubscriptions? CommitteeSubscriptions { get; set; }

    private long _metadataSeq;
    private ulong _attnets;
    private readonly object _metaLock = new();

    public Eth2Network(NetworkOptions options, BeaconChain chain, MessageValidator validator, Action<string> log, NetworkMetrics? metrics = null)
    {
        Options = options;
        Chain = chain;
        Validator = validator;
        Log = log;
        Metrics = metrics ?? new NetworkMetrics(null);
        ForkDigest = Misc.ComputeForkDigest(chain.Config, chain.Config.GenesisForkVersion, chain.GenesisValidatorsRoot);
        NodeKey = NodeKeyFile.LoadOrCreate(Path.Combine(options.DataDir, NodeKeyFile.DefaultFileName));
        Host = new Libp2pHost(new Libp2pHostOptions
        {
            Key = NodeKey,
            AgentVersion = "cirrus/0.1.0",
            MaxConnections = options.MaxPeers + 16,
        });
        Gossip = new Gossipsub(Host, new GossipsubOptions
        {
            ScoreParams = Eth2ScoreParams.Create(ForkDigest.AsSpan().ToArray()),
            MessageId = options.GossipRules == GossipRules.V012 ? MessageIds.Eth2V012 : MessageIds.Eth2Phase0,
            SignaturePolicy = options.GossipRules == GossipRules.V012 ? SignaturePolicy.StrictSign : SignaturePolicy.StrictNoSign,
        });
        PeerManager = new PeerManager(this);
        SyncManager = new SyncManager(this);
        Subnets = new SubnetService(this);
        GossipHandlers = new GossipHandlers(this);
    }

    public PeerId PeerId => Host.PeerId;

    /// <summary>Listens, starts discovery, registers protocols and topics, dials static peers and bootnodes.</summary>
    public void Start()
    {
        _listenAddr = Host.Listen(Multiaddr.FromEndPoint(new IPEndPoint(Options.ListenAddress, Options.Port)));
        ReqRespHandlers.Register(this);
        GossipHandlers.SubscribeAll();
        PeerManager.Attach();
        if (Options.Discovery) StartDiscovery();
        _loops.Add(Task.Run(() => PeerManager.RunAsync(_stop.Token)));
        _loops.Add(Task.Run(() => SyncManager.RunAsync(_stop.Token)));
        Log($"p2p listening on {_listenAddr} (fork digest {ForkDigest}, gossip rules {(Options.GossipRules == GossipRules.V012 ? "v0.12" : "v1.0")}), target {Options.TargetPeers} peers");
        if (Discovery is not null) Log($"discv5 on udp {Discovery.LocalEndPoint.Port}, ENR {Discovery.LocalEnr.ToText()}");
    }

    private void StartDiscovery()
    {
        int tcp = TcpPort;
        int udp = Options.DiscoveryPort ?? (Options.Port == 0 ? 0 : Options.Port);
        var enrIp = Options.EnrAddress ?? (Options.ListenAddress.Equals(IPAddress.Any) ? null : Options.ListenAddress);
        var forkId = new EnrForkId(
            System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(ForkDigest.AsSpan()),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(Config.GenesisForkVersion.AsSpan()),
            ChainConfig.FarFutureEpoch);
        var enrPath = Path.Combine(Options.DataDir, LocalEnrFile.DefaultFileName);
        int boundUdp = udp;
        if (udp == 0)
        {
            // the ENR must name the port before the service binds with it: learn a free one first
            var probe = Discv5Service.Create(NodeKey, new IPEndPoint(Options.ListenAddress, 0), b => { });
            boundUdp = probe.LocalEndPoint.Port;
            probe.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        var enr = LocalEnrFile.LoadOrBuild(enrPath, NodeKey, b =>
        {
            if (enrIp is not null) b.SetIp(enrIp);
            b.SetTcp(tcp);
            b.SetUdp(boundUdp);
            b.SetEth2(forkId);
            b.SetAttnets(_attnets);
        });
        Discovery = Discv5Service.Create(NodeKey, new IPEndPoint(Options.ListenAddress, boundUdp), enr);
        Discovery.LocalEnrChanged += e => { try { LocalEnrFile.Save(enrPath, e); } catch (IOException) { } };
        Discovery.Discovered += PeerManager.OnDiscovered;
        Discovery.Start();
        foreach (var b in Options.Bootnodes) Discovery.AddEnr(b);
    }

    /// <summary>The TCP port bound (useful with port 0).</summary>
    public int TcpPort => _listenAddr is not null && _listenAddr.TryGetTcpEndpoint(out _, out int p) ? p : Options.Port;

    public Multiaddr? ListenAddress => _listenAddr;

    // ---- metadata and attnets -------------------------------------------------------------

    public MetaData LocalMetaData()
    {
        lock (_metaLock)
        {
            var bits = new Bitvector(64);
            for (int i = 0; i < 64; i++) bits[i] = ((_attnets >> i) & 1) != 0;
            return new MetaData { SeqNumber = (ulong)_metadataSeq, Attnets = bits };
        }
    }

    /// <summary>Sets the long-lived subnets we advertise; bumps the metadata sequence and the ENR when they change.</summary>
    internal void SetAttnets(ulong mask)
    {
        lock (_metaLock)
        {
            if (mask == _attnets) return;
            _attnets = mask;
            _metadataSeq++;
        }
        Discovery?.SetAttnets(mask);
    }

    // ---- status -------------------------------------------------------------------------------

    public StatusMessage LocalStatus()
    {
        var fin = Chain.FinalizedCheckpoint;
        return new StatusMessage
        {
            ForkDigest = ForkDigest,
            // spec: the head state's finalized_checkpoint.root, which is zero at genesis
            FinalizedRoot = fin.Epoch == 0 ? default : fin.Root,
            FinalizedEpoch = fin.Epoch,
            HeadRoot = Chain.Head,
            HeadSlot = Chain.HeadSlot,
        };
    }

    // ---- INodeNetwork -------------------------------------------------------------------------

    public NodeIdentity Identity
    {
        get
        {
            var meta = LocalMetaData();
            var addrs = Host.ListenAddresses.Select(a => a.WithPeerId(PeerId).ToString()).ToList();
            var disc = Discovery is { } d ? new List<string> { $"/ip4/{(Options.ListenAddress.Equals(IPAddress.Any) ? "0.0.0.0" : Options.ListenAddress.ToString())}/udp/{d.LocalEndPoint.Port}/p2p/{PeerId}" } : [];
            string enr = Discovery?.LocalEnr.ToText() ?? new EnrBuilder().Build(NodeKey).ToText();
            return new NodeIdentity(PeerId.ToString(), enr, addrs, disc, meta.SeqNumber,
                "0x" + Convert.ToHexStringLower(meta.Attnets.Bytes));
        }
    }

    public IReadOnlyList<PeerSummary> Peers =>
        PeerDb.All().Select(p => new PeerSummary(p.Id.ToString(), p.Enr, p.Address,
            p.Connected ? "connected" : "disconnected", p.Outbound ? "outbound" : "inbound")).ToList();

    public SyncState Sync => SyncManager.State;
    public string? SyncProgress => Sync.IsSyncing ? SyncManager.Progress : null;

    public void PublishBlock(SignedBeaconBlock block) => GossipHandlers.Publish(GossipTopicNames.BeaconBlock, block);
    public void PublishAttestation(Attestation attestation, ulong subnetId) =>
        GossipHandlers.Publish(GossipTopicNames.Attestation((int)(subnetId % P2pConstants.AttestationSubnetCount)), attestation);
    public void PublishAggregateAndProof(SignedAggregateAndProof aggregate) => GossipHandlers.Publish(GossipTopicNames.AggregateAndProof, aggregate);
    public void PublishVoluntaryExit(SignedVoluntaryExit exit) => GossipHandlers.Publish(GossipTopicNames.VoluntaryExit, exit);
    public void PublishProposerSlashing(ProposerSlashing slashing) => GossipHandlers.Publish(GossipTopicNames.ProposerSlashing, slashing);
    public void PublishAttesterSlashing(AttesterSlashing slashing) => GossipHandlers.Publish(GossipTopicNames.AttesterSlashing, slashing);

    /// <summary>Per-slot work: subnet subscriptions. Called by the node's slot ticker.</summary>
    public void OnSlot(ulong slot) => Subnets.OnSlot(slot);

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        await PeerManager.SayGoodbyeToAllAsync(GoodbyeReason.ClientShutdown).ConfigureAwait(false);
        _stop.Cancel();
        try { await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false); } catch (Exception) { }
        await Gossip.DisposeAsync().ConfigureAwait(false);
        if (Discovery is not null) await Discovery.DisposeAsync().ConfigureAwait(false);
        await Host.DisposeAsync().ConfigureAwait(false);
    }
}
