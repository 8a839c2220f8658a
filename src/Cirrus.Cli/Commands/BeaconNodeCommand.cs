using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Cirrus.Api;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Types;
using Cirrus.Networking.Discovery;
using Cirrus.Node;
using Cirrus.Ssz;
using Cirrus.Storage;

namespace Cirrus.Cli.Commands;

/// <summary>`cirrus beacon-node`: runs the chain with its RocksDB store and the REST Beacon API.</summary>
public sealed class BeaconNodeCommand : ICliCommand
{
    public string? Group => null;
    public string Name => "beacon-node";
    public string Summary => "run a beacon node: block import, fork choice, RocksDB store, REST Beacon API";
    public string Usage =>
        "(--network NAME | --network-dir DIR) [--data-dir DIR] [--rest-address IP] [--rest-port N]\n" +
        "    [--genesis-state FILE | --checkpoint-state FILE --checkpoint-block FILE | --checkpoint-url URL] [--metrics-port N]\n" +
        "  --network NAME        built-in network: " + string.Join(", ", Networks.BuiltinNames) + "\n" +
        "  --network-dir DIR     config.yaml (PRESET_BASE: minimal|mainnet allowed) and optionally genesis.ssz\n" +
        "  --data-dir DIR        database and node key (default ~/.cirrus/NETWORK)\n" +
        "  --rest-port N         REST API port (default 5052; 0 picks a free one), on --rest-address (default 127.0.0.1)\n" +
        "  --genesis-state FILE  SSZ genesis state, when the network directory has none\n" +
        "  --checkpoint-*        start from a trusted finalized state and its block instead of genesis\n" +
        "  --metrics-port N      serve Prometheus metrics on http://127.0.0.1:N/metrics";

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

    public int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var a = new CliArgs(args, ["network", "network-dir", "data-dir", "rest-address", "rest-port", "genesis-state",
            "checkpoint-state", "checkpoint-block", "checkpoint-url", "metrics-port"], []);
        if (a.Positionals.Count != 0) throw new CliException($"unexpected argument '{a.Positionals[0]}'", 2);
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
        var log = NodeSetup.Logger(stdout);
        using var cts = new CancellationTokenSource();
        using var signals = NodeSetup.StopOnSignals(cts);

        BeaconStore store;
        try
        {
            Directory.CreateDirectory(dataDir);
            store = BeaconStore.Open(Path.Combine(dataDir, "db"), config.Schema);
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
            var identity = NodeSetup.Identity(dataDir);
            var api = new BeaconApi(chain, restAddress.ToString(), (int)port, identity);
            try
            {
                api.StartAsync().GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                api.DisposeAsync().AsTask().GetAwaiter().GetResult();
                throw new CliException($"cannot listen on {restAddress}:{port}: {e.Message}");
            }
            try
            {
                log($"cirrus {Program.Version} beacon node: network {network.Name} ({config.ConfigName} preset, {config.SecondsPerSlot} s slots), data dir {dataDir}");
                log($"REST API listening on http://{restAddress}:{api.Port}");
                log($"genesis time {chain.GenesisTime}, genesis validators root {chain.GenesisValidatorsRoot}, head {chain.Head} at slot {chain.HeadSlot}, finalized epoch {chain.FinalizedCheckpoint.Epoch}");
                using var metrics = new NodeMetrics(chain);
                using var metricsServer = metricsPort is { } port2 ? ServeMetrics(metrics, port2) : null;
                if (metricsPort is { } shown) log($"metrics on http://127.0.0.1:{shown}/metrics");
                SlotTicker.RunAsync(chain, () => DateTimeOffset.UtcNow, log, cts.Token, metrics.Update).GetAwaiter().GetResult();
                log("stopping");
            }
            finally
            {
                api.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
        log("stopped");
        return 0;
    }
}

/// <summary>What the node and devnet commands share: network, anchor and identity resolution, logging.</summary>
internal static class NodeSetup
{
    public static NetworkConfig ResolveNetwork(string? name, string? dir)
    {
        if ((name is null) == (dir is null)) throw new CliException("give exactly one of --network NAME and --network-dir DIR", 2);
        if (name is not null)
            return Networks.Builtin(name) ?? throw new CliException($"unknown network '{name}' (known: {string.Join(", ", Networks.BuiltinNames)})", 2);
        if (!Directory.Exists(dir)) throw new CliException($"network directory not found: {dir}");
        try
        {
            return Networks.FromDirectory(dir!, p => File.Exists(p) ? CliArgs.ReadFile(p) : null);
        }
        catch (ConfigException e)
        {
            throw new CliException($"{dir}: {e.Message}");
        }
    }

    /// <summary>The anchor from the command line (null: resume an initialized database).</summary>
    public static ChainAnchor? Anchor(CliArgs a, NetworkConfig network, bool initialized, Action<string> log, CancellationToken ct)
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
            return CheckpointSync.FromSsz(config, CliArgs.ReadFile(cpState), CliArgs.ReadFile(cpBlock!), cpState);
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
        byte[]? bytes = genesisFile is not null ? CliArgs.ReadFile(genesisFile) : network.GenesisState;
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

    /// <summary>The node's secp256k1 identity (kept in the data dir), as node/identity shows it.</summary>
    public static NodeIdentity Identity(string dataDir)
    {
        try
        {
            var key = NodeKeyFile.LoadOrCreate(Path.Combine(dataDir, NodeKeyFile.DefaultFileName));
            var enr = new EnrBuilder().Build(key);
            string peerId = key.PeerId.ToString();
            return new NodeIdentity(peerId, enr.ToText(), [], [], 0, "0x0000000000000000");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or EnrException)
        {
            throw new CliException($"cannot load the node key in {dataDir}: {e.Message}");
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

    /// <summary>Timestamped log lines (UTC), flushed at once so pipes see them.</summary>
    public static Action<string> Logger(TextWriter output)
    {
        var gate = new object();
        return msg =>
        {
            lock (gate)
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {msg}");
                output.Flush();
            }
        };
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
