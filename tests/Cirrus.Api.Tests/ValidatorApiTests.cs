using System.Net;
using System.Text;
using System.Text.Json;
using Cirrus.Api.Types;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Types;
using Cirrus.Crypto;
using Cirrus.Node;
using Cirrus.Ssz;

namespace Cirrus.Api.Tests;

/// <summary>An API over a 64-validator interop chain that checks signatures; the clock at slot 2, a block at slot 1.</summary>
public sealed class InteropApiFixture : IAsyncLifetime
{
    public const ulong GenesisTime = 1_600_000_000;
    public ChainConfig Config { get; } = Networks.Preset("minimal")!;
    public BeaconChain Chain { get; private set; } = null!;
    public BeaconApi Api { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public BeaconApiClient Client { get; private set; } = null!;
    public BlsSecretKey[] Keys { get; } = new BlsSecretKey[64];

    public Bytes32 Domain(Bytes4 type, ulong epoch) => BeaconStateAccessors.GetDomain(Config, Chain.GenesisState!, type, epoch);
    public Bytes96 Sign(ulong v, Bytes32 root) => Bytes96.FromSpan(Keys[v].Sign(root.AsSpan()).ToBytes());

    public async Task InitializeAsync()
    {
        Parallel.For(0, Keys.Length, i => Keys[i] = InteropGenesis.SecretKey((ulong)i));
        Chain = new BeaconChain(Config, InteropGenesis.CreateGenesisState(Config, Keys.Length, GenesisTime), new BlsSignatureVerifier());
        Api = new BeaconApi(Chain, "127.0.0.1", 0);
        await Api.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Api.Port}"), Timeout = TimeSpan.FromSeconds(30) };
        Client = new BeaconApiClient(Http, Config);
        Chain.OnTick(GenesisTime + Config.SecondsPerSlot);
        var proposer = (await Client.GetProposerDutiesAsync(0)).Items.Single(d => d.Slot == 1).ValidatorIndex;
        var reveal = Sign(proposer, Misc.ComputeSigningRoot(Config, Misc.EpochRoot(0), Domain(Config.DomainRandao, 0)));
        var block = await Client.ProduceBlockAsync(1, reveal);
        await Client.PublishBlockAsync(new SignedBeaconBlock
        {
            Message = block,
            Signature = Sign(proposer, Misc.ComputeSigningRoot(Config, block, Domain(Config.DomainBeaconProposer, 0))),
        });
        Chain.OnTick(GenesisTime + 2 * Config.SecondsPerSlot);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        Http.Dispose();
        await Api.DisposeAsync();
        foreach (var k in Keys) k?.Dispose();
    }
}

public class ValidatorApiTests(InteropApiFixture f) : IClassFixture<InteropApiFixture>
{
    private async Task<(int Status, JsonElement Body)> Send(HttpMethod method, string path, string? json = null)
    {
        using var req = new HttpRequestMessage(method, path);
        if (json != null) req.Content = new StringContent(json, Encoding.UTF8, "application/json");
        using var r = await f.Http.SendAsync(req);
        string body = await r.Content.ReadAsStringAsync();
        return ((int)r.StatusCode, body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone());
    }

    [Theory]
    [InlineData("GET", "/eth/v1/validator/duties/proposer/abc", null, 400)]
    [InlineData("GET", "/eth/v1/validator/duties/proposer/5", null, 400)]
    [InlineData("POST", "/eth/v1/validator/duties/attester/0", "{\"not\":\"an array\"}", 400)]
    [InlineData("POST", "/eth/v1/validator/duties/attester/0", "[\"x\"]", 400)]
    [InlineData("POST", "/eth/v1/validator/duties/attester/0", "[\"64\"]", 400)]
    [InlineData("POST", "/eth/v1/validator/duties/attester/0", "[1,", 400)]
    [InlineData("POST", "/eth/v1/validator/duties/attester/9", "[\"1\"]", 400)]
    [InlineData("GET", "/eth/v1/validator/duties/attester/0?index=zz", null, 400)]
    [InlineData("GET", "/eth/v1/validator/blocks/2", null, 400)]
    [InlineData("GET", "/eth/v1/validator/blocks/2?randao_reveal=0x1234", null, 400)]
    [InlineData("GET", "/eth/v1/validator/blocks/1?randao_reveal=0x" + Zero96, null, 400)]
    [InlineData("GET", "/eth/v1/validator/blocks/99?randao_reveal=0x" + Zero96, null, 400)]
    [InlineData("GET", "/eth/v1/validator/blocks/18446744073709551615?randao_reveal=0x" + Zero96, null, 400)]
    [InlineData("GET", "/eth/v1/validator/blocks/2?randao_reveal=0x" + Zero96 + "&graffiti=0x12", null, 400)]
    [InlineData("GET", "/eth/v1/validator/attestation_data?slot=1", null, 400)]
    [InlineData("GET", "/eth/v1/validator/attestation_data?slot=1&committee_index=7", null, 400)]
    [InlineData("GET", "/eth/v1/validator/attestation_data?slot=50&committee_index=0", null, 400)]
    [InlineData("GET", "/eth/v1/validator/attestation_data?slot=-1&committee_index=0", null, 400)]
    [InlineData("GET", "/eth/v1/validator/aggregate_attestation?slot=1", null, 400)]
    [InlineData("GET", "/eth/v1/validator/aggregate_attestation?slot=1&attestation_data_root=0x" + Zero32, null, 404)]
    [InlineData("POST", "/eth/v1/validator/aggregate_and_proofs", "[{}]", 400)]
    [InlineData("POST", "/eth/v1/validator/aggregate_and_proofs", "", 400)]
    [InlineData("POST", "/eth/v1/validator/beacon_committee_subscriptions", "[{\"validator_index\":\"1\"}]", 400)]
    [InlineData("POST", "/eth/v1/validator/beacon_committee_subscriptions",
        "[{\"validator_index\":\"1\",\"committee_index\":\"5\",\"committees_at_slot\":\"2\",\"slot\":\"2\",\"is_aggregator\":false}]", 400)]
    [InlineData("POST", "/eth/v1/validator/beacon_committee_subscriptions",
        "[{\"validator_index\":\"99\",\"committee_index\":\"0\",\"committees_at_slot\":\"2\",\"slot\":\"2\",\"is_aggregator\":false}]", 400)]
    [InlineData("GET", "/eth/v1/beacon/states/head/committees?epoch=7", null, 400)]
    [InlineData("GET", "/eth/v1/beacon/states/head/committees?slot=30", null, 400)]
    [InlineData("GET", "/eth/v1/beacon/states/head/committees?index=9", null, 400)]
    [InlineData("GET", "/eth/v1/beacon/states/0x" + Zero32 + "/committees", null, 404)]
    [InlineData("POST", "/eth/v1/beacon/pool/attestations", "{}", 400)]
    [InlineData("POST", "/eth/v1/beacon/pool/proposer_slashings", "{}", 400)]
    [InlineData("POST", "/eth/v1/beacon/pool/attester_slashings", "[]", 400)]
    [InlineData("POST", "/eth/v1/beacon/pool/voluntary_exits",
        "{\"message\":{\"epoch\":\"0\",\"validator_index\":\"1\"},\"signature\":\"0x" + Zero96 + "\"}", 400)]
    [InlineData("GET", "/eth/v1/beacon/pool/attestations?slot=x", null, 400)]
    [InlineData("GET", "/eth/v1/validator/duties/proposer/18446744073709551615", null, 400)]
    [InlineData("POST", "/eth/v1/validator/duties/attester/18446744073709551615", "[\"1\"]", 400)]
    [InlineData("GET", "/eth/v1/beacon/states/head/committees?epoch=18446744073709551615", null, 400)]
    [InlineData("GET", "/eth/v1/validator/attestation_data?slot=18446744073709551615&committee_index=0", null, 400)]
    [InlineData("GET", "/eth/v1/validator/attestation_data?slot=1&committee_index=18446744073709551616", null, 400)]
    [InlineData("POST", "/eth/v1/validator/beacon_committee_subscriptions",
        "[{\"validator_index\":\"1\",\"committee_index\":\"0\",\"committees_at_slot\":\"2\",\"slot\":\"18446744073709551615\",\"is_aggregator\":false}]", 400)]
    [InlineData("POST", "/eth/v1/beacon/pool/attestations",
        "[{\"aggregation_bits\":\"0x01\",\"data\":{\"slot\":\"18446744073709551615\",\"index\":\"0\",\"beacon_block_root\":\"0x"+Zero32+"\",\"source\":{\"epoch\":\"0\",\"root\":\"0x"+Zero32+"\"},\"target\":{\"epoch\":\"0\",\"root\":\"0x"+Zero32+"\"}},\"signature\":\"0x"+Zero96+"\"}]", 400)]
    public async Task BadRequestsGetClientErrorsWithCodeAndMessage(string method, string path, string? body, int status)
    {
        var (code, json) = await Send(new HttpMethod(method), path, body);
        Assert.Equal(status, code);
        Assert.Equal(status, json.GetProperty("code").GetInt32());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("message").GetString()));
    }

    private const string Zero32 = "0000000000000000000000000000000000000000000000000000000000000000";
    private const string Zero96 = Zero32 + Zero32 + Zero32;

    [Fact]
    public async Task ManyValidatorIdsAreAskedForInChunks()
    {
        var ids = f.Keys.Select(k => "0x" + Convert.ToHexStringLower(k.PublicKey.ToBytes())).Concat(Enumerable.Range(0, 64).Select(i => i.ToString())).ToList();
        Assert.True(ids.Count > 2 * BeaconApiClient.MaxIdsPerRequest);
        var entries = await f.Client.GetValidatorsAsync("head", ids);
        Assert.Equal(128, entries.Count);
        Assert.Equal(Enumerable.Range(0, 64).Select(i => (ulong)i), entries.Take(64).Select(e => e.Index));
    }

    [Fact]
    public async Task CommitteesMatchTheAttesterDuties()
    {
        var committees = await f.Client.GetCommitteesAsync("head");
        Assert.Equal(16, committees.Count); // 8 slots x 2 committees
        Assert.Equal(64, committees.SelectMany(c => c.Validators).Distinct().Count());
        var duties = await f.Client.GetAttesterDutiesAsync(0, Enumerable.Range(0, 64).Select(i => (ulong)i));
        Assert.NotNull(duties.DependentRoot);
        foreach (var d in duties.Items)
        {
            var c = committees.Single(x => x.Slot == d.Slot && x.Index == d.CommitteeIndex);
            Assert.Equal(d.ValidatorIndex, c.Validators[(int)d.ValidatorCommitteeIndex]);
            Assert.Equal((ulong)c.Validators.Count, d.CommitteeLength);
        }
        var one = await f.Client.GetCommitteesAsync("head", epoch: 1, index: 1, slot: 9);
        Assert.Equal(9UL, Assert.Single(one).Slot);
        // The late-2020 GET form gives the same duties.
        var (status, json) = await Send(HttpMethod.Get, "/eth/v1/validator/duties/attester/0?index=3,4");
        Assert.Equal(200, status);
        Assert.Equal(2, json.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task AttestationsArePooledAggregatedAndBadOnesListedAsFailures()
    {
        var data = await f.Client.GetAttestationDataAsync(2, 1);
        var committee = (await f.Client.GetCommitteesAsync("head", slot: 2, index: 1)).Single().Validators;
        var root = Misc.ComputeSigningRoot(f.Config, data, f.Domain(f.Config.DomainBeaconAttester, 0));
        Attestation Single(int position, ulong signer)
        {
            var bits = new Bitlist(committee.Count);
            bits[position] = true;
            return new Attestation { AggregationBits = bits, Data = data, Signature = f.Sign(signer, root) };
        }
        var good0 = Single(0, committee[0]);
        var good1 = Single(1, committee[1]);
        var forged = Single(2, committee[0]); // position 2, someone else's key
        var e = await Assert.ThrowsAsync<BeaconApiException>(() => f.Client.SubmitAttestationsAsync([good0, forged, good1]));
        Assert.Equal(400, e.StatusCode);
        var failure = Assert.Single(e.Failures);
        Assert.Equal(1, failure.Index);
        Assert.Contains("signature", failure.Message);
        // Sent again (twice in one request): accepted once already, so taken silently; the copies are checked once.
        await f.Client.SubmitAttestationsAsync([good0, good0, good1]);
        // The good ones were pooled and aggregated.
        var agg = await f.Client.GetAggregateAttestationAsync(f.Config.Schema.HashTreeRoot(data), 2);
        Assert.Equal(2, agg.AggregationBits.PopCount());
        var pooled = await f.Client.GetPoolAttestationsAsync(slot: 2, committeeIndex: 1);
        Assert.Contains(pooled, a => a.AggregationBits.PopCount() == 2);
        // An aggregate-and-proof with a bad selection proof is refused; a good one is accepted.
        ulong aggregator = committee[0];
        var proof = f.Sign(aggregator, Misc.ComputeSigningRoot(f.Config, Misc.EpochRoot(2), f.Domain(f.Config.DomainSelectionProof, 0)));
        SignedAggregateAndProof Signed(Bytes96 selection)
        {
            var m = new AggregateAndProof { AggregatorIndex = aggregator, Aggregate = agg, SelectionProof = selection };
            return new SignedAggregateAndProof
            {
                Message = m,
                Signature = f.Sign(aggregator, Misc.ComputeSigningRoot(f.Config, m, f.Domain(f.Config.DomainAggregateAndProof, 0))),
            };
        }
        var bad = await Assert.ThrowsAsync<BeaconApiException>(() => f.Client.SubmitAggregateAndProofsAsync([Signed(f.Sign(aggregator, default))]));
        Assert.Contains("selection proof", Assert.Single(bad.Failures).Message);
        await f.Client.SubmitAggregateAndProofsAsync([Signed(proof)]);
        // Subscriptions with the right committee count are accepted and recorded.
        await f.Client.SubscribeToBeaconCommitteesAsync([new BeaconCommitteeSubscription
            { ValidatorIndex = aggregator, CommitteeIndex = 1, CommitteesAtSlot = 2, Slot = 2, IsAggregator = true }]);
        Assert.Contains(f.Api.Subscriptions.Due(2, 2), s => s.ValidatorIndex == aggregator && s.IsAggregator);
    }

    [Fact]
    public async Task SlashingsPostedThroughThePoolAreServedBack()
    {
        SignedBeaconBlockHeader Header(byte tag)
        {
            Bytes32 body = default;
            body.AsWritableSpan()[0] = tag;
            var h = new BeaconBlockHeader { Slot = 1, ProposerIndex = 11, BodyRoot = body };
            return new SignedBeaconBlockHeader { Message = h, Signature = f.Sign(11, Misc.ComputeSigningRoot(f.Config, h, f.Domain(f.Config.DomainBeaconProposer, 0))) };
        }
        var ps = new ProposerSlashing { SignedHeader1 = Header(1), SignedHeader2 = Header(2) };
        await f.Client.SubmitProposerSlashingAsync(ps);
        Assert.Contains(await f.Client.GetPoolProposerSlashingsAsync(), p => p.SignedHeader1.Message.ProposerIndex == 11);
        var forged = new ProposerSlashing { SignedHeader1 = Header(1), SignedHeader2 = Header(3) };
        forged.SignedHeader2.Signature = forged.SignedHeader1.Signature;
        var e = await Assert.ThrowsAsync<BeaconApiException>(() => f.Client.SubmitProposerSlashingAsync(forged));
        Assert.Equal(400, e.StatusCode);
        Assert.Empty(await f.Client.GetPoolAttesterSlashingsAsync());
        Assert.Empty(await f.Client.GetPoolVoluntaryExitsAsync());
    }
}
