using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using Cirrus.Validator.SlashingProtection;
using Xunit;
using Xunit.Abstractions;

namespace Cirrus.Integration.Tests;

/// <summary>The whole client as a staker runs it: node and validator-client processes over the REST API.</summary>
[Collection(LiveCollection.Name)]
public sealed partial class DevnetTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cirrus-devnet-it-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [GeneratedRegex(@"finalized epoch (\d+) reached \(previous-epoch target participation ([\d.]+)\s?%\)")]
    private static partial Regex FinalizedLine();

    [GeneratedRegex(@"all 4 nodes: finalized epoch >= (\d+), heads agree: (\w+), peers \[(\d+),(\d+),(\d+),(\d+)\]")]
    private static partial Regex NodesLine();

    [Fact]
    public async Task DevnetOfFourNodesFinalizesEpochThreeOverGossipWithFullParticipation()
    {
        // REST ports P..P+3 must be free: take four consecutive ones above a free one
        int port = NodeProcess.FreePorts(4);
        using var devnet = NodeProcess.Spawn(["devnet", "--nodes", "4", "--validators", "64", "--seconds-per-slot", "2",
            "--until-finalized", "3", "--timeout", "420", "--rest-port", port.ToString(CultureInfo.InvariantCulture), "--dir", _dir]);
        int code = await devnet.WaitForExitAsync(TimeSpan.FromMinutes(9));
        log.WriteLine(devnet.Output);
        Assert.Equal(0, code);
        var m = FinalizedLine().Match(devnet.Output);
        Assert.True(m.Success, "no final status line");
        Assert.True(ulong.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) >= 3);
        double participation = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.True(participation >= 95, $"participation {participation}%");
        Assert.Contains("devnet stopped", devnet.Output);
        // Every node finalized, saw the other three, and they agree on the head: blocks and votes crossed by gossip only.
        var n = NodesLine().Match(devnet.Output);
        Assert.True(n.Success, "no all-nodes line");
        Assert.True(ulong.Parse(n.Groups[1].Value, CultureInfo.InvariantCulture) >= 3);
        Assert.Equal("yes", n.Groups[2].Value);
        for (int g = 3; g <= 6; g++) Assert.True(int.Parse(n.Groups[g].Value, CultureInfo.InvariantCulture) >= 3, $"a node had {n.Groups[g].Value} peers");
        // Every process did its work and stopped cleanly.
        foreach (var name in new[] { "vc0", "vc1", "vc2", "vc3", "node0", "node1", "node2", "node3" })
        {
            string text = File.ReadAllText(Path.Combine(_dir, name + ".log"));
            Assert.DoesNotContain("   at ", text);
        }
    }

    [Fact]
    public async Task AValidatorClientKilledTwentyTimesSignsNothingSlashable()
    {
        var c = ChainConfig.Minimal;
        var (network, config, genesis) = TestNetworkDir.Create(_dir, "killnet", 64, 8);

        using var node = await NodeProcess.StartAsync(["beacon-node", "--network-dir", network, "--data-dir", Path.Combine(_dir, "node"), "--rest-port", "0"]);
        string url = $"http://127.0.0.1:{node.Port}";
        string[] VcArgs(string name, string range) =>
            ["validator-client", "--network-dir", network, "--beacon-node", url, "--data-dir", Path.Combine(_dir, name), "--interop-validators", range, "--no-doppelganger-protection"];
        using var steady = NodeProcess.Spawn(VcArgs("vc0", "0:32"));
        var rng = new Random(2020);
        NodeProcess? victim = null;
        var outputs = new List<string>();
        try
        {
            for (int kill = 0; kill < 20; kill++)
            {
                victim = NodeProcess.Spawn(VcArgs("vc1", "32:32"));
                await Task.Delay(rng.Next(700, 4500));
                victim.Kill();
                outputs.Add(victim.Output);
                victim.Dispose();
                victim = null;
            }
            // Then run undisturbed for two more epochs.
            victim = NodeProcess.Spawn(VcArgs("vc1", "32:32"));
            await Task.Delay(TimeSpan.FromSeconds(2 * 8 * 2 + 2));
            Assert.Equal(0, await victim.StopAsync(TimeSpan.FromSeconds(30)));
            outputs.Add(victim.Output);
        }
        finally
        {
            victim?.Dispose();
        }
        Assert.Equal(0, await steady.StopAsync(TimeSpan.FromSeconds(30)));

        // What vc1 signed, as its own slashing-protection record says.
        string file = Path.Combine(_dir, "vc1-interchange.json");
        var (code, output) = await NodeProcess.RunToExitAsync(["validator-client", "slashing-protection", "export", "--data-dir", Path.Combine(_dir, "vc1"), "--file", file], TimeSpan.FromSeconds(60));
        Assert.True(code == 0, output);
        var interchange = Interchange.Parse(File.ReadAllText(file));
        Assert.Equal(genesis.GenesisValidatorsRoot, interchange.GenesisValidatorsRoot);
        var victims = Enumerable.Range(32, 32).Select(i => genesis.Validators[i].Pubkey).ToHashSet();
        Assert.All(interchange.Data, r => Assert.Contains(r.Pubkey, victims));
        foreach (var r in interchange.Data)
        {
            foreach (var g in r.SignedBlocks.GroupBy(b => b.Slot))
                Assert.True(g.Select(b => b.SigningRoot).Distinct().Count() == 1, $"{r.Pubkey}: two blocks at slot {g.Key}");
            var atts = r.SignedAttestations.ToList();
            foreach (var g in atts.GroupBy(a => a.TargetEpoch))
                Assert.True(g.Select(a => (a.SourceEpoch, a.SigningRoot)).Distinct().Count() == 1, $"{r.Pubkey}: double vote for target {g.Key}");
            foreach (var x in atts)
                foreach (var y in atts)
                    Assert.False(x.SourceEpoch < y.SourceEpoch && y.TargetEpoch < x.TargetEpoch, $"{r.Pubkey}: surround vote {x} / {y}");
        }

        // What the chain holds from vc1's validators: every vote and block is in the record (the record was
        // durable before each signature left), and no two on-chain votes of one validator conflict.
        var byKey = interchange.Data.ToDictionary(r => r.Pubkey);
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        var headState = await GetState(http, config, "head");
        ulong headSlot = headState.Slot;
        log.WriteLine($"head slot {headSlot}, justified {headState.CurrentJustifiedCheckpoint.Epoch}, finalized {headState.FinalizedCheckpoint.Epoch}");
        var votes = new Dictionary<ulong, Dictionary<ulong, Bytes32>>(); // validator -> target epoch -> data root
        int checkedVotes = 0, checkedBlocks = 0;
        var stateCache = new Dictionary<ulong, CachedBeaconState>();
        for (ulong slot = 1; slot <= headSlot; slot++)
        {
            using var resp = await http.SendAsync(SszGet($"/eth/v1/beacon/blocks/{slot}"));
            if (resp.StatusCode == System.Net.HttpStatusCode.NotFound) continue;
            Assert.True(resp.IsSuccessStatusCode, $"block {slot}: {(int)resp.StatusCode}");
            var block = config.Schema.Deserialize<SignedBeaconBlock>(await resp.Content.ReadAsByteArrayAsync());
            var proposerKey = genesis.Validators[(int)block.Message.ProposerIndex].Pubkey;
            if (byKey.TryGetValue(proposerKey, out var rec))
            {
                Assert.Contains(rec.SignedBlocks, b => b.Slot == slot);
                checkedBlocks++;
            }
            foreach (var att in block.Message.Body.Attestations)
            {
                ulong epochStart = Misc.ComputeStartSlotAtEpoch(config, att.Data.Target.Epoch);
                if (!stateCache.TryGetValue(att.Data.Target.Epoch, out var cs))
                    stateCache[att.Data.Target.Epoch] = cs = new CachedBeaconState(config, await GetState(http, config, epochStart.ToString(CultureInfo.InvariantCulture)));
                var dataRoot = config.Schema.HashTreeRoot(att.Data);
                foreach (ulong i in BeaconStateAccessors.GetAttestingIndices(cs, att.Data, att.AggregationBits))
                {
                    if (!votes.TryGetValue(i, out var mine)) votes[i] = mine = [];
                    if (mine.TryGetValue(att.Data.Target.Epoch, out var earlier))
                        Assert.True(earlier == dataRoot, $"validator {i}: two different votes for target {att.Data.Target.Epoch} on chain");
                    mine[att.Data.Target.Epoch] = dataRoot;
                    if (i >= 32)
                    {
                        var r = byKey[genesis.Validators[(int)i].Pubkey];
                        Assert.Contains(r.SignedAttestations, a => a.TargetEpoch == att.Data.Target.Epoch && a.SourceEpoch == att.Data.Source.Epoch);
                        checkedVotes++;
                    }
                }
            }
        }
        log.WriteLine($"{checkedVotes} on-chain votes and {checkedBlocks} blocks of the killed client checked against its record");
        Assert.True(checkedVotes > 0, "the killed validator client never got a vote on chain");
        Assert.True(headState.CurrentJustifiedCheckpoint.Epoch >= 2, "the chain did not keep justifying");
        Assert.Equal(0, await node.StopAsync(TimeSpan.FromSeconds(30)));
    }

    private static HttpRequestMessage SszGet(string path)
    {
        var req = new HttpRequestMessage(HttpMethod.Get, path);
        req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/octet-stream"));
        return req;
    }

    private static async Task<BeaconState> GetState(HttpClient http, ChainConfig c, string id)
    {
        using var resp = await http.SendAsync(SszGet($"/eth/v1/debug/beacon/states/{id}"));
        Assert.True(resp.IsSuccessStatusCode, $"state {id}: {(int)resp.StatusCode} {await resp.Content.ReadAsStringAsync()}");
        return c.Schema.Deserialize<BeaconState>(await resp.Content.ReadAsByteArrayAsync());
    }
}
