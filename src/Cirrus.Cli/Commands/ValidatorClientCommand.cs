using System.CommandLine;
using Cirrus.Ssz;
using Cirrus.Validator;
using Cirrus.Validator.Client;
using Cirrus.Validator.Keys;

namespace Cirrus.Cli.Commands;

/// <summary>`cirrus validator-client`: performs the duties of the data dir's (and/or interop) validators through beacon nodes' REST APIs.</summary>
public sealed class ValidatorClientCommand : ICliCommand
{
    public string? Group => null;
    public string Name => "validator-client";
    public string Summary => "run a validator client: propose, attest and aggregate through beacon nodes' REST APIs";
    public IEnumerable<Symbol> Symbols =>
    [
        .. Opt.Network(" (or --network-dir)"),
        Opt.Many("beacon-node", "URL", "a beacon node's REST API (required; repeat for fallbacks, in order of preference)"),
        Opt.Value("data-dir", "DIR", "imported keystores (see `validator-client import`) and the slashing-protection database (required)"),
        Opt.Value("interop-validators", "FIRST:COUNT", "also run the devnet interop keys FIRST .. FIRST+COUNT-1 (insecure: for devnets only)"),
        Opt.Value("graffiti", "TEXT", "put in proposed blocks (at most 32 bytes of UTF-8)"),
        Opt.Value("metrics-port", "N", "serve Prometheus metrics on http://127.0.0.1:N/metrics"),
        Opt.Flag("no-doppelganger-protection", "sign at once, without first watching the chain for 2 epochs for another client running these "
            + "keys (the watch is on by default after genesis; when it finds them live, the client signs nothing and exits with code 3)"),
        .. Logging.Symbols,
        ConfigFile.ConfigOption,
    ];

    /// <summary>The exit code when another client runs our keys (so a service manager can refuse to restart it).</summary>
    public const int DoppelgangerExitCode = 3;

    public int Run(CommandArgs a, TextWriter stdout, TextWriter stderr)
    {
        var network = NodeSetup.ResolveNetwork(a.Option("network"), a.Option("network-dir"));
        string dataDir = a.Required("data-dir");
        var urls = a.Options("beacon-node").Select(ParseUrl).ToList();
        if (urls.Count == 0) throw new CliException("missing required option --beacon-node", 2);
        (ulong First, int Count)? interop = a.Option("interop-validators") is { } iv ? ParseRange(iv) : null;
        int? metricsPort = null;
        if (a.Option("metrics-port") is not null)
        {
            ulong p = a.ULong("metrics-port");
            if (p is 0 or > 65535) throw new CliException($"option --metrics-port: {p} is not a port number", 2);
            metricsPort = (int)p;
        }
        Bytes32 graffiti = a.Option("graffiti") is { } g ? KeyFiles.Guard(() => ValidatorClientOptions.GraffitiFromText(g)) : default;

        using var logging = Logging.Create(stdout, a, "cirrus.validator-client");
        var log = logging.Log;
        var keys = new List<ValidatorKey>();
        try
        {
            KeyFiles.Guard(() =>
            {
                ValidatorDataDir.CreateDirectory(dataDir, isPrivate: true, log);
                new ValidatorDataDir(dataDir).RestrictPermissions(log);
                keys.AddRange(ValidatorKeyLoader.Load(dataDir));
                int imported = keys.Count;
                if (interop is { } r) keys.AddRange(InteropKeySource.Keys(r.First, r.Count));
                var distinct = keys.DistinctBy(k => k.PubkeyHex).ToList();
                if (distinct.Count != keys.Count) throw new ValidatorException("an interop key is also imported in the data directory: run each key once");
                if (keys.Count == 0)
                    throw new ValidatorException($"no validator keys: {dataDir} has no imported keystores (cirrus validator-client import) and no --interop-validators given");
                log($"loaded {imported} imported key(s) from {dataDir}" + (interop is { } ri ? $" and {ri.Count} interop key(s) from index {ri.First}" : ""));
                return 0;
            });

            // The genesis validators root sits at bytes 8..40 of a BeaconState (after genesis_time).
            Bytes32? expectedGvr = network.GenesisState is { Length: >= 40 } gs ? Bytes32.FromSpan(gs.AsSpan(8, 32)) : null;
            var metrics = new ValidatorMetrics();
            ProcessMetrics.Register(metrics.Registry);
            using var server = metricsPort is { } mp ? KeyFiles.Guard(() => metrics.Serve(mp)) : null;
            if (metricsPort is { } port) log($"metrics on http://127.0.0.1:{port}/metrics");
            using var client = new ValidatorClient(new ValidatorClientOptions
            {
                Config = network.Config,
                BeaconNodes = urls,
                DataDir = dataDir,
                Keys = keys,
                ExpectedGenesisValidatorsRoot = expectedGvr,
                Graffiti = graffiti,
                Log = log,
                DoppelgangerProtection = !a.Flag("no-doppelganger-protection"),
            }, metrics);
            if (a.Flag("no-doppelganger-protection"))
                log("WARNING: doppelganger protection is off: if another validator client runs any of these keys, both sign and the validators get slashed");
            log($"cirrus {Program.Version} validator client: network {network.Name} ({network.Config.ConfigName} preset, {network.Config.SecondsPerSlot} s slots), beacon node(s) {string.Join(", ", urls)}");

            using var cts = new CancellationTokenSource();
            using var signals = NodeSetup.StopOnSignals(cts);
            try
            {
                client.RunAsync(cts.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
            }
            catch (DoppelgangerException e)
            {
                throw new CliException(e.Message, DoppelgangerExitCode);
            }
            catch (ValidatorException e)
            {
                throw new CliException(e.Message);
            }
            return 0;
        }
        finally
        {
            foreach (var k in keys) k.Dispose();
        }
    }

    private static Uri ParseUrl(string s)
    {
        if (!Uri.TryCreate(s, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https"))
            throw new CliException($"--beacon-node: '{s}' is not an http(s) URL", 2);
        return u;
    }

    private static (ulong First, int Count) ParseRange(string s)
    {
        var parts = s.Split(':');
        if (parts.Length == 2 && ulong.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong first)
            && ulong.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong count) && count > 0)
        {
            // Interop keys exist only in interop genesis states, which ncli caps; checked before any key is derived.
            if (first >= NcliGenesis.MaxValidators || count > NcliGenesis.MaxValidators - first)
                throw new CliException($"option --interop-validators: {first}:{count} is out of range (FIRST+COUNT at most {NcliGenesis.MaxValidators})", 2);
            return (first, (int)count);
        }
        throw new CliException($"option --interop-validators: '{s}' is not FIRST:COUNT (e.g. 0:32)", 2);
    }
}
