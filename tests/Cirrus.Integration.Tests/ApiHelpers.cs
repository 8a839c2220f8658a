using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using Xunit;

namespace Cirrus.Integration.Tests;

/// <summary>REST calls the process tests share.</summary>
public static class ApiHelpers
{
    public static async Task PostBlock(HttpClient http, SignedBeaconBlock block, ChainConfig c)
    {
        using var content = new ByteArrayContent(c.Schema.Serialize(block));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var r = await http.PostAsync("/eth/v1/beacon/blocks", content);
        if (r.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"block at slot {block.Message.Slot}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
    }

    public static async Task<JsonElement> Data(HttpClient http, string path)
    {
        using var r = await http.GetAsync(path);
        string body = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, $"{path}: {(int)r.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("data").Clone();
    }

    public static ulong U(JsonElement e, string name) => ulong.Parse(e.GetProperty(name).GetString()!, CultureInfo.InvariantCulture);

    public static async Task<(Bytes32 Head, ulong Slot, Checkpoint Justified, Checkpoint Finalized)> HeadOf(HttpClient http)
    {
        var h = await Data(http, "/eth/v1/beacon/headers/head");
        var fc = await Data(http, "/eth/v1/beacon/states/head/finality_checkpoints");
        static Checkpoint Cp(JsonElement e) => new() { Epoch = U(e, "epoch"), Root = Bytes32.FromHex(e.GetProperty("root").GetString()!) };
        return (Bytes32.FromHex(h.GetProperty("root").GetString()!), U(h.GetProperty("header").GetProperty("message"), "slot"),
            Cp(fc.GetProperty("current_justified")), Cp(fc.GetProperty("finalized")));
    }

    /// <summary>The node's first libp2p address (with /p2p/).</summary>
    public static async Task<string> P2pAddress(HttpClient http) =>
        (await Data(http, "/eth/v1/node/identity")).GetProperty("p2p_addresses")[0].GetString()!;

    public static async Task<string> Enr(HttpClient http) => (await Data(http, "/eth/v1/node/identity")).GetProperty("enr").GetString()!;

    public static async Task<int> ConnectedPeers(HttpClient http) => (int)U(await Data(http, "/eth/v1/node/peer_count"), "connected");

    /// <summary>Polls until <paramref name="done"/> holds or the time is up; returns whether it held.</summary>
    public static async Task<bool> Eventually(Func<Task<bool>> done, TimeSpan timeout, int pollMs = 500)
    {
        var end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end)
        {
            try { if (await done()) return true; }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Xunit.Sdk.XunitException or JsonException) { }
            await Task.Delay(pollMs);
        }
        return false;
    }
}

/// <summary>A network directory for a live test chain: minimal preset, 2 s slots, an interop genesis a few seconds ahead.</summary>
public static class TestNetworkDir
{
    public static (string Network, ChainConfig Config, Cirrus.Consensus.Types.BeaconState Genesis) Create(string dir, string name, int validators, ulong genesisDelaySeconds)
    {
        string network = Path.Combine(dir, "network");
        Directory.CreateDirectory(network);
        File.WriteAllText(Path.Combine(network, "config.yaml"), $"PRESET_BASE: minimal\nCONFIG_NAME: {name}\nSECONDS_PER_SLOT: 2\n");
        var config = ChainConfig.FromYaml(File.ReadAllText(Path.Combine(network, "config.yaml")));
        ulong genesisTime = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds() + genesisDelaySeconds;
        var genesis = Cirrus.Consensus.Genesis.InteropGenesis.CreateGenesisState(config, validators, genesisTime);
        File.WriteAllBytes(Path.Combine(network, "genesis.ssz"), config.Schema.Serialize(genesis));
        return (network, config, genesis);
    }
}
