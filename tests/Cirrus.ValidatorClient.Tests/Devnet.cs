using System.Collections.Concurrent;
using Cirrus.Api;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Signatures;
using Cirrus.Node;
using Cirrus.Validator.Client;
using Cirrus.Validator.Keys;

namespace Cirrus.ValidatorClient.Tests;

/// <summary>
/// An in-process devnet: a beacon chain that checks every signature, its REST API on a free port of
/// 127.0.0.1, and the node's slot ticker on the wall clock; minimal preset, short slots.
/// </summary>
public sealed class Devnet : IAsyncDisposable
{
    /// <summary>A URL on which nothing listens (a port just released).</summary>
    public static Uri DeadUrl()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }

    public ChainConfig Config { get; }
    public BeaconChain Chain { get; }
    public BeaconApi Api { get; private set; }
    public int Port { get; private set; }
    public Uri Url => new($"http://127.0.0.1:{Port}/");
    public ulong GenesisTime { get; }
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _ticker;

    private Devnet(ChainConfig config, BeaconChain chain, BeaconApi api, ulong genesisTime)
    {
        Config = config;
        Chain = chain;
        Api = api;
        Port = api.Port;
        GenesisTime = genesisTime;
        _ticker = SlotTicker.RunAsync(chain, () => DateTimeOffset.UtcNow, _ => { }, _stop.Token);
    }

    public static ChainConfig ShortSlots(ulong secondsPerSlot) =>
        ChainConfig.FromYaml($"PRESET_BASE: minimal\nSECONDS_PER_SLOT: {secondsPerSlot}\n");

    /// <summary>Genesis <paramref name="genesisDelay"/> from now, once the state is built.</summary>
    public static async Task<Devnet> StartAsync(ChainConfig config, int validators, TimeSpan genesisDelay)
    {
        var state = InteropGenesis.CreateGenesisState(config, validators, 0);
        ulong genesisTime = (ulong)DateTimeOffset.UtcNow.Add(genesisDelay).ToUnixTimeSeconds();
        state.GenesisTime = genesisTime;
        var chain = new BeaconChain(config, state, new BlsSignatureVerifier());
        var api = new BeaconApi(chain, "127.0.0.1", 0);
        await api.StartAsync();
        return new Devnet(config, chain, api, genesisTime);
    }

    /// <summary>Stops the REST API (the chain keeps its state and clock).</summary>
    public async Task StopApiAsync() => await Api.DisposeAsync();

    /// <summary>Starts the REST API again on the same port.</summary>
    public async Task StartApiAsync()
    {
        Api = new BeaconApi(Chain, "127.0.0.1", Port);
        await Api.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _ticker;
        await Api.DisposeAsync();
        Chain.Dispose();
        _stop.Dispose();
    }
}

/// <summary>A validator client run in-process, with its log kept.</summary>
public sealed class RunningClient : IAsyncDisposable
{
    public Validator.Client.ValidatorClient Client { get; }
    public ConcurrentQueue<string> Log { get; } = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<ValidatorKey> _keys;
    public Task Run { get; }

    public RunningClient(ChainConfig config, IReadOnlyList<Uri> nodes, string dataDir, List<ValidatorKey> keys, Action<string>? echo = null, bool protect = false)
    {
        _keys = keys;
        Client = new Validator.Client.ValidatorClient(new ValidatorClientOptions
        {
            Config = config,
            BeaconNodes = nodes,
            DataDir = dataDir,
            Keys = keys,
            Graffiti = ValidatorClientOptions.GraffitiFromText("cirrus vc test"),
            Log = l => { Log.Enqueue(l); echo?.Invoke(l); },
            RetryInterval = TimeSpan.FromMilliseconds(500),
            DoppelgangerProtection = protect,
        });
        Run = Task.Run(() => Client.RunAsync(_stop.Token));
    }

    public IEnumerable<string> Lines(string contains) => Log.Where(l => l.Contains(contains, StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try { await Run; }
        catch (DoppelgangerException) { } // the test looked at it
        Client.Dispose();
        foreach (var k in _keys) k.Dispose();
        _stop.Dispose();
    }
}

public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("cirrus-vc-").FullName;
    public void Dispose()
    {
        try { Directory.Delete(Path, true); } catch (IOException) { }
    }
}
