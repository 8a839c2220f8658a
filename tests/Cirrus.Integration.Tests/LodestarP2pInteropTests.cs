using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Transition.Epoch;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using Xunit;
using Xunit.Abstractions;
using static Cirrus.Integration.Tests.ApiHelpers;
using L = Cirrus.Integration.Tests.LodestarApiInteropTests;

namespace Cirrus.Integration.Tests;

/// <summary>
/// One chain, two clients, over p2p only (no proxies, no patched clients): Cirrus nodes join a Lodestar 1.5.1
/// chain (discovery from its ENR, range sync, gossip) and Lodestar joins a Cirrus chain. Each side runs half
/// the validators; finality must advance with both, and every node must end on the same head. Loopback only.
/// </summary>
[Collection(LodestarCollection.Name)]
public sealed class LodestarP2pInteropTests(ITestOutputHelper log) : IDisposable
{
    private const ulong SecondsPerSlot = 2;
    private const ulong SlotsPerEpoch = 8;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cirrus-lodestar-p2p-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static string[] LodestarDev(string dataDir, int rest, int p2p, params string[] extra) =>
        ["dev", .. L.ChainParams, "--reset", "--dataDir", dataDir,
         "--rest", "--rest.address", "127.0.0.1", "--rest.port", rest.ToString(CultureInfo.InvariantCulture), "--rest.namespace", "*",
         "--listenAddress", "127.0.0.1", "--port", p2p.ToString(CultureInfo.InvariantCulture), "--enr.ip", "127.0.0.1",
         "--metrics", "false", "--logLevel", "info", "--server", $"http://127.0.0.1:{rest}", .. extra];

    private string[] CirrusNode(string network, string name, string bootnode) =>
        ["beacon-node", "--network-dir", network, "--data-dir", Path.Combine(_dir, name), "--rest-port", "0",
         "--p2p-address", "127.0.0.1", "--p2p-port", "0", "--bootnodes", bootnode];

    private string[] CirrusVc(string network, int restPort, string name, string range) =>
        ["validator-client", "--network-dir", network, "--beacon-node", $"http://127.0.0.1:{restPort}", "--data-dir", Path.Combine(_dir, name),
         "--interop-validators", range, "--no-doppelganger-protection"];

    [Fact]
    public async Task CirrusNodesJoinALodestarChainSyncFollowAndFinalizeWithIt()
    {
        string lodestar = L.Lodestar();
        ulong genesisTime = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 20;
        int rest = NodeProcess.FreePort(), p2p = NodeProcess.FreePort();
        using var ls = ExternalProcess.Start(lodestar, LodestarDev(Path.Combine(_dir, "lodestar"), rest, p2p,
            "--genesisValidators", "16", "--startValidators", "0..7", "--genesisTime", genesisTime.ToString(CultureInfo.InvariantCulture)), L.InstallDir());
        using var lsHttp = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{rest}"), Timeout = TimeSpan.FromSeconds(30) };
        Dictionary<string, string>? spec = null;
        Assert.True(await Eventually(async () => (spec = await L.SpecAsync(lsHttp)) is not null, TimeSpan.FromSeconds(90)), "Lodestar did not start:\n" + ls.Output);

        // A user's network directory: Lodestar's constants and the genesis state taken from its API; its ENR as bootnode.
        string network = Path.Combine(_dir, "network");
        var config = L.WriteNetworkDir(network, spec!, "lodestar-chain");
        File.WriteAllBytes(Path.Combine(network, "genesis.ssz"), await SszAsync(lsHttp, "/eth/v2/debug/beacon/states/genesis"));
        string enr = (await Data(lsHttp, "/eth/v1/node/identity")).GetProperty("enr").GetString()!;

        // Join late, so the first node has a chain to range-sync.
        await WaitUntilSlot(genesisTime, 2 * SlotsPerEpoch + 2);
        using var a = await NodeProcess.StartAsync(CirrusNode(network, "a", enr));
        using var b = await NodeProcess.StartAsync(CirrusNode(network, "b", enr));
        using var vcA = NodeProcess.Spawn(CirrusVc(network, a.Port, "vc-a", "8:4"));
        using var vcB = NodeProcess.Spawn(CirrusVc(network, b.Port, "vc-b", "12:4"));
        ulong joinEpoch = CurrentEpoch(genesisTime);
        try
        {
            var clients = new[] { lsHttp, a.Http, b.Http };
            bool done = await Eventually(async () =>
            {
                var heads = new List<(Bytes32 Head, ulong Slot, Checkpoint J, Checkpoint F)>();
                foreach (var h in clients) heads.Add(await HeadOf(h));
                return heads.All(h => h.F.Epoch >= joinEpoch + 2) && heads.Select(h => h.Head).Distinct().Count() == 1
                    && heads.Select(h => h.F).Distinct().Count() == 1;
            }, TimeSpan.FromSeconds(7 * SlotsPerEpoch * SecondsPerSlot), 1000);
            foreach (var h in clients) log.WriteLine($"{h.BaseAddress}: {await HeadOf(h)}");
            Assert.True(done, "finality did not advance two epochs past the join with every node on one head");
            Assert.Contains("range sync", a.Output);
            await CheckParticipation(a.Http, config);
            // before our probes below: Lodestar logs a 404 for an empty slot as an error
            CheckLodestarLog(ls.Output);
            // a mixed mesh: every node's chain holds blocks proposed through each of the three nodes
            await CheckProposersFromEveryGroup(lsHttp, config, [(0, 7), (8, 11), (12, 15)]);
            await CheckProposersFromEveryGroup(a.Http, config, [(0, 7), (8, 11), (12, 15)]);
        }
        finally
        {
            log.WriteLine("---- Lodestar ----\n" + Tail(L.Ansi().Replace(ls.Output, ""), 20000));
            log.WriteLine("---- node a ----\n" + a.Output);
        }
    }

    [Fact]
    public async Task LodestarJoinsACirrusChainSyncsFromItAndFinalizesWithIt()
    {
        string lodestar = L.Lodestar();
        var spec = await L.LodestarPackagedSpecAsync();
        string network = Path.Combine(_dir, "network");
        var config = L.WriteNetworkDir(network, spec, "cirrus-chain");
        ulong genesisTime = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 15;
        var genesis = InteropGenesis.CreateGenesisState(config, 16, genesisTime);
        string genesisFile = Path.Combine(network, "genesis.ssz");
        File.WriteAllBytes(genesisFile, config.Schema.Serialize(genesis));

        using var node = await NodeProcess.StartAsync(["beacon-node", "--network-dir", network, "--data-dir", Path.Combine(_dir, "node"), "--rest-port", "0",
            "--p2p-address", "127.0.0.1", "--p2p-port", "0"]);
        using var vc = NodeProcess.Spawn(CirrusVc(network, node.Port, "vc", "0:8"));
        string enr = await Enr(node.Http);

        await WaitUntilSlot(genesisTime, 2 * SlotsPerEpoch + 2);
        int rest = NodeProcess.FreePort(), p2p = NodeProcess.FreePort();
        using var ls = ExternalProcess.Start(lodestar, LodestarDev(Path.Combine(_dir, "lodestar"), rest, p2p,
            "--genesisStateFile", genesisFile, "--startValidators", "8..15", "--bootnodes", enr), L.InstallDir());
        using var lsHttp = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{rest}"), Timeout = TimeSpan.FromSeconds(30) };
        ulong joinEpoch = CurrentEpoch(genesisTime);
        try
        {
            bool done = await Eventually(async () =>
            {
                var ours = await HeadOf(node.Http);
                var theirs = await HeadOf(lsHttp);
                return ours.Head == theirs.Head && ours.Finalized.Equals(theirs.Finalized) && ours.Finalized.Epoch >= joinEpoch + 2;
            }, TimeSpan.FromSeconds(7 * SlotsPerEpoch * SecondsPerSlot), 1000);
            log.WriteLine($"ours: {await HeadOf(node.Http)}; Lodestar: {await HeadOf(lsHttp)}");
            Assert.True(done, "Lodestar did not sync and finalize two epochs past its join on our head");
            await CheckParticipation(node.Http, config);
            CheckLodestarLog(ls.Output);
            await CheckProposersFromEveryGroup(node.Http, config, [(0, 7), (8, 15)]);
        }
        finally
        {
            log.WriteLine("---- Lodestar ----\n" + Tail(L.Ansi().Replace(ls.Output, ""), 20000));
            log.WriteLine("---- our node ----\n" + node.Output);
        }
    }

    private static string Tail(string text, int chars) => text.Length <= chars ? text : text[^chars..];

    private static ulong CurrentEpoch(ulong genesisTime) =>
        ((ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds() - genesisTime) / SecondsPerSlot / SlotsPerEpoch;

    private static async Task WaitUntilSlot(ulong genesisTime, ulong slot)
    {
        var at = DateTimeOffset.FromUnixTimeSeconds((long)(genesisTime + slot * SecondsPerSlot));
        var wait = at - DateTimeOffset.UtcNow;
        Assert.True(wait < TimeSpan.FromMinutes(2));
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
    }

    private static async Task<byte[]> SszAsync(HttpClient http, string path)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, path);
        req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/octet-stream"));
        using var resp = await http.SendAsync(req);
        Assert.True(resp.IsSuccessStatusCode, $"{path}: {(int)resp.StatusCode}");
        return await resp.Content.ReadAsByteArrayAsync();
    }

    /// <summary>The previous epoch's target votes hold at least 95 % of the stake, read from the head state.</summary>
    private async Task CheckParticipation(HttpClient http, ChainConfig config)
    {
        var state = config.Schema.Deserialize<BeaconState>(await SszAsync(http, "/eth/v1/debug/beacon/states/head"));
        var summary = new EpochSummary(new CachedBeaconState(config, state));
        double participation = (double)summary.PrevTargetBalance / summary.TotalActiveBalance;
        log.WriteLine($"head slot {state.Slot}: previous-epoch target participation {participation:P1}");
        Assert.True(participation >= 0.95, $"previous-epoch target participation {participation:P1}");
    }

    /// <summary>The canonical chain holds a block proposed by a validator of each group (each group runs on its own node).</summary>
    private static async Task CheckProposersFromEveryGroup(HttpClient http, ChainConfig config, (ulong First, ulong Last)[] groups)
    {
        var head = await HeadOf(http);
        var seen = new bool[groups.Length];
        for (ulong slot = 1; slot <= head.Slot && seen.Any(s => !s); slot++)
        {
            using var r = await http.GetAsync($"/eth/v1/beacon/headers/{slot}");
            if (!r.IsSuccessStatusCode) continue;
            using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
            ulong proposer = U(doc.RootElement.GetProperty("data").GetProperty("header").GetProperty("message"), "proposer_index");
            for (int g = 0; g < groups.Length; g++)
                if (proposer >= groups[g].First && proposer <= groups[g].Last) seen[g] = true;
        }
        for (int g = 0; g < groups.Length; g++)
            Assert.True(seen[g], $"{http.BaseAddress}: no block proposed by validators {groups[g].First}..{groups[g].Last}");
    }

    private static void CheckLodestarLog(string output)
    {
        var lines = L.Ansi().Replace(output, "").Split('\n');
        // Lodestar logs a peer it could not use, or a block or message it rejected, as an error. Its own validator
        // client asking for duties before its node has synced from us is expected, and said so ("Node is syncing").
        var errors = lines.Where(l => l.Contains(" error:", StringComparison.Ordinal)
            && !l.Contains("discv5 has no boot enr", StringComparison.Ordinal) && !l.Contains("Node is syncing", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, "errors in Lodestar's log:\n" + string.Join("\n", errors.Take(20)));
    }
}

/// <summary>Lodestar tests run one at a time: each runs a Node.js client beside ours on two cores.</summary>
[CollectionDefinition(Name)]
public sealed class LodestarCollection
{
    public const string Name = "lodestar";
}
