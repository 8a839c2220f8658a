using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Types;
using Cirrus.Node;

namespace Cirrus.Api.Tests;

/// <summary>
/// Tests that measure the process's heap run alone, after the parallel ones: another class building chains
/// at the same time made the stalled-clients test see 136 MiB of growth that was not its own.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapMeasuringCollection
{
    public const string Name = "heap-measuring";
}

/// <summary>What hostile clients did to the REST API (the hardening issue).</summary>
[Collection(HeapMeasuringCollection.Name)]
public sealed class HardeningApiTests
{
    /// <summary>Clients that send a request, read the status line and then never read the body.</summary>
    private static async Task<List<(TcpClient Client, string StatusLine)>> StalledClientsAsync(int port, string path, int count)
    {
        var clients = new List<(TcpClient, string)>();
        for (int i = 0; i < count; i++)
        {
            var tcp = new TcpClient { ReceiveBufferSize = 4096 };
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n"));
            // The status line arrives once the server has its answer ready (rendered, or shared).
            byte[] head = new byte[12];
            int got = 0;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (got < head.Length)
            {
                int n = await stream.ReadAsync(head.AsMemory(got), timeout.Token);
                if (n == 0) break;
                got += n;
            }
            clients.Add((tcp, Encoding.ASCII.GetString(head, 0, got)));
        }
        return clients;
    }

    [Fact]
    public async Task ClientsThatNeverReadTheDebugStateDoNotPinMemory()
    {
        // Mainnet sizes make a state of a few MB even with few validators (its root vectors are fixed-size).
        var config = ChainConfig.Mainnet;
        var chain = new BeaconChain(config, InteropGenesis.CreateGenesisState(config, 16, 1_600_000_000), null);
        await using var api = new BeaconApi(chain, "127.0.0.1", 0);
        await api.StartAsync();
        long stateJsonBytes;
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) })
            stateJsonBytes = (await http.GetByteArrayAsync($"http://127.0.0.1:{api.Port}/eth/v1/debug/beacon/states/head")).Length;
        Assert.True(stateJsonBytes > 4 << 20, $"state JSON is only {stateJsonBytes} bytes");

        long before = GC.GetTotalMemory(forceFullCollection: true);
        const int clients = 40;
        var stalled = await StalledClientsAsync(api.Port, "/eth/v1/debug/beacon/states/head", clients);
        try
        {
            long grown = GC.GetTotalMemory(forceFullCollection: true) - before;
            // Forty private renderings would be about 40 x the JSON; one shared copy plus buffers is far below 4 x.
            Assert.True(grown < 4 * stateJsonBytes, $"heap grew {grown >> 20} MiB for {clients} stalled clients (state JSON {stateJsonBytes >> 20} MiB)");
            int busy = stalled.Count(s => s.StatusLine.StartsWith("HTTP/1.1 503", StringComparison.Ordinal));
            Assert.Equal(clients - BeaconApi.MaxHeavyRequests, busy);
        }
        finally
        {
            foreach (var (c, _) in stalled) c.Dispose();
        }

        // Once they are gone the slots are free again, and a busy answer is the JSON error shape.
        using var http2 = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        for (int i = 0; i < 100; i++)
        {
            var r = await http2.GetAsync($"http://127.0.0.1:{api.Port}/eth/v1/debug/beacon/states/head");
            if (r.StatusCode == HttpStatusCode.OK) return;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
            using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
            Assert.Equal(503, doc.RootElement.GetProperty("code").GetInt32());
            Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("message").GetString()));
            await Task.Delay(100);
        }
        Assert.Fail("the whole-state slots were not released after the clients went away");
    }

    private sealed class BrokenNetwork : INodeNetwork
    {
        public NodeIdentity Identity => throw new Cirrus.Storage.StoreException("Corruption: block checksum mismatch in 000042.sst");
        public IReadOnlyList<PeerSummary> Peers => throw new Cirrus.Storage.StoreException("Corruption: block checksum mismatch in 000042.sst");
        public SyncState Sync => throw new Cirrus.Storage.StoreException("Corruption: block checksum mismatch in 000042.sst");
        public void PublishBlock(SignedBeaconBlock block) { }
        public void PublishAttestation(Attestation attestation, ulong subnetId) { }
        public void PublishAggregateAndProof(SignedAggregateAndProof aggregate) { }
        public void PublishVoluntaryExit(SignedVoluntaryExit exit) { }
        public void PublishProposerSlashing(ProposerSlashing slashing) { }
        public void PublishAttesterSlashing(AttesterSlashing slashing) { }
    }

    [Fact]
    public async Task AnUnexpectedFailureIsA500WithTheJsonErrorShapeAndALogLine()
    {
        var config = ChainConfig.Minimal;
        var chain = new BeaconChain(config, InteropGenesis.CreateGenesisState(config, 16, 1_600_000_000), null);
        var log = new List<string>();
        await using var api = new BeaconApi(chain, "127.0.0.1", 0) { Network = new BrokenNetwork(), Log = m => { lock (log) log.Add(m); } };
        await api.StartAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var r = await http.GetAsync($"http://127.0.0.1:{api.Port}/eth/v1/node/peers");
        Assert.Equal(HttpStatusCode.InternalServerError, r.StatusCode);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        Assert.Equal(500, doc.RootElement.GetProperty("code").GetInt32());
        Assert.Contains("Corruption", doc.RootElement.GetProperty("message").GetString());
        lock (log) Assert.Contains(log, l => l.Contains("/eth/v1/node/peers") && l.Contains("Corruption"));
    }
}

/// <summary>The client side: a hostile node's endless answer costs the client a bounded read.</summary>
public sealed class HostileNodeClientTests
{
    [Fact]
    public async Task AnEndlessAnswerIsRefusedAfterABoundedRead()
    {
        await using var server = new Cirrus.Tests.Shared.EndlessServer("application/json", cap: 256L << 20);
        using var client = new Cirrus.Api.Types.BeaconApiClient(server.Url, ChainConfig.Minimal, TimeSpan.FromSeconds(60));
        var e = await Assert.ThrowsAsync<Cirrus.Api.Types.BeaconApiException>(() => client.GetGenesisAsync());
        Assert.Contains("longer than", e.Message);
        long written = server.NextFinished(TimeSpan.FromSeconds(60));
        Assert.True(written >= 0, "the connection did not end within 60 s");
        Assert.True(written < client.MaxResponseBytes + (32L << 20), $"the client read {written >> 20} MiB");
    }
}

/// <summary>A node started from genesis keeps serving genesis after a restart without --genesis-state.</summary>
public sealed class GenesisAfterRestartTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cirrus-genesis-restart-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task GenesisHeaderBlockAndStateAreServedAfterARestart()
    {
        var config = ChainConfig.Minimal;
        var genesis = InteropGenesis.CreateGenesisState(config, 16, 1_600_000_000);
        string db = Path.Combine(_dir, "db");
        using (BeaconChain.Open(config, Cirrus.Storage.BeaconStore.Open(db, config.Schema), new ChainAnchor(genesis), null)) { }
        using var chain = BeaconChain.Open(config, Cirrus.Storage.BeaconStore.Open(db, config.Schema), anchor: null, null);
        await using var api = new BeaconApi(chain, "127.0.0.1", 0);
        await api.StartAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        foreach (string path in new[] { "eth/v1/beacon/headers/genesis", "eth/v1/beacon/blocks/genesis", "eth/v1/beacon/states/genesis/root",
                     "eth/v1/debug/beacon/states/genesis" })
        {
            var r = await http.GetAsync($"http://127.0.0.1:{api.Port}/{path}");
            Assert.True(r.StatusCode == HttpStatusCode.OK, $"{path}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        }
        using var root = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{api.Port}/eth/v1/beacon/states/genesis/root"));
        Assert.Equal(config.Schema.HashTreeRoot(genesis).ToString(), root.RootElement.GetProperty("data").GetProperty("root").GetString());
    }
}

/// <summary>Bodies whose JSON strings are not valid text (found by the rest fuzz target: they answered 500).</summary>
public sealed class InvalidTextBodyTests
{
    public static IEnumerable<object[]> Bodies() =>
    [
        ["/eth/v1/beacon/pool/voluntary_exits", """{"message":{"epoch":"\ud800","validator_index":"1"},"signature":"0x00"}"""u8.ToArray()],
        ["/eth/v1/beacon/pool/attestations", """[{"aggregation_bits":"\udc00"}]"""u8.ToArray()],
        ["/eth/v1/validator/duties/attester/0", """["\ud800"]"""u8.ToArray()],
        ["/eth/v1/beacon/pool/attestations", (byte[])[.. "[{\"aggregation_bits\":\""u8.ToArray(), 0xff, 0xfe, .. "\"}]"u8.ToArray()]],
        ["/eth/v1/beacon/pool/proposer_slashings", (byte[])[.. "{\"signed_header_1\":{\"message\":{\"slot\":\""u8.ToArray(), 0xc3, .. "\"}}}"u8.ToArray()]],
    ];

    [Theory, MemberData(nameof(Bodies))]
    public async Task AnswerFourHundredNotFiveHundred(string path, byte[] body)
    {
        var config = ChainConfig.Minimal;
        var chain = new BeaconChain(config, InteropGenesis.CreateGenesisState(config, 16, 1_600_000_000), null);
        await using var api = new BeaconApi(chain, "127.0.0.1", 0);
        await api.StartAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var r = await http.PostAsync($"http://127.0.0.1:{api.Port}{path}", content);
        string text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)r.StatusCode} {text}");
        using var doc = JsonDocument.Parse(text);
        Assert.Equal(400, doc.RootElement.GetProperty("code").GetInt32());
        // a batch names the bad item instead of failing as a whole
        if (path.EndsWith("/attestations", StringComparison.Ordinal))
            Assert.Equal(0, doc.RootElement.GetProperty("failures")[0].GetProperty("index").GetInt32());
    }
}
