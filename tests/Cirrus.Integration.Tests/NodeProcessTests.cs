using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Types;
using Cirrus.Node;
using Cirrus.Node.Tests;
using Cirrus.Ssz;
using Cirrus.Storage;
using Xunit;
using Xunit.Abstractions;
using static Cirrus.Integration.Tests.ApiHelpers;

namespace Cirrus.Integration.Tests;

/// <summary>
/// A finalizing minimal-preset chain whose slots are all in the past, and a network directory
/// (config.yaml + genesis.ssz) for `cirrus beacon-node --network-dir`.
/// </summary>
public sealed class PastChainFixture : IDisposable
{
    public const ulong LastSlot = 64;
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "cirrus-it-" + Guid.NewGuid().ToString("N"));
    public string NetworkDir => Path.Combine(Root, "network");
    public TestChainBuilder Builder { get; }
    public ChainConfig Config => Builder.Config;

    public PastChainFixture()
    {
        ulong genesis = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds() - (LastSlot + 2) * ChainConfig.Minimal.SecondsPerSlot;
        Builder = new TestChainBuilder(64, genesis).BuildTo(LastSlot, s => s % 9 == 0);
        Directory.CreateDirectory(NetworkDir);
        File.WriteAllText(Path.Combine(NetworkDir, "config.yaml"), "PRESET_BASE: minimal\nCONFIG_NAME: it-devnet\n");
        File.WriteAllBytes(Path.Combine(NetworkDir, "genesis.ssz"), Config.Schema.Serialize(Builder.Genesis));
    }

    public string DataDir(string name) => Path.Combine(Root, name);

    /// <summary>Head root and head-state finality of an uninterrupted in-process run over the given blocks.</summary>
    public (Bytes32 Head, Checkpoint Justified, Checkpoint Finalized) Reference(IEnumerable<SignedBeaconBlock> blocks)
    {
        using var chain = new BeaconChain(Config, Builder.Genesis, null);
        chain.OnTick((ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        foreach (var b in blocks) chain.ImportBlock(b);
        var s = chain.GetBlockState(chain.Head)!;
        return (chain.Head, s.CurrentJustifiedCheckpoint, s.FinalizedCheckpoint);
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public sealed class NodeProcessTests(PastChainFixture f, ITestOutputHelper log) : IClassFixture<PastChainFixture>
{
    private string[] NodeArgs(string dataDir, params string[] extra) =>
        ["beacon-node", "--network-dir", f.NetworkDir, "--data-dir", dataDir, "--rest-port", "0", .. extra];

    [Fact]
    public async Task SigkilledTenTimesDuringImportTheNodeReopensAndEndsWhereAnUninterruptedRunDoes()
    {
        var reference = f.Reference(f.Builder.Blocks);
        Assert.True(reference.Finalized.Epoch >= 2, $"the test chain should finalize (epoch {reference.Finalized.Epoch})");
        string dataDir = f.DataDir("kill");
        var rng = new Random(7);
        ulong lastHeadSlot = 0;
        int kills = 0;
        for (int round = 0; round < 30 && kills < 10; round++)
        {
            using var node = await NodeProcess.StartAsync(NodeArgs(dataDir));
            var (_, slot, _, _) = await HeadOf(node.Http);
            Assert.True(slot >= lastHeadSlot, $"round {round}: head went back from slot {lastHeadSlot} to {slot}");
            lastHeadSlot = slot;
            var pending = f.Builder.Blocks.Where(b => b.Message.Slot > slot).ToList();
            if (pending.Count < 2) break;
            // Import one block, post the rest in the background and kill the node at a random moment meanwhile.
            await PostBlock(node.Http, pending[0], f.Config);
            using var cts = new CancellationTokenSource();
            var posting = Task.Run(async () =>
            {
                foreach (var b in pending.Skip(1))
                {
                    if (cts.IsCancellationRequested) return;
                    await PostBlock(node.Http, b, f.Config);
                }
            });
            await Task.WhenAny(posting, Task.Delay(rng.Next(0, 120)));
            cts.Cancel();
            node.Kill();
            kills++;
            try { await posting; } catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TaskCanceledException) { }
            // Every kill leaves a database that opens and checks out.
            using (var store = BeaconStore.Open(Path.Combine(dataDir, "db"), f.Config.Schema))
                Assert.Empty(store.CheckConsistency(decodeValues: false));
        }
        log.WriteLine($"{kills} kills; head slot before the last start: {lastHeadSlot}");
        Assert.True(kills == 10, $"only {kills} kills happened before the import finished");

        using (var node = await NodeProcess.StartAsync(NodeArgs(dataDir)))
        {
            var (_, slot, _, _) = await HeadOf(node.Http);
            foreach (var b in f.Builder.Blocks.Where(b => b.Message.Slot > slot)) await PostBlock(node.Http, b, f.Config);
            var end = await HeadOf(node.Http);
            Assert.Equal(reference.Head, end.Head);
            Assert.Equal(reference.Justified, end.Justified);
            Assert.Equal(reference.Finalized, end.Finalized);
            Assert.Equal(0, await node.StopAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("stopped", node.Output);
        }
        using (var store = BeaconStore.Open(Path.Combine(dataDir, "db"), f.Config.Schema))
        {
            Assert.Empty(store.CheckConsistency(decodeValues: true));
            Assert.Equal(reference.Head, store.Head!.Value.Root);
        }
    }

    [Fact]
    public async Task ASecondNodeStartedFromTheFirstByCheckpointUrlReachesTheSameHeadAndFinality()
    {
        var firstPart = f.Builder.Blocks.Where(b => b.Message.Slot <= 32).ToList();
        int metricsPort = NodeProcess.FreePort();
        using var a = await NodeProcess.StartAsync(NodeArgs(f.DataDir("cp-a"), "--metrics-port", metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        foreach (var b in firstPart) await PostBlock(a.Http, b, f.Config);
        var aHead = await HeadOf(a.Http);
        Assert.True(aHead.Finalized.Epoch >= 2, $"node A finalized epoch {aHead.Finalized.Epoch}");
        // Prometheus sees the same progress.
        using (var m = new HttpClient())
        {
            string text = await m.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics");
            Assert.Contains($"cirrus_beacon_blocks_imported_total {firstPart.Count}", text);
            Assert.Contains($"cirrus_beacon_finalized_epoch {aHead.Finalized.Epoch}", text);
            // the interop names beside ours; the head-state ones are refreshed once per slot
            var headState = f.Builder.Blocks.Last(b => b.Message.Slot <= 32).Message.Slot;
            string[] want = [$"beacon_head_slot {aHead.Slot}", $"beacon_finalized_epoch {aHead.Finalized.Epoch}",
                $"beacon_current_justified_epoch {aHead.Justified.Epoch}", "beacon_current_active_validators 64",
                "beacon_processed_deposits_total 64", "beacon_reorgs_total 0", "libp2p_peers 0"];
            string last = text;
            bool all = await Eventually(async () =>
            {
                last = await m.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics");
                return want.All(w => last.Contains("\n" + w + "\n", StringComparison.Ordinal));
            }, TimeSpan.FromSeconds(20));
            Assert.True(all, $"missing {string.Join(", ", want.Where(w => !last.Contains("\n" + w + "\n", StringComparison.Ordinal)))} in\n{last}");
            Assert.Equal(headState, aHead.Slot);
            Assert.Matches(@"\nbeacon_previous_justified_epoch \d+\n", last);
            // the list's roots: the last 8 bytes of the root as a little-endian int64
            Assert.Equal((double)NodeMetrics.RootGauge(aHead.Head), Sample(last, "beacon_head_root"));
            Assert.Equal((double)NodeMetrics.RootGauge(aHead.Finalized.Root), Sample(last, "beacon_finalized_root"));
            Assert.Equal((double)NodeMetrics.RootGauge(aHead.Justified.Root), Sample(last, "beacon_current_justified_root"));
            Assert.Matches(@"\nbeacon_previous_justified_root [0-9.eE+-]+\n", last);
            Assert.Matches(@"\nprocess_cpu_seconds_total [0-9.e+-]+\n", last);
            Assert.Matches(@"\nprocess_resident_memory_bytes [1-9][0-9.e+]*\n", last);
        }

        // B has no genesis state at all: only A's finalized state and block.
        string emptyNetwork = Path.Combine(f.Root, "network-no-genesis");
        Directory.CreateDirectory(emptyNetwork);
        File.Copy(Path.Combine(f.NetworkDir, "config.yaml"), Path.Combine(emptyNetwork, "config.yaml"), overwrite: true);
        using var b2 = await NodeProcess.StartAsync(["beacon-node", "--network-dir", emptyNetwork, "--data-dir", f.DataDir("cp-b"),
            "--rest-port", "0", "--checkpoint-url", $"http://127.0.0.1:{a.Port}"]);
        Assert.Contains("checkpoint sync", b2.Output);
        var bStart = await HeadOf(b2.Http);
        Assert.Equal(aHead.Finalized.Root, bStart.Head);

        // Both get the rest of the chain (no networking yet: the harness relays blocks).
        foreach (var blk in f.Builder.Blocks.Where(x => x.Message.Slot > 32)) await PostBlock(a.Http, blk, f.Config);
        var finSlot = (await Data(b2.Http, "/eth/v1/beacon/headers/head")).GetProperty("header").GetProperty("message").GetProperty("slot").GetString();
        foreach (var blk in f.Builder.Blocks.Where(x => x.Message.Slot > ulong.Parse(finSlot!, System.Globalization.CultureInfo.InvariantCulture)))
            await PostBlock(b2.Http, blk, f.Config);
        var aEnd = await HeadOf(a.Http);
        var bEnd = await HeadOf(b2.Http);
        Assert.Equal(aEnd.Head, bEnd.Head);
        Assert.Equal(aEnd.Justified, bEnd.Justified);
        Assert.Equal(aEnd.Finalized, bEnd.Finalized);
        Assert.Equal(f.Builder.HeadRoot, bEnd.Head);
        // B never saw genesis: it says so rather than inventing it.
        using var r = await b2.Http.GetAsync("/eth/v1/beacon/states/genesis/root");
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
    }

    private static double Sample(string exposition, string name)
    {
        var m = System.Text.RegularExpressions.Regex.Match(exposition, $@"\n{name} (\S+)\n");
        Assert.True(m.Success, $"no {name} in\n{exposition}");
        return double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task ANodeRunFromAConfigFileLogsJsonAndMonitorsTheValidatorsItWasGiven()
    {
        var g = f.Builder.Genesis;
        string config = Path.Combine(f.Root, "node-config.yaml");
        string logFile = Path.Combine(f.Root, "from-config.log");
        File.WriteAllText(config, $"network-dir: {f.NetworkDir}\ndata-dir: {f.DataDir("from-config")}\nrest-port: 0\nlog-format: json\nlog-file: {logFile}\n" +
            $"validator-monitor-pubkeys: [{g.Validators[0].Pubkey}, {g.Validators[1].Pubkey}]\nno-validator-monitor-auto: true\n");
        using var node = await NodeProcess.StartAsync(["beacon-node", "--config", config]);
        foreach (var b in f.Builder.Blocks) await PostBlock(node.Http, b, f.Config);
        // the slot ticker runs the monitor: its record of the head's previous epoch is final once the clock is past
        // (epochs the head passed between two ticks while the blocks were posted are not recorded)
        ulong headEpoch = f.Builder.Blocks[^1].Message.Slot / f.Config.SlotsPerEpoch;
        JsonElement[] validators = [];
        bool monitored = await Eventually(async () =>
        {
            using var doc = JsonDocument.Parse(await node.Http.GetStringAsync("/cirrus/v1/status"));
            validators = doc.RootElement.GetProperty("validators").EnumerateArray().Select(v => v.Clone()).ToArray();
            return validators.Length == 2 && validators.All(v => v.GetProperty("last_epoch").ValueKind == JsonValueKind.Object
                && v.GetProperty("last_epoch").GetProperty("epoch").GetUInt64() == headEpoch - 1);
        }, TimeSpan.FromSeconds(40), pollMs: 1000);
        Assert.True(monitored, $"no record of epoch {headEpoch - 1} for the monitored validators:\n" + string.Join("\n", validators) + "\n" + node.Output);
        Assert.Equal([0UL, 1UL], validators.Select(v => v.GetProperty("index").GetUInt64()));
        Assert.All(validators, v => Assert.True(v.GetProperty("last_epoch").GetProperty("active").GetBoolean()));
        Assert.Equal(0, await node.StopAsync(TimeSpan.FromSeconds(30)));
        // every line is a JSON entry; the monitor's is among them
        var entries = node.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.All(entries, e => Assert.Equal("cirrus.beacon-node", e.GetProperty("category").GetString()));
        Assert.Contains(entries, e => e.GetProperty("message").GetString()!.StartsWith($"validator monitor: epoch {headEpoch - 1}: 2 validator(s), 2 active", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.GetProperty("message").GetString() == "validator monitor: following 2 validator(s) by public key");
        // --log-file got the same lines as the console
        Assert.Equal(node.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), File.ReadAllLines(logFile));
    }

    [Fact]
    public async Task BadStartsFailWithOneClearLine()
    {
        var cases = new (string[] Args, string Expect)[]
        {
            (["beacon-node", "--network", "nope"], "unknown network"),
            (["beacon-node", "--network", "minimal", "--network-dir", f.NetworkDir], "exactly one"),
            (["beacon-node", "--network-dir", f.NetworkDir, "--rest-port", "70000"], "not a port"),
            (["beacon-node", "--network-dir", f.NetworkDir, "--checkpoint-state", "x.ssz"], "go together"),
            (["beacon-node", "--network", "medalla", "--data-dir", f.DataDir("medalla")], "no genesis state"),
            (["beacon-node", "--network-dir", f.NetworkDir, "--data-dir", f.DataDir("badcp"), "--checkpoint-url", "http://127.0.0.1:1"], "error:"),
        };
        foreach (var (args, expect) in cases)
        {
            var (code, output) = await NodeProcess.RunToExitAsync(args, TimeSpan.FromSeconds(60));
            Assert.True(code is 1 or 2, $"{string.Join(' ', args)}: exit {code}\n{output}");
            Assert.Contains(expect, output);
            Assert.DoesNotContain("   at ", output); // no stack trace
        }
    }
}
