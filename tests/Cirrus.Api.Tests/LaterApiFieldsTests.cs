using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Cirrus.Api.Types;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Api.Tests;

/// <summary>
/// What clients written against later API versions (Lodestar 1.x) need from a phase0 node: both forms of
/// array parameters, execution_optimistic/finalized, dependent roots, v2 routes with a version, block_value,
/// and graffiti sent as text.
/// </summary>
public class LaterApiFieldsTests(InteropApiFixture f) : IClassFixture<InteropApiFixture>
{
    private const string Zero32 = "0000000000000000000000000000000000000000000000000000000000000000";

    private async Task<JsonElement> Get(string path, int status = 200)
    {
        using var r = await f.Http.GetAsync(path);
        string body = await r.Content.ReadAsStringAsync();
        Assert.True((int)r.StatusCode == status, $"{path}: {(int)r.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private string Pubkey(int i) => "0x" + Convert.ToHexStringLower(f.Keys[i].PublicKey.ToBytes());

    [Theory]
    [InlineData("validators")]
    [InlineData("validator_balances")]
    public async Task ArrayParametersAreReadAsCommaListsAndAsRepeatedParameters(string route)
    {
        string a = Pubkey(3), b = Pubkey(7);
        foreach (string q in new[] { $"id={a},{b}", $"id={a}&id={b}", $"id={a}&id=7", $"id=3,{b}" })
        {
            var data = (await Get($"/eth/v1/beacon/states/head/{route}?{q}")).GetProperty("data");
            Assert.Equal(["3", "7"], data.EnumerateArray().Select(e => e.GetProperty("index").GetString()!));
        }
        var one = (await Get($"/eth/v1/beacon/states/head/validators?id=3&status=active_ongoing&status=pending")).GetProperty("data");
        Assert.Single(one.EnumerateArray());
    }

    [Fact]
    public void TheClientSendsArraysAsRepeatedParameters()
    {
        Assert.Equal("?id=1&id=0x02", BeaconApiClient.Repeated("id", ["1", "0x02"]));
        Assert.Equal("", BeaconApiClient.Repeated("id", []));
    }

    [Theory]
    [InlineData("/eth/v1/beacon/states/head/root")]
    [InlineData("/eth/v1/beacon/states/head/fork")]
    [InlineData("/eth/v1/beacon/states/head/finality_checkpoints")]
    [InlineData("/eth/v1/beacon/states/head/validators?id=1")]
    [InlineData("/eth/v1/beacon/states/head/validators/1")]
    [InlineData("/eth/v1/beacon/states/head/validator_balances")]
    [InlineData("/eth/v1/beacon/states/head/committees")]
    [InlineData("/eth/v1/beacon/headers")]
    [InlineData("/eth/v1/beacon/headers/head")]
    [InlineData("/eth/v1/beacon/blocks/head")]
    [InlineData("/eth/v1/beacon/blocks/head/root")]
    [InlineData("/eth/v1/beacon/blocks/head/attestations")]
    [InlineData("/eth/v1/debug/beacon/states/head")]
    public async Task StateAndBlockAnswersSayTheyAreNotOptimisticAndWhetherFinalized(string path)
    {
        var root = await Get(path);
        Assert.False(root.GetProperty("execution_optimistic").GetBoolean());
        // the fixture's chain has not finalized past genesis: its head is not finalized
        Assert.False(root.GetProperty("finalized").GetBoolean());
        string atGenesis = System.Text.RegularExpressions.Regex.Replace(path, "/head(?=/|\\?|$)", "/genesis");
        if (atGenesis != path) Assert.True((await Get(atGenesis)).GetProperty("finalized").GetBoolean());
    }

    [Fact]
    public async Task DutiesCarryTheirDependentRootAndExecutionOptimistic()
    {
        var proposer = await Get("/eth/v1/validator/duties/proposer/0");
        Assert.False(proposer.GetProperty("execution_optimistic").GetBoolean());
        var genesisRoot = f.Chain.GenesisBlockRoot!.Value.ToString();
        Assert.Equal(genesisRoot, proposer.GetProperty("dependent_root").GetString());
        using var content = new StringContent("[\"1\",\"2\"]", Encoding.UTF8, "application/json");
        using var r = await f.Http.PostAsync("/eth/v1/validator/duties/attester/1", content);
        var attester = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;
        Assert.False(attester.GetProperty("execution_optimistic").GetBoolean());
        Assert.Equal(genesisRoot, attester.GetProperty("dependent_root").GetString());
    }

    [Fact]
    public async Task V2BlockAndStateRoutesNameTheForkPhase0InBodyAndHeader()
    {
        foreach (string path in new[] { "/eth/v2/beacon/blocks/head", "/eth/v2/debug/beacon/states/head" })
        {
            using var r = await f.Http.GetAsync(path);
            var body = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("phase0", body.GetProperty("version").GetString());
            Assert.Equal("phase0", r.Headers.GetValues("Eth-Consensus-Version").Single());
            Assert.False(body.GetProperty("execution_optimistic").GetBoolean());
            Assert.Equal(JsonValueKind.Object, body.GetProperty("data").ValueKind);
        }
        var v1 = await f.Client.GetBlockAsync("head");
        var v2 = f.Config.Schema.Get<SignedBeaconBlock>().ReadJson((await Get("/eth/v2/beacon/blocks/head")).GetProperty("data"));
        Assert.Equal(f.Config.Schema.HashTreeRoot(v1), f.Config.Schema.HashTreeRoot(v2));
        using var req = new HttpRequestMessage(HttpMethod.Get, "/eth/v2/debug/beacon/states/head");
        req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/octet-stream"));
        using var ssz = await f.Http.SendAsync(req);
        Assert.Equal("phase0", ssz.Headers.GetValues("Eth-Consensus-Version").Single());
        Assert.Equal(f.Chain.HeadSlot, f.Config.Schema.Deserialize<BeaconState>(await ssz.Content.ReadAsByteArrayAsync()).Slot);
    }

    private async Task<string> RevealFor(ulong slot)
    {
        ulong epoch = slot / f.Config.SlotsPerEpoch;
        ulong proposer = (await f.Client.GetProposerDutiesAsync(epoch)).Items.Single(d => d.Slot == slot).ValidatorIndex;
        return f.Sign(proposer, Misc.ComputeSigningRoot(f.Config, Misc.EpochRoot(epoch), f.Domain(f.Config.DomainRandao, epoch))).ToString();
    }

    [Theory]
    [InlineData("/eth/v1/validator/blocks/2", null)]
    [InlineData("/eth/v2/validator/blocks/2", "phase0")]
    public async Task ProducedBlocksComeWithABlockValueAndTextGraffitiIsTakenAsUtf8(string path, string? version)
    {
        string reveal = await RevealFor(2);
        var body = await Get($"{path}?randao_reveal={reveal}&graffiti=Lodestar%20%C3%A9t%C3%A9");
        Assert.Equal("0", body.GetProperty("block_value").GetString());
        if (version is null) Assert.False(body.TryGetProperty("version", out _));
        else Assert.Equal(version, body.GetProperty("version").GetString());
        var block = f.Config.Schema.Get<BeaconBlock>().ReadJson(body.GetProperty("data"));
        var want = new byte[32];
        Encoding.UTF8.GetBytes("Lodestar été").CopyTo(want, 0);
        Assert.Equal(Bytes32.FromSpan(want), block.Body.Graffiti);
    }

    [Theory]
    [InlineData(null, "")]
    [InlineData("", "")]
    [InlineData("0x" + Zero32, "")]
    [InlineData("0x6869000000000000000000000000000000000000000000000000000000000000", "hi")]
    [InlineData("hi", "hi")]
    [InlineData("0xhello", "0xhello")]
    [InlineData("a graffiti that is much longer than thirty-two bytes", "a graffiti that is much longer t")]
    public void GraffitiIsHexWhenItIsHexElseUtf8Text(string? sent, string text)
    {
        var want = new byte[32];
        Encoding.UTF8.GetBytes(text).CopyTo(want, 0);
        Assert.Equal(Bytes32.FromSpan(want), BeaconApi.ParseGraffiti(sent));
    }

    [Fact]
    public void GraffitiThatIsBrokenHexIsRefused() =>
        Assert.Equal(400, Assert.Throws<ApiError>(() => BeaconApi.ParseGraffiti("0x12")).Code);
}
