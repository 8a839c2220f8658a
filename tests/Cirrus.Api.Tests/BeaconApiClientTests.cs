using System.Net;
using System.Net.Sockets;
using System.Text;
using Cirrus.Api.Types;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Api.Tests;

/// <summary>BeaconApiClient against the real server, and every failure mode turned into BeaconApiException.</summary>
public class BeaconApiClientTests(ApiFixture f) : IClassFixture<ApiFixture>
{
    private BeaconApiClient Client() => new(new Uri($"http://127.0.0.1:{f.Api.Port}"), f.Config, TimeSpan.FromSeconds(20));

    [Fact]
    public async Task ReadsGenesisForkValidatorsSpecAndSyncing()
    {
        using var c = Client();
        var g = await c.GetGenesisAsync();
        Assert.Equal(f.Chain.GenesisState!.GenesisValidatorsRoot, g.GenesisValidatorsRoot);
        Assert.Equal(f.Chain.GenesisTime, g.GenesisTime);
        Assert.Equal(f.Config.GenesisForkVersion, g.GenesisForkVersion);
        var fork = await c.GetForkAsync("genesis");
        Assert.Equal(f.Chain.GenesisState!.Fork.CurrentVersion, fork.CurrentVersion);
        var key = f.Chain.GenesisState!.Validators[5].Pubkey;
        var vals = await c.GetValidatorsAsync("genesis", [key.ToString(), "2"]);
        Assert.Equal(2, vals.Count);
        Assert.Contains(vals, v => v.Index == 5 && v.Validator.Pubkey == key && v.Status == "active_ongoing");
        Assert.Contains(vals, v => v.Index == 2 && v.Balance == f.Chain.GenesisState!.Balances[2]);
        var balances = await c.GetValidatorBalancesAsync("genesis", ["1", "3"]);
        Assert.Equal(new ulong[] { 1, 3 }, balances.Select(b => b.Index));
        Assert.Equal(f.Chain.GenesisState!.Balances[3], balances[1].Balance);
        var spec = await c.GetSpecAsync();
        Assert.Equal("8", spec["SLOTS_PER_EPOCH"]);
        var sync = await c.GetSyncingAsync();
        Assert.True(sync.SyncDistance > 0); // the fixture's clock is 40 slots past genesis
        Assert.Equal(200, await c.GetHealthAsync());
        var fin = await c.GetFinalityCheckpointsAsync("genesis");
        Assert.Equal(0UL, fin.Finalized.Epoch);
        Assert.Equal(f.Chain.GenesisBlockRoot, await c.GetBlockRootAsync("genesis"));
    }

    [Fact]
    public async Task NotFoundBecomesBeaconApiExceptionWithTheNodesMessage()
    {
        using var c = Client();
        var e = await Assert.ThrowsAsync<BeaconApiException>(() => c.GetForkAsync("0x" + new string('1', 64)));
        Assert.Equal(404, e.StatusCode);
        Assert.Contains("not found", e.Message);
        var bad = await Assert.ThrowsAsync<BeaconApiException>(() => c.GetForkAsync("nonsense"));
        Assert.Equal(400, bad.StatusCode);
        Assert.Contains("invalid id", bad.Message);
    }

    [Fact]
    public async Task ConnectionRefusedBecomesBeaconApiException()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        using var c = new BeaconApiClient(new Uri($"http://127.0.0.1:{port}"), f.Config, TimeSpan.FromSeconds(5));
        var e = await Assert.ThrowsAsync<BeaconApiException>(() => c.GetGenesisAsync());
        Assert.Null(e.StatusCode);
        Assert.Contains("cannot reach", e.Message);
        await Assert.ThrowsAsync<BeaconApiException>(() => c.GetHealthAsync());
    }

    private sealed class CannedHandler(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct) => answer(request, ct);
    }

    private BeaconApiClient Canned(HttpStatusCode status, string body, TimeSpan? timeout = null) =>
        new(new HttpClient(new CannedHandler((_, _) => Task.FromResult(new HttpResponseMessage(status)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        })))
        { BaseAddress = new Uri("http://node.invalid/"), Timeout = timeout ?? TimeSpan.FromSeconds(5) }, f.Config);

    [Theory]
    [InlineData("{\"data\": {\"genesis_time\": \"1\"")] // truncated JSON
    [InlineData("{\"data\": {\"genesis_time\": \"x\", \"genesis_validators_root\": \"0x00\", \"genesis_fork_version\": \"0x00000000\"}}")]
    [InlineData("{\"nodata\": 1}")]
    [InlineData("[1,2,3]")]
    [InlineData("")]
    public async Task MalformedAnswersBecomeBeaconApiException(string body)
    {
        using var c = Canned(HttpStatusCode.OK, body);
        var e = await Assert.ThrowsAsync<BeaconApiException>(() => c.GetGenesisAsync());
        Assert.Contains("eth/v1/beacon/genesis", e.Message);
    }

    [Fact]
    public async Task ErrorBodyWithFailuresIsKept()
    {
        using var c = Canned(HttpStatusCode.BadRequest,
            "{\"code\":400,\"message\":\"some attestations failed\",\"failures\":[{\"index\":1,\"message\":\"bad signature\"}]}");
        var e = await Assert.ThrowsAsync<BeaconApiException>(() => c.SubmitAttestationsAsync([new Attestation(), new Attestation()]));
        Assert.Equal(400, e.StatusCode);
        Assert.Contains("some attestations failed", e.Message);
        var failure = Assert.Single(e.Failures);
        Assert.Equal(1, failure.Index);
        Assert.Equal("bad signature", failure.Message);
    }

    [Fact]
    public async Task NonJsonErrorBodyIsQuoted()
    {
        using var c = Canned(HttpStatusCode.InternalServerError, "<html>oops</html>");
        var e = await Assert.ThrowsAsync<BeaconApiException>(() => c.GetSyncingAsync());
        Assert.Equal(500, e.StatusCode);
        Assert.Contains("oops", e.Message);
    }

    [Fact]
    public async Task TimeoutBecomesBeaconApiException()
    {
        var handler = new CannedHandler(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        using var c = new BeaconApiClient(new HttpClient(handler) { BaseAddress = new Uri("http://node.invalid"), Timeout = TimeSpan.FromMilliseconds(200) }, f.Config);
        var e = await Assert.ThrowsAsync<BeaconApiException>(() => c.GetGenesisAsync());
        Assert.Contains("no answer", e.Message);
    }

    [Fact]
    public void ShapesUseTheApiFieldNames()
    {
        var duty = new AttesterDuty { Pubkey = default, ValidatorIndex = 3, CommitteeIndex = 1, CommitteeLength = 4, CommitteesAtSlot = 2, ValidatorCommitteeIndex = 0, Slot = 9 };
        string json = f.Config.Schema.Get<AttesterDuty>().ToJson(duty);
        foreach (var name in new[] { "\"pubkey\"", "\"validator_index\":\"3\"", "\"committee_index\":\"1\"", "\"committee_length\":\"4\"",
                     "\"committees_at_slot\":\"2\"", "\"validator_committee_index\":\"0\"", "\"slot\":\"9\"" })
            Assert.Contains(name, json);
        var sub = new BeaconCommitteeSubscription { ValidatorIndex = 1, IsAggregator = true };
        Assert.Contains("\"is_aggregator\":true", f.Config.Schema.Get<BeaconCommitteeSubscription>().ToJson(sub));
        Assert.Throws<SszException>(() => f.Config.Schema.Get<ProposerDuty>().FromJson("{\"pubkey\":\"0x00\",\"validator_index\":\"1\",\"slot\":\"1\"}"));
    }
}
