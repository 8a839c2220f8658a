using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace Cirrus.Api.Tests;

/// <summary>
/// Random requests against every endpoint: odd ids, odd query values, random and half-valid
/// bodies, wrong content types, random paths. The node may say 2xx or 4xx; never 5xx, never a
/// dropped connection, and it still answers afterwards.
/// </summary>
public class HttpFuzzTests(ApiFixture f, ITestOutputHelper log) : IClassFixture<ApiFixture>
{
    private static readonly string[] GetTemplates =
    [
        "/eth/v1/beacon/genesis",
        "/eth/v1/beacon/states/{state}/root", "/eth/v1/beacon/states/{state}/fork",
        "/eth/v1/beacon/states/{state}/finality_checkpoints", "/eth/v1/beacon/states/{state}/validators",
        "/eth/v1/beacon/states/{state}/validators/{validator}", "/eth/v1/beacon/states/{state}/validator_balances",
        "/eth/v1/beacon/states/{state}/committees",
        "/eth/v1/beacon/headers", "/eth/v1/beacon/headers/{block}", "/eth/v1/beacon/blocks/{block}",
        "/eth/v1/beacon/blocks/{block}/root", "/eth/v1/beacon/blocks/{block}/attestations",
        "/eth/v1/beacon/pool/attestations", "/eth/v1/beacon/pool/attester_slashings",
        "/eth/v1/beacon/pool/proposer_slashings", "/eth/v1/beacon/pool/voluntary_exits",
        "/eth/v1/node/identity", "/eth/v1/node/peers", "/eth/v1/node/peers/{any}", "/eth/v1/node/peer_count",
        "/eth/v1/node/version", "/eth/v1/node/syncing", "/eth/v1/node/health",
        "/eth/v1/config/spec", "/eth/v1/config/fork_schedule", "/eth/v1/config/deposit_contract",
        "/eth/v1/debug/beacon/states/{state}", "/eth/v1/debug/beacon/heads", "/eth/v1/events",
        "/eth/v1/validator/duties/attester/{num}", "/eth/v1/validator/duties/proposer/{num}",
        "/eth/v1/validator/blocks/{num}", "/eth/v1/validator/attestation_data",
        "/eth/v1/validator/aggregate_attestation",
    ];

    private static readonly string[] PostTemplates =
    [
        "/eth/v1/beacon/blocks", "/eth/v1/beacon/pool/attestations", "/eth/v1/beacon/pool/attester_slashings",
        "/eth/v1/beacon/pool/proposer_slashings", "/eth/v1/beacon/pool/voluntary_exits",
        "/eth/v1/validator/duties/attester/{num}", "/eth/v1/validator/aggregate_and_proofs",
        "/eth/v1/validator/beacon_committee_subscriptions",
    ];

    private static readonly string[] QueryNames =
        ["id", "status", "epoch", "index", "slot", "committee_index", "randao_reveal", "graffiti", "attestation_data_root", "topics", "state", "direction"];

    private static string Pick(Random r, params string[] xs) => xs[r.Next(xs.Length)];

    private static string Hex(Random r, int bytes)
    {
        var b = new byte[bytes];
        r.NextBytes(b);
        return "0x" + Convert.ToHexStringLower(b);
    }

    private static string Value(Random r) => r.Next(16) switch
    {
        0 => "head",
        1 => "genesis",
        2 => "finalized",
        3 => "justified",
        4 => r.Next(0, 100).ToString(),
        5 => ulong.MaxValue.ToString(),
        6 => "18446744073709551616",
        7 => "-1",
        8 => Hex(r, 32),
        9 => Hex(r, r.Next(0, 100)),
        10 => "0x",
        11 => "%00%ff",
        12 => new string('9', r.Next(1, 400)),
        13 => "h%C3%A9ad",
        14 => Hex(r, 48),
        _ => Pick(r, "", " ", "null", "true", "1e3", "0x0g", "head,genesis", "active_ongoing", "head%2Cblock"),
    };

    private static string Fill(Random r, string template) => template
        .Replace("{state}", Value(r)).Replace("{block}", Value(r)).Replace("{validator}", Value(r))
        .Replace("{num}", Value(r)).Replace("{any}", Value(r));

    private static string Query(Random r)
    {
        int n = r.Next(0, 4);
        if (n == 0) return "";
        var parts = Enumerable.Range(0, n).Select(_ => $"{Pick(r, QueryNames)}={Value(r)}");
        return "?" + string.Join("&", parts);
    }

    private static string JsonValue(Random r, int depth) => r.Next(depth > 3 ? 4 : 8) switch
    {
        0 => $"\"{r.Next()}\"",
        1 => $"\"{Hex(r, r.Next(0, 100))}\"",
        2 => r.Next(3) == 0 ? "18446744073709551616" : r.Next().ToString(),
        3 => Pick(r, "null", "true", "\"\"", "-1", "1.5", "\"-1\""),
        4 or 5 => "[" + string.Join(",", Enumerable.Range(0, r.Next(0, 4)).Select(_ => JsonValue(r, depth + 1))) + "]",
        _ => "{" + string.Join(",", Enumerable.Range(0, r.Next(0, 5)).Select(_ =>
            $"\"{Pick(r, "message", "data", "slot", "index", "signature", "aggregation_bits", "beacon_block_root", "source", "target", "epoch", "root", "validator_index", "committee_index", "committees_at_slot", "is_aggregator", "aggregate", "selection_proof", "body", "proposer_index")}\":{JsonValue(r, depth + 1)}")) + "}",
    };

    private static HttpContent Body(Random r)
    {
        switch (r.Next(6))
        {
            case 0:
            {
                var b = new byte[r.Next(0, 3000)];
                r.NextBytes(b);
                var c = new ByteArrayContent(b);
                c.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                return c;
            }
            case 1:
                return new StringContent(new string('[', r.Next(1, 5000)), Encoding.UTF8, "application/json");
            case 2:
                return new StringContent("\"" + new string('a', r.Next(0, 100)), Encoding.UTF8, "application/json");
            case 3:
                return new StringContent(JsonValue(r, 0), Encoding.UTF8, Pick(r, "application/json", "text/plain", "application/x-www-form-urlencoded"));
            default:
                return new StringContent("[" + JsonValue(r, 1) + "]", Encoding.UTF8, "application/json");
        }
    }

    [Fact]
    public async Task RandomRequestsGetOnly2xxOr4xx()
    {
        var r = new Random(20201125);
        int n = 0;
        var statuses = new SortedDictionary<int, int>();
        for (int i = 0; i < 2500; i++)
        {
            HttpRequestMessage req;
            int kind = r.Next(10);
            if (kind < 5)
                req = new HttpRequestMessage(HttpMethod.Get, Fill(r, Pick(r, GetTemplates)) + Query(r));
            else if (kind < 9)
                req = new HttpRequestMessage(HttpMethod.Post, Fill(r, Pick(r, PostTemplates)) + Query(r)) { Content = Body(r) };
            else
            {
                var segs = Enumerable.Range(0, r.Next(1, 7)).Select(_ => Pick(r, "eth", "v1", "v2", "beacon", "states", "blocks", "validator", "node", "..", "%2e%2e", Value(r)));
                req = new HttpRequestMessage(Pick(r, "GET", "POST", "PUT", "DELETE", "PATCH") is var m ? new HttpMethod(m) : HttpMethod.Get, "/" + string.Join("/", segs) + Query(r));
                if (req.Method != HttpMethod.Get) req.Content = Body(r);
            }
            if (r.Next(4) == 0) req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/octet-stream"));
            string what = $"{req.Method} {req.RequestUri}";
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var resp = await f.Http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            int code = (int)resp.StatusCode;
            statuses[code] = statuses.GetValueOrDefault(code) + 1;
            Assert.True(code < 500, $"{what} -> {code}: {(resp.Content.Headers.ContentType?.MediaType == "text/event-stream" ? "" : await resp.Content.ReadAsStringAsync())}");
            if (code >= 400)
            {
                // Errors carry {code, message}.
                string body = await resp.Content.ReadAsStringAsync();
                if (body.Length > 0)
                {
                    using var doc = System.Text.Json.JsonDocument.Parse(body);
                    Assert.Equal(code, doc.RootElement.GetProperty("code").GetInt32());
                }
            }
            n++;
        }
        log.WriteLine($"{n} requests: " + string.Join(", ", statuses.Select(kv => $"{kv.Key}×{kv.Value}")));
        Assert.True(statuses.Keys.Any(k => k < 300), "no request succeeded: the fuzzer is not reaching the handlers");
        Assert.True(statuses.Keys.Count(k => k >= 400) >= 2);
        var health = await f.Http.GetAsync("/eth/v1/node/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
