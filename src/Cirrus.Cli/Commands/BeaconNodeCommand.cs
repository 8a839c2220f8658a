using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Cirrus.Api;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Types;
using Cirrus.Networking.Discovery;
using Cirrus.Network;
using Cirrus.Node;
using Cirrus.Node.Monitoring;
using Cirrus.Node.Validation;
using Cirrus.Ssz;
using Cirrus.Storage;

namespace Cirrus.Cli.Commands;

/// <summary>`cirrus beacon-node`: runs the chain with its RocksDB store and the REST Beacon API.</summary>
public sealed class BeaconNodeCommand : ICliCommand
{
    public string? Group => null;
    public string Name => "beacon-node";
    public string Summary => "run a beacon node: block import, fork choice, RocksDB store, REST Beacon API";
    public IEnumerable<Symbol> Symbols =>
    [
        .. Opt.Network(" (or --network-dir)"),
        Opt.Value("data-dir", "DIR", "the database and node key (default ~/.cirrus/NETWORK)"),
        Opt.Value("rest-address", "IP", "the REST API's address (default 127.0.0.1); it has no authentication: an address beyond loopback exposes it"),
        Opt.Value("rest-port", "N", "the REST API's port (default 5052; 0 picks a free one); the status page is at /"),
        Opt.Value("genesis-state", "FILE", "an SSZ genesis state, when the network directory has none"),
        Opt.Value("checkpoint-state", "FILE", "start from this trusted finalized SSZ state (with --checkpoint-block) instead of genesis"),
        Opt.Value("checkpoint-block", "FILE", "the SSZ signed block of --checkpoint-state"),
        Opt.Value("checkpoint-url", "URL", "start from the finalized state and block of this beacon node's REST API"),
        Opt.Value("metrics-port", "N", "serve Prometheus metrics on http://127.0.0.1:N/metrics"),
        Opt.Value("p2p-address", "IP", "libp2p (TCP) and discv5 (UDP) listen address (default 0.0.0.0: peers must reach a real node)"),
        Opt.Value("p2p-port", "N", "TCP port, and discv5's UDP port unless --discovery-port (default 9000; 0 picks free ports)"),
        Opt.Value("discovery-port", "N", "discv5's UDP port (default: --p2p-port)"),
        Opt.Value("enr-address", "IP", "the address other nodes should dial, put in our ENR (default: the listen address if not 0.0.0.0)"),
        Opt.Value("target-peers", "N", "peers to keep (default 50)"),
        Opt.Value("max-peers", "N", "most peers accepted (default --target-peers + 10)"),
        Opt.Many("bootnodes", "ENR,...", "discv5 bootnodes, added to the network directory's bootstrap_nodes.txt"),
        Opt.Many("peer", "MULTIADDR", "a static peer (/ip4/…/tcp/…/p2p/…), dialled at start and whenever lost"),
        Opt.Flag("no-discovery", "no discv5: static peers only"),
        Opt.Flag("subscribe-all-subnets", "join all 64 attestation subnets (aggregating nodes, devnets)"),
        Opt.Value("gossip-rules", "RULES", "v0.12 (signed messages, base64 message ids: medalla, zinken, altona) or v1.0 (StrictNoSign, domain "
            + "message ids: network directories, Lodestar); the default follows the network", "v0.12", "v1.0"),
        Opt.Many("eth1-endpoint", "URL[,URL...]", "eth1 JSON-RPC endpoints to follow the deposit contract on, in order of preference (the next is used "
            + "when one fails or lies); without one, eth1 votes repeat the state's eth1 data and no deposit can be included"),
        Opt.Value("eth1-deploy-block", "N", "the first eth1 block to scan for deposit logs (the contract's deployment block; default 0)"),
        Opt.Value("eth1-log-range", "N", "most blocks per eth_getLogs request (default 1000)"),
        Opt.Many("validator-monitor-pubkeys", "0xKEY,...", "follow these validators (inclusion, head/target/source, proposals, balance) in "
            + "metrics, a log line per epoch and the status page"),
        Opt.Flag("no-validator-monitor-auto", "do not also follow the validators a validator client subscribes through the REST API"),
        .. Logging.Symbols,
        ConfigFile.ConfigOption,
    ];

    /// <summary>--validator-monitor-pubkeys: 0x-prefixed 48-byte keys, comma-separated, the option repeatable.</summary>
    private static List<Bytes48> MonitorPubkeys(CommandArgs a)
    {
        var keys = new List<Bytes48>();
        foreach (var arg in a.Options("validator-monitor-pubkeys"))
            foreach (var text in arg.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                Bytes48 k;
                try { k = Bytes48.FromHex(text); }
                catch (Exception e) when (e is SszException or FormatException or ArgumentException)
                {
                    throw new CliException($"option --validator-monitor-pubkeys: '{text}' is not a 0x-prefixed 48-byte public key", 2);
                }
                if (!keys.Contains(k)) keys.Add(k);
            }
        if (keys.Count > ValidatorMonitor.MaxValidators)
            throw new CliException($"option --validator-monitor-pubkeys: at most {ValidatorMonitor.MaxValidators} keys", 2);
        return keys;
    }

    private static IDisposable ServeMetrics(NodeMetrics metrics, int port)
    {
        try
        {
            return metrics.Serve("127.0.0.1", port);
        }
        catch (Exception e) when (e is System.Net.HttpListenerException or InvalidOperationException or IOException)
        {
            throw new CliException($"cannot serve metrics on 127.0.0.1:{port}: {e.Message}");
        }
    }

    public int Run(CommandArgs a, TextWriter stdout, TextWriter stderr)
    {
        var network = NodeSetup.ResolveNetwork(a.Option("network"), a.Option("network-dir"));
        var config = network.Config;
        string dataDir = a.Option("data-dir") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cirrus", network.Name);
        ulong port = a.ULong("rest-port", 5052);
        if (port > 65535) throw new CliException($"option --rest-port: {port} is not a port number", 2);
        int? metricsPort = null;
        if (a.Option("metrics-port") is not null)
        {
            ulong mp = a.ULong("metrics-port");
            if (mp is 0 or > 65535) throw new CliException($"option --metrics-port: {mp} is not a port number", 2);
            metricsPort = (int)mp;
        }
        if (!IPAddress.TryParse(a.Option("rest-address") ?? "127.0.0.1", out var restAddress))
            throw new CliException($"option --rest-address: '{a.Option("rest-address")}' is not an IP address", 2);

        if (NodeSetup.PortInUse(restAddress, (int)port))
            throw new CliException($"cannot listen on {restAddress}:{port}: the port is in use (choose another with --rest-port)");
        var monitorKeys = MonitorPubkeys(a);
        var p2p = NetworkSetup.Options(a, network, dataDir);
        var eth1Urls = Eth1Setup.Endpoints(a);
        ulong eth1DeployBlock = a.ULong("eth1-deploy-block", 0), eth1LogRange = a.ULong("eth1-log-range", 1000);
        if (eth1LogRange is 0 or > 100_000) throw new CliException("--eth1-log-range must be between 1 and 100000", 2);
        using var logging = Logging.Create(stdout, a, "cirrus.beacon-node");
        var log = logging.Log;
        using var cts = new CancellationTokenSource();
        using var signals = NodeSetup.StopOnSignals(cts);

        BeaconStore store;
        try
        {
            Directory.CreateDirectory(dataDir);
            store = BeaconStore.Open(Path.Combine(dataDir, "db"), config.Schema, new StoreOptions { Log = log });
        }
        catch (Exception e) when (e is StoreException or IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot open the database in {dataDir}: {e.Message}");
        }
        BeaconChain chain;
        try
        {
            var anchor = NodeSetup.Anchor(a, network, store.IsInitialized, log, cts.Token);
            if (cts.IsCancellationRequested) { store.Dispose(); return 130; }
            log(store.IsInitialized ? $"opening the chain in {dataDir}" :
                anchor!.IsGenesis ? "starting from genesis" : $"starting from the checkpoint state at slot {anchor!.State.Slot}");
            var verifier = new BlsSignatureVerifier();
            chain = BeaconChain.Open(config, store, anchor, verifier, () => DateTimeOffset.UtcNow, log);
            // Decode the registry's public keys in the background: the first epoch of imports would otherwise pay for them.
            if (chain.GetBlockState(chain.Head) is { } headState)
                _ = Task.Run(() => verifier.Cache.Warm(headState.Validators));
        }
        catch (Exception e) when (e is StoreException or BlockImportException or CheckpointSyncException)
        {
            store.Dispose();
            throw new CliException(e.Message);
        }
        catch
        {
            store.Dispose();
            throw;
        }
        using (chain)
        {
            using var metrics = new NodeMetrics(chain);
            ProcessMetrics.Register(metrics.Registry);
            var monitor = new ValidatorMonitor(chain, log, metrics.Registry);
            foreach (var k in monitorKeys) monitor.AddPubkey(k);
            if (monitorKeys.Count > 0) log($"validator monitor: following {monitorKeys.Count} validator(s) by public key");
            var validator = new MessageValidator(chain, () => DateTimeOffset.UtcNow);
            using var eth1 = Eth1Setup.Start(eth1Urls, config, store, chain, eth1DeployBlock, eth1LogRange, metrics, log, cts.Token);
            Eth2Network network2;
            try
            {
                network2 = new Eth2Network(p2p, chain, validator, log, new NetworkMetrics(metrics.Registry));
                network2.Start();
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or UnauthorizedAccessException or InvalidDataException)
            {
                throw new CliException($"cannot start the p2p layer on {p2p.ListenAddress}:{p2p.Port}: {e.Message}");
            }
            var api = new BeaconApi(chain, restAddress.ToString(), (int)port, validator: validator)
            {
                Network = network2, Log = log, NodeVersion = $"cirrus {Program.Version}",
                Monitor = monitor, AutoMonitor = !a.Flag("no-validator-monitor-auto"),
            };
            network2.CommitteeSubscriptions = api.Subscriptions;
            try
            {
                api.StartAsync().GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                api.DisposeAsync().AsTask().GetAwaiter().GetResult();
                network2.DisposeAsync().AsTask().GetAwaiter().GetResult();
                throw new CliException($"cannot listen on {restAddress}:{port}: {e.Message}");
            }
            try
            {
                log($"cirrus {Program.Version} beacon node: network {network.Name} ({config.ConfigName} preset, {config.SecondsPerSlot} s slots), data dir {dataDir}");
                log($"REST API listening on http://{restAddress}:{api.Port}");
                log($"status page on http://{restAddress}:{api.Port}/");
                if (NodeSetup.RestExposureWarning(restAddress) is { } warning) log(warning);
                log($"genesis time {chain.GenesisTime}, genesis validators root {chain.GenesisValidatorsRoot}, head {chain.Head} at slot {chain.HeadSlot}, finalized epoch {chain.FinalizedCheckpoint.Epoch}");
                using var metricsServer = metricsPort is { } port2 ? ServeMetrics(metrics, port2) : null;
                if (metricsPort is { } shown) log($"metrics on http://127.0.0.1:{shown}/metrics");
                SlotTicker.RunAsync(chain, () => DateTimeOffset.UtcNow, log, cts.Token, () =>
                {
                    metrics.Update();
                    monitor.OnSlot();
                    network2.OnSlot(chain.CurrentSlot);
                }, () => $" | peers {network2.PeerManager.ConnectedCount}" + (eth1 is null ? "" : " | " + eth1.Follower.StatusText()) + (network2.Sync.IsSyncing ? " | syncing" + (network2.SyncManager.Progress is { } p ? $" {p}" : "") : "")).GetAwaiter().GetResult();
                log("stopping");
            }
            finally
            {
                api.DisposeAsync().AsTask().GetAwaiter().GetResult();
                network2.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
        log("stopped");
        return 0;
    }
}

/// <summary>The beacon node's eth1 follower, started from --eth1-endpoint.</summary>
internal sealed class Eth1Setup : IDisposable
{
    private readonly List<Cirrus.Node.Eth1.NethereumEth1Rpc> _rpcs;
    private readonly Task _loop;
    private readonly CancellationTokenSource _stop;
    public Cirrus.Node.Eth1.Eth1Follower Follower { get; }
    public Cirrus.Node.Eth1.Eth1Metrics Metrics { get; }

    private Eth1Setup(List<Cirrus.Node.Eth1.NethereumEth1Rpc> rpcs, Cirrus.Node.Eth1.Eth1Follower follower, Cirrus.Node.Eth1.Eth1Metrics metrics, Task loop,
        CancellationTokenSource stop)
    {
        _stop = stop;
        _rpcs = rpcs;
        Follower = follower;
        Metrics = metrics;
        _loop = loop;
    }

    /// <summary>The --eth1-endpoint URLs (repeatable, or comma-separated), each checked to be http(s).</summary>
    public static List<Uri> Endpoints(CommandArgs a)
    {
        var list = new List<Uri>();
        foreach (var opt in a.Options("eth1-endpoint"))
            foreach (var part in opt.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                    throw new CliException($"--eth1-endpoint: '{part}' is not an http(s) URL", 2);
                list.Add(uri);
            }
        return list;
    }

    public static Eth1Setup? Start(List<Uri> urls, ChainConfig config, BeaconStore store, BeaconChain chain, ulong deployBlock, ulong logRange,
        NodeMetrics metrics, Action<string> log, CancellationToken ct)
    {
        if (urls.Count == 0) return null;
        var rpcs = urls.Select(u => new Cirrus.Node.Eth1.NethereumEth1Rpc(u)).ToList();
        var genesisState = chain.GenesisBlockRoot is { } g ? chain.GetBlockState(g) : null;
        var follower = new Cirrus.Node.Eth1.Eth1Follower(config, store, new Cirrus.Node.Eth1.Eth1FollowerOptions
        {
            Endpoints = rpcs,
            DeployBlock = deployBlock,
            LogRange = logRange,
            PollInterval = TimeSpan.FromSeconds(Math.Clamp(config.SecondsPerEth1Block / 2, 1, 7)),
            Log = log,
        })
        { GenesisEth1Data = genesisState?.Eth1Data };
        chain.Eth1 = follower;
        log($"eth1: watching the deposit contract 0x{Convert.ToHexStringLower(config.DepositContractAddress)} through {string.Join(", ", rpcs.Select(r => r.Name))}, " +
            $"{config.Eth1FollowDistance} blocks behind the head");
        var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var loop = Task.Run(() => follower.RunAsync(stop.Token));
        return new Eth1Setup(rpcs, follower, new Cirrus.Node.Eth1.Eth1Metrics(follower, metrics.Registry), loop, stop);
    }

    public void Dispose()
    {
        _stop.Cancel(); // the node is closing, whatever the reason
        _loop.Wait(TimeSpan.FromSeconds(15));
        _stop.Dispose();
        foreach (var r in _rpcs) r.Dispose();
    }
}

/// <summary>What the node and devnet commands share: network, anchor and identity resolution, logging.</summary>
internal static class NodeSetup
{
    /// <summary>A loud warning when the unauthenticated REST API is bound beyond loopback; null on loopback.</summary>
    public static string? RestExposureWarning(IPAddress address) =>
        IPAddress.IsLoopback(address) ? null :
        $"WARNING: the REST API listens on {address}, beyond loopback, and has no authentication: anyone who can reach it can read " +
        "the chain and submit blocks and operations. Bind it to 127.0.0.1 (the default) or keep it behind a firewall or an authenticating proxy.";

    public static NetworkConfig ResolveNetwork(string? name, string? dir)
    {
        if ((name is null) == (dir is null)) throw new CliException("give exactly one of --network NAME and --network-dir DIR", 2);
        if (name is not null)
            return Networks.Builtin(name) ?? throw new CliException($"unknown network '{name}' (known: {string.Join(", ", Networks.BuiltinNames)})", 2);
        if (!Directory.Exists(dir)) throw new CliException($"network directory not found: {dir}");
        try
        {
            return Networks.FromDirectory(dir!, CliFiles.ReadNetworkFile);
        }
        catch (ConfigException e)
        {
            throw new CliException($"{dir}: {e.Message}");
        }
    }

    /// <summary>The anchor from the command line (null: resume an initialized database).</summary>
    public static ChainAnchor? Anchor(CommandArgs a, NetworkConfig network, bool initialized, Action<string> log, CancellationToken ct)
    {
        var config = network.Config;
        string? cpState = a.Option("checkpoint-state"), cpBlock = a.Option("checkpoint-block"), cpUrl = a.Option("checkpoint-url");
        string? genesisFile = a.Option("genesis-state");
        if ((cpState is null) != (cpBlock is null)) throw new CliException("--checkpoint-state and --checkpoint-block go together", 2);
        int sources = (cpState is null ? 0 : 1) + (cpUrl is null ? 0 : 1) + (genesisFile is null ? 0 : 1);
        if (sources > 1) throw new CliException("give one of --genesis-state, --checkpoint-state/--checkpoint-block and --checkpoint-url", 2);
        if (initialized && (cpState is not null || cpUrl is not null))
        {
            log("the database is already initialized: the checkpoint options are ignored");
            return GenesisFromNetwork(network, genesisFile, required: false);
        }
        if (cpState is not null)
            return CheckpointSync.FromSsz(config, CliFiles.ReadFile(cpState, Cirrus.Validator.BoundedFile.MaxStateBytes, "a checkpoint state"),
                CliFiles.ReadSszFile(cpBlock!, config.Schema.Get<SignedBeaconBlock>(), "a signed block"), cpState);
        if (cpUrl is not null)
        {
            if (!Uri.TryCreate(cpUrl.EndsWith('/') ? cpUrl : cpUrl + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new CliException($"--checkpoint-url: '{cpUrl}' is not an http(s) URL", 2);
            return CheckpointSync.DownloadAsync(config, uri, log, ct).GetAwaiter().GetResult();
        }
        return GenesisFromNetwork(network, genesisFile, required: !initialized);
    }

    private static ChainAnchor? GenesisFromNetwork(NetworkConfig network, string? genesisFile, bool required)
    {
        byte[]? bytes = genesisFile is not null ? CliFiles.ReadFile(genesisFile, Cirrus.Validator.BoundedFile.MaxStateBytes, "a genesis state") : network.GenesisState;
        if (bytes is null)
        {
            if (!required) return null;
            throw new CliException($"no genesis state for network {network.Name}: give --genesis-state FILE, a --network-dir with genesis.ssz, or a checkpoint (--checkpoint-url)");
        }
        try
        {
            var state = network.Config.Schema.Deserialize<BeaconState>(bytes);
            return new ChainAnchor(state);
        }
        catch (SszException e)
        {
            throw new CliException($"{genesisFile ?? network.Name + " genesis.ssz"} is not a valid BeaconState: {e.Message}");
        }
    }

    /// <summary>Cancels <paramref name="cts"/> on SIGINT (Ctrl-C) or SIGTERM instead of exiting, so the caller can close down cleanly.</summary>
    public static IDisposable StopOnSignals(CancellationTokenSource cts)
    {
        var regs = new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM }
            .Select(sig => PosixSignalRegistration.Create(sig, c => { c.Cancel = true; cts.Cancel(); })).ToArray();
        return new Registrations(regs);
    }

    private sealed class Registrations(PosixSignalRegistration[] regs) : IDisposable
    {
        public void Dispose()
        {
            foreach (var r in regs) r.Dispose();
        }
    }

    /// <summary>True if something already listens on the port (for a clear error before Kestrel's).</summary>
    public static bool PortInUse(IPAddress address, int port)
    {
        if (port == 0) return false;
        try
        {
            using var l = new TcpListener(address, port);
            l.Start();
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }
}
