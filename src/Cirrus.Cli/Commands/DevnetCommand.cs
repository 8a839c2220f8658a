using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text.Json;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Transition.Epoch;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Cli.Commands;

/// <summary>
/// `cirrus devnet`: a local network on 127.0.0.1 from an interop genesis — one beacon node and
/// validator-client processes sharing the interop validators — with head, justification,
/// finality and participation printed as it runs. Ctrl-C stops everything cleanly.
/// </summary>
public sealed class DevnetCommand : ICliCommand
{
    public string? Group => null;
    public string Name => "devnet";
    public string Summary => "run a local devnet: beacon nodes gossiping on 127.0.0.1 + validator clients on an interop genesis (minimal preset)";
    public IEnumerable<Symbol> Symbols =>
    [
        Opt.Value("nodes", "N", "beacon nodes (default 2, at most 16); node 0's ENR is the others' bootnode"),
        Opt.Value("validators", "N", "interop validators (default 64)"),
        Opt.Value("validator-clients", "K", "validator clients (default one per node, at least 2); client k talks only to node k mod N"),
        Opt.Value("seconds-per-slot", "S", "slot time (default 2)"),
        Opt.Value("dir", "DIR", "a new or empty directory for the network, the nodes' data and every process's log (default: a fresh one under the temp dir)"),
        Opt.Value("rest-port", "P", "node k's REST API listens on P+k (default 5052)"),
        Opt.Value("genesis-delay", "SECONDS", "genesis this long after start (default 8)"),
        Opt.Value("until-finalized", "EPOCH", "stop with exit code 0 once every node has finalized EPOCH (default: run until Ctrl-C)"),
        Opt.Value("timeout", "SECONDS", "with --until-finalized: give up with exit code 1 after this long (default: no limit)"),
        Opt.Value("metrics-port", "P", "node k serves Prometheus metrics on P+k, validator client k on P+N+k (see deploy/prometheus/prometheus.yml)"),
        Opt.Flag("eth1", "genesis from eth1 deposits: ganache gets the deposit contract and the validators' deposits, genesis is computed from the "
            + "contract, and the nodes follow it; DIR/eth1.txt names the endpoint, contract and funded key for `deposits send`"),
        Opt.Value("ganache", "PATH", "the ganache to start for --eth1 (default: ganache on PATH)"),
        Opt.Value("eth1-port", "N", "ganache's port on 127.0.0.1 (default 8545)"),
        Opt.Value("eth1-endpoint", "URL", "instead of starting ganache: an eth1 node already running, with --eth1-key-file"),
        Opt.Value("eth1-key-file", "FILE", "the private key (hex) of a funded account on --eth1-endpoint"),
        .. Logging.Symbols,
        ConfigFile.ConfigOption,
    ];

    public int Run(CommandArgs a, TextWriter stdout, TextWriter stderr)
    {
        ulong nodes = a.ULong("nodes", 2);
        if (nodes is 0 or > 16) throw new CliException("--nodes must be between 1 and 16", 2);
        ulong validators = a.ULong("validators", 64), clients = a.ULong("validator-clients", Math.Max(nodes, 2));
        ulong sps = a.ULong("seconds-per-slot", 2), port = a.ULong("rest-port", 5052), delay = a.ULong("genesis-delay", 8);
        ulong? until = a.Option("until-finalized") is null ? null : a.ULong("until-finalized");
        ulong timeout = a.ULong("timeout", 0);
        var preset = ChainConfig.Minimal;
        if (validators < preset.SlotsPerEpoch || validators > NcliGenesis.MaxValidators)
            throw new CliException($"--validators must be between {preset.SlotsPerEpoch} and {NcliGenesis.MaxValidators}", 2);
        if (clients == 0 || clients > validators) throw new CliException("--validator-clients must be between 1 and the number of validators", 2);
        if (sps == 0 || sps > 60) throw new CliException("--seconds-per-slot must be between 1 and 60", 2);
        if (port == 0 || port + nodes - 1 > 65535) throw new CliException($"--rest-port: {port} is not a port number", 2);
        ulong? metricsPort = a.Option("metrics-port") is null ? null : a.ULong("metrics-port");
        if (metricsPort is { } mp0 && (mp0 == 0 || mp0 + nodes + clients - 1 > 65535))
            throw new CliException($"--metrics-port: {mp0} is not a port number (P to P+{nodes + clients - 1} are used)", 2);
        for (ulong i = 0; i < nodes; i++)
            if (NodeSetup.PortInUse(System.Net.IPAddress.Loopback, (int)(port + i)))
                throw new CliException($"port {port + i} is in use (choose another with --rest-port)");

        string dir = a.Option("dir") ?? Path.Combine(Path.GetTempPath(), $"cirrus-devnet-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
            throw new CliException($"{dir} is not empty: give a new or empty --dir");
        bool eth1 = a.Flag("eth1") || a.Option("eth1-endpoint") is not null;
        if (a.Option("eth1-endpoint") is not null && a.Option("eth1-key-file") is null) throw new CliException("--eth1-endpoint needs --eth1-key-file", 2);
        ulong eth1Port = a.ULong("eth1-port", 8545);
        if (a.Flag("eth1") && a.Option("eth1-endpoint") is null && (eth1Port is 0 or > 65535 || NodeSetup.PortInUse(System.Net.IPAddress.Loopback, (int)eth1Port)))
            throw new CliException($"--eth1-port: {eth1Port} is not a free port", 2);
        using var logging = Logging.Create(stdout, a, "cirrus.devnet");
        var log = logging.Log;
        string network = Path.Combine(dir, "network");
        using var cts = new CancellationTokenSource();
        using var signals = NodeSetup.StopOnSignals(cts);
        var children = new List<Child>();
        string yaml;
        BeaconState genesis;
        DevnetEth1.Setup? eth1Setup = null;
        try
        {
            Directory.CreateDirectory(network);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot create {dir}: {e.Message}");
        }
        if (eth1)
        {
            string endpoint, key;
            if (a.Option("eth1-endpoint") is { } given)
            {
                if (!Uri.TryCreate(given, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https"))
                    throw new CliException($"--eth1-endpoint: '{given}' is not an http(s) URL", 2);
                endpoint = given;
                key = System.Text.Encoding.UTF8.GetString(CliFiles.ReadFile(a.Option("eth1-key-file")!, 1024, "a private key file")).Trim();
                if (key.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) key = key[2..];
                if (key.Length != 64 || !key.All(Uri.IsHexDigit)) throw new CliException($"{a.Option("eth1-key-file")}: not a 32-byte hex private key");
            }
            else
            {
                string ganache = a.Option("ganache") ?? "ganache"; // $CIRRUS_GANACHE arrives here as every devnet option does
                endpoint = $"http://127.0.0.1:{eth1Port}";
                key = DevnetEth1.DevAccountKey;
                try { children.Add(DevnetEth1.StartGanache(ganache, dir, eth1Port, 1337)); }
                catch (System.ComponentModel.Win32Exception e)
                {
                    throw new CliException($"cannot start ganache '{ganache}': {e.Message} (scripts/setup-ganache.sh installs it; give --ganache PATH)");
                }
            }
            try
            {
                log($"devnet in {dir}: genesis from eth1 deposits on {endpoint}, {validators} validators");
                eth1Setup = DevnetEth1.Prepare(endpoint, key, validators, sps, Math.Max(delay, 12), log, cts.Token);
            }
            catch (Exception e) when (e is Cirrus.Node.Eth1.Eth1Exception or Nethereum.JsonRpc.Client.RpcResponseException
                                          or Nethereum.JsonRpc.Client.RpcClientUnknownException or HttpRequestException or OperationCanceledException)
            {
                foreach (var c in children) { c.Terminate(); c.WaitOrKill(TimeSpan.FromSeconds(5)); }
                throw new CliException($"devnet --eth1: {e.Message}");
            }
            catch
            {
                foreach (var c in children) { c.Terminate(); c.WaitOrKill(TimeSpan.FromSeconds(5)); }
                throw;
            }
            yaml = eth1Setup.ConfigYaml;
            genesis = eth1Setup.Genesis;
            string keyFile = Path.Combine(dir, "eth1-account.key");
            File.WriteAllText(keyFile, key);
            File.WriteAllText(Path.Combine(dir, "eth1.txt"),
                $"endpoint {endpoint}\nchain_id {eth1Setup.ChainId}\ncontract {eth1Setup.Contract}\ndeploy_block {eth1Setup.DeployBlock}\nkey_file {keyFile}\n");
        }
        else
        {
            yaml = $"PRESET_BASE: minimal\nCONFIG_NAME: devnet\nSECONDS_PER_SLOT: {sps}\nMIN_GENESIS_ACTIVE_VALIDATOR_COUNT: {validators}\n";
            genesis = InteropGenesis.CreateGenesisState(ChainConfig.FromYaml(yaml), (int)validators, (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds() + delay);
        }
        try
        {
            File.WriteAllText(Path.Combine(network, "config.yaml"), yaml);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot create {dir}: {e.Message}");
        }
        var config = ChainConfig.FromYaml(yaml);
        long untilGenesis = (long)genesis.GenesisTime - DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        log($"devnet in {dir}: {nodes} beacon nodes, {validators} validators, {clients} validator clients, {sps} s slots, genesis in {untilGenesis} s");
        CliFiles.WriteFileAtomic(Path.Combine(network, "genesis.ssz"), config.Schema.Serialize(genesis));

        try
        {
            var rests = new List<string>();
            string? bootnode = null;
            for (ulong i = 0; i < nodes; i++)
            {
                string rest = $"http://127.0.0.1:{port + i}";
                var nodeArgs = new List<string> { "beacon-node", "--network-dir", network, "--data-dir", Path.Combine(dir, $"node{i}"),
                    "--rest-port", (port + i).ToString(CultureInfo.InvariantCulture),
                    "--p2p-address", "127.0.0.1", "--p2p-port", "0", "--target-peers", Math.Max(1, nodes - 1).ToString(CultureInfo.InvariantCulture) };
                if (bootnode is not null) nodeArgs.AddRange(["--bootnodes", bootnode]);
                if (eth1Setup is not null) nodeArgs.AddRange(["--eth1-endpoint", eth1Setup.Endpoint, "--eth1-deploy-block", eth1Setup.DeployBlock.ToString(CultureInfo.InvariantCulture)]);
                if (metricsPort is { } mpn) nodeArgs.AddRange(["--metrics-port", (mpn + i).ToString(CultureInfo.InvariantCulture)]);
                children.Add(Child.Start($"node{i}", dir, nodeArgs));
                rests.Add(rest);
                // node 0 is everyone's bootnode: its ENR comes from its API once it runs
                if (i == 0 && nodes > 1) bootnode = WaitForEnr(rest, children[0], cts.Token);
                if (bootnode is null && nodes > 1) return 1;
            }
            ulong per = validators / clients;
            for (ulong k = 0; k < clients; k++)
            {
                ulong first = k * per, count = k == clients - 1 ? validators - first : per;
                var vcArgs = new List<string> { "validator-client", "--network-dir", network, "--beacon-node", rests[(int)(k % nodes)],
                    "--data-dir", Path.Combine(dir, $"vc{k}"), "--interop-validators", $"{first}:{count}",
                    // a new chain whose keys are split between the clients by construction: no one else can run them
                    "--no-doppelganger-protection" };
                if (metricsPort is { } mpv) vcArgs.AddRange(["--metrics-port", (mpv + nodes + k).ToString(CultureInfo.InvariantCulture)]);
                children.Add(Child.Start($"vc{k}", dir, vcArgs));
            }
            log($"REST APIs of the nodes: {string.Join(", ", rests)} (logs: {dir}/node*.log, {dir}/vc*.log)");
            if (metricsPort is { } mpl)
                log($"metrics: nodes on 127.0.0.1:{mpl}..{mpl + nodes - 1}, validator clients on 127.0.0.1:{mpl + nodes}..{mpl + nodes + clients - 1}");
            return Monitor(config, rests, children, log, until, timeout, cts.Token);
        }
        finally
        {
            log("stopping the devnet");
            foreach (var c in children) c.Terminate();
            foreach (var c in children) c.WaitOrKill(TimeSpan.FromSeconds(15));
            log("devnet stopped");
        }
    }

    /// <summary>Node 0's ENR from its REST API (null when it exited or did not answer in time).</summary>
    private static string? WaitForEnr(string rest, Child node, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri(rest), Timeout = TimeSpan.FromSeconds(5) };
        var sw = Stopwatch.StartNew();
        while (!ct.IsCancellationRequested && !node.HasExited && sw.Elapsed < TimeSpan.FromSeconds(90))
        {
            try
            {
                using var doc = JsonDocument.Parse(http.GetStringAsync("/eth/v1/node/identity", ct).GetAwaiter().GetResult());
                return doc.RootElement.GetProperty("data").GetProperty("enr").GetString();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                try { Task.Delay(300, ct).Wait(ct); } catch (OperationCanceledException) { }
            }
        }
        return null;
    }

    /// <summary>Prints the chain's progress once per slot; returns the exit code.</summary>
    private static int Monitor(ChainConfig config, List<string> rests, List<Child> children, Action<string> log, ulong? until, ulong timeout,
        CancellationToken ct)
    {
        var https = rests.Select(r => new HttpClient { BaseAddress = new Uri(r), Timeout = TimeSpan.FromSeconds(10) }).ToList();
        try
        {
            var started = Stopwatch.StartNew();
            string last = "";
            while (!ct.IsCancellationRequested)
            {
                if (children.FirstOrDefault(c => c.HasExited) is { } dead)
                {
                    log($"{dead.Name} exited with code {dead.ExitCode}; see {dead.LogPath}");
                    return 1;
                }
                if (timeout > 0 && started.Elapsed.TotalSeconds > timeout)
                {
                    log($"timeout: epoch {until} was not finalized within {timeout} s");
                    return 1;
                }
                try
                {
                    var status = Status(config, https[0], ct);
                    var nodes = https.Count > 1 ? NodesStatus(https, ct) : null;
                    string line = status.Line + (nodes is null ? "" : " | " + nodes.Line);
                    if (line != last) log(line);
                    last = line;
                    ulong finalized = nodes is null ? status.Finalized : Math.Min(status.Finalized, nodes.MinFinalized);
                    if (until is { } e && finalized >= e)
                    {
                        if (nodes is not null)
                        {
                            // heads can differ for a moment at a slot boundary: look again before reporting
                            for (int i = 0; i < 5 && !nodes.HeadsAgree; i++)
                            {
                                Task.Delay(400, ct).Wait(ct);
                                nodes = NodesStatus(https, ct);
                            }
                            log($"all {https.Count} nodes: finalized epoch >= {nodes.MinFinalized}, heads agree: {(nodes.HeadsAgree ? "yes" : "no")}, peers {nodes.Peers}");
                        }
                        log($"finalized epoch {status.Finalized} reached (previous-epoch target participation {status.Participation:P1})");
                        return 0;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or SszException or KeyNotFoundException or InvalidOperationException)
                {
                    if (ct.IsCancellationRequested) break;
                    if (started.Elapsed > TimeSpan.FromSeconds(20)) log($"node not answering yet: {e.Message}");
                }
                try { Task.Delay(TimeSpan.FromSeconds(Math.Max(1, config.SecondsPerSlot)), ct).Wait(ct); }
                catch (OperationCanceledException) { }
            }
            return 0;
        }
        finally
        {
            foreach (var h in https) h.Dispose();
        }
    }

    private sealed record NodesLine(string Line, ulong MinFinalized, bool HeadsAgree, string Peers);

    /// <summary>Every node's head, finalized epoch and connected peers.</summary>
    private static NodesLine NodesStatus(List<HttpClient> https, CancellationToken ct)
    {
        var heads = new List<string>();
        var peers = new List<string>();
        ulong minFinalized = ulong.MaxValue;
        foreach (var http in https)
        {
            using var head = JsonDocument.Parse(http.GetStringAsync("/eth/v1/beacon/headers/head", ct).GetAwaiter().GetResult());
            heads.Add(head.RootElement.GetProperty("data").GetProperty("root").GetString()!);
            using var fin = JsonDocument.Parse(http.GetStringAsync("/eth/v1/beacon/states/head/finality_checkpoints", ct).GetAwaiter().GetResult());
            minFinalized = Math.Min(minFinalized, ulong.Parse(fin.RootElement.GetProperty("data").GetProperty("finalized").GetProperty("epoch").GetString()!, CultureInfo.InvariantCulture));
            using var pc = JsonDocument.Parse(http.GetStringAsync("/eth/v1/node/peer_count", ct).GetAwaiter().GetResult());
            peers.Add(pc.RootElement.GetProperty("data").GetProperty("connected").GetString()!);
        }
        bool agree = heads.Distinct().Count() == 1;
        string p = "[" + string.Join(",", peers) + "]";
        return new NodesLine($"{https.Count} nodes, heads {(agree ? "agree" : "differ")}, peers {p}", minFinalized, agree, p);
    }

    private sealed record DevnetStatus(string Line, ulong Finalized, double Participation);

    private static DevnetStatus Status(ChainConfig config, HttpClient http, CancellationToken ct)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, "/eth/v1/debug/beacon/states/head");
        req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/octet-stream"));
        using var resp = http.Send(req, ct);
        if (!resp.IsSuccessStatusCode) throw new InvalidOperationException($"head state: HTTP {(int)resp.StatusCode}");
        using var ms = new MemoryStream();
        resp.Content.ReadAsStream(ct).CopyTo(ms);
        var state = config.Schema.Deserialize<BeaconState>(ms.ToArray());
        var cs = new CachedBeaconState(config, state);
        // The previous epoch's attesters with the right target, as epoch processing will count them.
        double participation = 0;
        if (cs.CurrentEpoch > 0)
        {
            var summary = new EpochSummary(cs);
            participation = summary.TotalActiveBalance == 0 ? 0 : (double)summary.PrevTargetBalance / summary.TotalActiveBalance;
        }
        string line = $"head slot {state.Slot} (epoch {cs.CurrentEpoch}) | justified {state.CurrentJustifiedCheckpoint.Epoch} | " +
            $"finalized {state.FinalizedCheckpoint.Epoch} | previous-epoch participation {participation:P0}";
        return new DevnetStatus(line, state.FinalizedCheckpoint.Epoch, participation);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>A child `cirrus` process whose output goes to a log file.</summary>
    internal sealed class Child
    {
        private readonly Process _p;
        private readonly StreamWriter _log;
        public string Name { get; }
        public string LogPath { get; }

        private Child(string name, string logPath, Process p, StreamWriter log)
        {
            Name = name;
            LogPath = logPath;
            _p = p;
            _log = log;
        }

        public bool HasExited => _p.HasExited;
        public int ExitCode => _p.ExitCode;

        public static Child Start(string name, string dir, IEnumerable<string> args)
        {
            var psi = SelfStartInfo();
            // the devnet's own CIRRUS_* options (a log file, a config file) are not the nodes': each gets its settings as arguments
            foreach (string key in psi.Environment.Keys.Where(k => k.StartsWith("CIRRUS_", StringComparison.Ordinal)).ToList())
                psi.Environment.Remove(key);
            return Start(name, dir, psi, args);
        }

        /// <summary>Another program (the eth1 node), logged like the others.</summary>
        public static Child StartProgram(string name, string dir, string program, IEnumerable<string> args) =>
            Start(name, dir, new ProcessStartInfo(program) { UseShellExecute = false }, args);

        private static Child Start(string name, string dir, ProcessStartInfo psi, IEnumerable<string> args)
        {
            string logPath = Path.Combine(dir, name + ".log");
            var log = new StreamWriter(logPath) { AutoFlush = true };
            foreach (var x in args) psi.ArgumentList.Add(x);
            psi.RedirectStandardOutput = true;
            psi.RedirectStandardError = true;
            var p = new Process { StartInfo = psi };
            void Write(string? line)
            {
                if (line is null) return;
                lock (log) log.WriteLine(line);
            }
            p.OutputDataReceived += (_, e) => Write(e.Data);
            p.ErrorDataReceived += (_, e) => Write(e.Data);
            p.Start();
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            return new Child(name, logPath, p, log);
        }

        /// <summary>This binary again: the apphost, or `dotnet cirrus.dll` when run that way.</summary>
        private static ProcessStartInfo SelfStartInfo()
        {
            string? host = Environment.ProcessPath;
            string dll = typeof(DevnetCommand).Assembly.Location;
            if (host is null || Path.GetFileNameWithoutExtension(host) == "dotnet")
            {
                var psi = new ProcessStartInfo(host ?? "dotnet") { UseShellExecute = false };
                psi.ArgumentList.Add(dll);
                return psi;
            }
            return new ProcessStartInfo(host) { UseShellExecute = false };
        }

        public void Terminate()
        {
            if (_p.HasExited) return;
            if (Kill(_p.Id, 15) != 0) _p.Kill(); // SIGTERM lets it close its database cleanly
        }

        public void WaitOrKill(TimeSpan t)
        {
            if (!_p.WaitForExit(t))
            {
                try { _p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                _p.WaitForExit();
            }
            else _p.WaitForExit();
            lock (_log) _log.Dispose();
        }
    }
}
