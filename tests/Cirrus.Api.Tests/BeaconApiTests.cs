using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Types;
using Cirrus.Node;

namespace Cirrus.Api.Tests;

/// <summary>A node API on 127.0.0.1 (ephemeral port) over a minimal-preset chain from the spec vectors.</summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public ChainConfig Config { get; } = Networks.Preset("minimal")!;
    public BeaconChain Chain { get; private set; } = null!;
    public BeaconApi Api { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public string CaseDir(string name) => Path.Combine(VectorRoot(), "minimal/phase0/sanity/blocks/pyspec_tests", name);

    private static string VectorRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            string c = Path.Combine(d.FullName, "consensus-spec-tests");
            if (Directory.Exists(c)) return c;
        }
        throw new InvalidOperationException("Spec vectors are missing: run scripts/fetch-spec-tests.sh");
    }

    public async Task InitializeAsync()
    {
        var genesis = Config.Schema.Deserialize<BeaconState>(File.ReadAllBytes(Path.Combine(CaseDir("skipped_slots"), "pre.ssz")));
        Chain = new BeaconChain(Config, genesis, verifier: null);
        Chain.OnTick(genesis.GenesisTime + 40 * Config.SecondsPerSlot);
        Api = new BeaconApi(Chain, "127.0.0.1", 0);
        await Api.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Api.Port}"), Timeout = TimeSpan.FromSeconds(20) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Api.DisposeAsync();
    }
}

public class BeaconApiTests(ApiFixture f) : IClassFixture<ApiFixture>
{
    private async Task<JsonElement> GetData(string path)
    {
        var r = await f.Http.GetAsync(path);
        string body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, $"{path}: {(int)r.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("data").Clone();
    }

    [Fact]
    public async Task ImportsABlockPostedAsSszAndServesIt()
    {
        byte[] blockBytes = File.ReadAllBytes(Path.Combine(f.CaseDir("skipped_slots"), "blocks_0.ssz"));
        var block = f.Config.Schema.Deserialize<SignedBeaconBlock>(blockBytes);
        var content = new ByteArrayContent(blockBytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var post = await f.Http.PostAsync("/eth/v1/beacon/blocks", content);
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        string root = f.Config.Schema.HashTreeRoot(block.Message).ToString();
        Assert.Equal(root, (await GetData("/eth/v1/beacon/blocks/head/root")).GetProperty("root").GetString());
        Assert.Equal(block.Message.StateRoot.ToString(), (await GetData("/eth/v1/beacon/states/head/root")).GetProperty("root").GetString());
        var json = await GetData($"/eth/v1/beacon/blocks/{root}");
        Assert.Equal(block.Message.Slot.ToString(), json.GetProperty("message").GetProperty("slot").GetString());
        var header = await GetData("/eth/v1/beacon/headers/head");
        Assert.True(header.GetProperty("canonical").GetBoolean());
        // SSZ on request
        var req = new HttpRequestMessage(HttpMethod.Get, "/eth/v1/beacon/blocks/head");
        req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/octet-stream"));
        var ssz = await f.Http.SendAsync(req);
        Assert.Equal(blockBytes, await ssz.Content.ReadAsByteArrayAsync());
        // by slot, and a skipped slot has no block
        Assert.Equal(root, (await GetData($"/eth/v1/beacon/blocks/{block.Message.Slot}/root")).GetProperty("root").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await f.Http.GetAsync($"/eth/v1/beacon/blocks/{block.Message.Slot - 1}/root")).StatusCode);
        // the state of a skipped slot is served (advanced through the empty slots)
        var fin = await GetData($"/eth/v1/beacon/states/{block.Message.Slot - 1}/finality_checkpoints");
        Assert.Equal("0", fin.GetProperty("finalized").GetProperty("epoch").GetString());
        var heads = await GetData("/eth/v1/debug/beacon/heads");
        Assert.Contains(heads.EnumerateArray(), h => h.GetProperty("root").GetString() == root);
    }

    [Fact]
    public async Task RejectsAnInvalidBlockWith400()
    {
        byte[] bad = File.ReadAllBytes(Path.Combine(f.CaseDir("invalid_state_root"), "blocks_0.ssz"));
        var content = new ByteArrayContent(bad);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var r = await f.Http.PostAsync("/eth/v1/beacon/blocks", content);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var err = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(400, err.GetProperty("code").GetInt32());
        Assert.Contains("state root", err.GetProperty("message").GetString());
    }

    [Fact]
    public async Task ServesGenesisConfigNodeAndValidators()
    {
        var g = await GetData("/eth/v1/beacon/genesis");
        Assert.Equal(f.Chain.GenesisState!.GenesisValidatorsRoot.ToString(), g.GetProperty("genesis_validators_root").GetString());
        var spec = await GetData("/eth/v1/config/spec");
        Assert.Equal("8", spec.GetProperty("SLOTS_PER_EPOCH").GetString());
        await GetData("/eth/v1/config/fork_schedule");
        await GetData("/eth/v1/config/deposit_contract");
        Assert.StartsWith("cirrus/", (await GetData("/eth/v1/node/version")).GetProperty("version").GetString());
        await GetData("/eth/v1/node/syncing");
        Assert.Equal(HttpStatusCode.OK, (await f.Http.GetAsync("/eth/v1/node/health")).StatusCode);
        var vals = await GetData("/eth/v1/beacon/states/genesis/validators");
        Assert.Equal(f.Chain.GenesisState!.Validators.Count, vals.GetArrayLength());
        Assert.Equal("active_ongoing", vals[0].GetProperty("status").GetString());
        string key = f.Chain.GenesisState!.Validators[3].Pubkey.ToString();
        Assert.Equal("3", (await GetData($"/eth/v1/beacon/states/genesis/validators/{key}")).GetProperty("index").GetString());
        var bal = await GetData("/eth/v1/beacon/states/genesis/validator_balances?id=1,2");
        Assert.Equal(2, bal.GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await f.Http.GetAsync("/eth/v1/beacon/states/genesis/validators/999999")).StatusCode);
    }

    [Theory]
    [InlineData("/eth/v1/beacon/states/nonsense/root", 400)]
    [InlineData("/eth/v1/beacon/states/0x12/root", 400)]
    [InlineData("/eth/v1/beacon/states/99999999999999999999999/root", 400)]
    [InlineData("/eth/v1/beacon/blocks/0x1111111111111111111111111111111111111111111111111111111111111111", 404)]
    [InlineData("/eth/v1/beacon/states/genesis/validators/abc", 400)]
    [InlineData("/eth/v1/no/such/thing", 404)]
    public async Task BadRequestsGetJsonErrors(string path, int code)
    {
        var r = await f.Http.GetAsync(path);
        Assert.Equal(code, (int)r.StatusCode);
        var err = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(code, err.GetProperty("code").GetInt32());
        Assert.False(string.IsNullOrEmpty(err.GetProperty("message").GetString()));
    }

    /// <summary>Random paths, ids and bodies: only 2xx/4xx answers, and the node keeps serving.</summary>
}
