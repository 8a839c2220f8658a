using System.Net;
using System.Text;
using System.Text.Json;
using Cirrus.Node.Monitoring;

namespace Cirrus.Api.Tests;

/// <summary>What the operator features add to the API: validator/liveness, the status page and its JSON.</summary>
public class OperatorApiTests(InteropApiFixture f) : IClassFixture<InteropApiFixture>
{
    private async Task<(int Code, JsonElement Body)> PostLiveness(string epoch, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var r = await f.Http.PostAsync($"/eth/v1/validator/liveness/{epoch}", content);
        return ((int)r.StatusCode, JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task LivenessSaysWhoProposedOrAttestedInTheEpoch()
    {
        // the fixture's block at slot 1 is the only sign of life so far
        ulong proposer = f.Chain.GetBlock(f.Chain.CanonicalRootAt(1)!.Value)!.Message.ProposerIndex;
        ulong other = proposer == 5 ? 6UL : 5UL;
        var live = await f.Client.GetLivenessAsync(0, [proposer, other]);
        Assert.True(live[proposer]);
        Assert.False(live[other]);
        // through the raw API too, one answer per index asked
        var (code, body) = await PostLiveness("0", $"[\"{proposer}\",\"{other}\",\"{other}\"]");
        Assert.Equal(200, code);
        Assert.Equal(2, body.GetProperty("data").GetArrayLength());
    }

    [Theory]
    [InlineData("5", "[\"1\"]")]          // a future epoch
    [InlineData("abc", "[\"1\"]")]
    [InlineData("0", "[1]")]              // indices are decimal strings
    [InlineData("0", "{}")]
    [InlineData("0", "[\"-1\"]")]
    [InlineData("0", "not json")]
    public async Task BadLivenessRequestsGet400(string epoch, string body)
    {
        var (code, err) = await PostLiveness(epoch, body);
        Assert.Equal(400, code);
        Assert.Equal(400, err.GetProperty("code").GetInt32());
        Assert.False(string.IsNullOrEmpty(err.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task StatusPageAndItsJsonDescribeTheNode()
    {
        using var page = await f.Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        string html = await page.Content.ReadAsStringAsync();
        Assert.Contains("/cirrus/v1/status", html);
        Assert.Contains("/eth/v1/events?topics=head", html);

        using var doc = JsonDocument.Parse(await f.Http.GetStringAsync("/cirrus/v1/status"));
        var s = doc.RootElement;
        Assert.Equal(f.Chain.HeadSlot, s.GetProperty("head").GetProperty("slot").GetUInt64());
        Assert.Equal(f.Chain.Head.ToString(), s.GetProperty("head").GetProperty("root").GetString());
        Assert.Equal(f.Chain.CurrentSlot, s.GetProperty("clock_slot").GetUInt64());
        Assert.Equal(f.Chain.FinalizedCheckpoint.Epoch, s.GetProperty("finalized").GetProperty("epoch").GetUInt64());
        Assert.Equal("not followed", s.GetProperty("eth1").GetProperty("status").GetString());
        Assert.False(s.GetProperty("peers").GetProperty("networking").GetBoolean());
        Assert.Equal(0, s.GetProperty("validators").GetArrayLength()); // this API has no monitor
    }

    [Fact]
    public async Task StatusSaysWhenTheNodeFollowsEth1()
    {
        var config = f.Config;
        var chain = new Cirrus.Node.BeaconChain(config, Cirrus.Consensus.Genesis.InteropGenesis.CreateGenesisState(config, 16, InteropApiFixture.GenesisTime), null);
        using var rpc = new Cirrus.Node.Eth1.NethereumEth1Rpc(new Uri("http://127.0.0.1:1"));
        // not started: it has reached no endpoint yet
        chain.Eth1 = new Cirrus.Node.Eth1.Eth1Follower(config, null, new Cirrus.Node.Eth1.Eth1FollowerOptions { Endpoints = [rpc] });
        await using var api = new BeaconApi(chain, "127.0.0.1", 0);
        await api.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{api.Port}") };
        using var doc = JsonDocument.Parse(await http.GetStringAsync("/cirrus/v1/status"));
        var eth1 = doc.RootElement.GetProperty("eth1");
        Assert.True(eth1.GetProperty("followed").GetBoolean());
        Assert.Equal("eth1 unreachable, deposits 0", eth1.GetProperty("status").GetString());
        Assert.StartsWith($"deposit contract 0x{Convert.ToHexStringLower(config.DepositContractAddress)}", eth1.GetProperty("detail").GetString());
    }

    [Fact]
    public void MonitorResolvesIndicesAndKeysFromTheHeadState()
    {
        var monitor = new ValidatorMonitor(f.Chain, _ => { });
        var state = f.Chain.GetBlockState(f.Chain.Head)!;
        monitor.AddIndex(3);
        monitor.AddPubkey(state.Validators[7].Pubkey);
        monitor.AddPubkey(Cirrus.Ssz.Bytes48.FromHex("0x" + new string('a', 96))); // not (yet) in the registry
        monitor.OnSlot();
        var v = monitor.Validators();
        Assert.Equal(3, v.Count);
        Assert.Equal([3UL, 7UL], v.Where(x => x.Index is not null).Select(x => x.Index!.Value));
        Assert.Equal(state.Validators[3].Pubkey, v[0].Pubkey);
        Assert.Equal("active_ongoing", v[0].Status);
        Assert.Equal(state.Balances[7], v[1].BalanceGwei);
        Assert.Null(v[2].Index);
    }
}
