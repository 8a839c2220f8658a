using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Api.Types;

/// <summary>
/// Every failure of a Beacon API call: node unreachable, timeout, a non-2xx answer (with the
/// node's {code, message} and per-item failures when it sent them), or a malformed answer.
/// </summary>
public sealed class BeaconApiException(string message, int? statusCode = null, IReadOnlyList<IndexedError>? failures = null, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The HTTP status, or null when no answer arrived.</summary>
    public int? StatusCode { get; } = statusCode;
    /// <summary>Per-item failures of a batch POST (empty otherwise).</summary>
    public IReadOnlyList<IndexedError> Failures { get; } = failures ?? [];
}

/// <summary>
/// A typed client of the standard eth2 Beacon API v1 (the endpoints a validator client uses, and
/// a few more for tests and tooling). Every failure surfaces as <see cref="BeaconApiException"/>;
/// only a cancellation the caller asked for surfaces as <see cref="OperationCanceledException"/>.
/// Thread-safe. The config gives the preset sizes the SSZ JSON codecs need.
/// </summary>
public sealed class BeaconApiClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Uri _base;
    private readonly SszSchema _schema;

    /// <summary>
    /// The largest answer read from a node (a hostile or broken node could send an endless one). The
    /// largest the validator client asks for is a block or a batch of validators: well below this.
    /// </summary>
    public long MaxResponseBytes { get; init; } = 64L << 20;

    public BeaconApiClient(Uri baseAddress, ChainConfig config, TimeSpan? timeout = null)
        : this(new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(30) }, baseAddress, config, ownsHttp: true)
    {
    }

    /// <summary>Uses the caller's HttpClient (not disposed here) and its base address.</summary>
    public BeaconApiClient(HttpClient http, ChainConfig config)
        : this(http, http.BaseAddress ?? throw new ArgumentException("the HttpClient has no BaseAddress", nameof(http)), config, ownsHttp: false)
    {
    }

    private BeaconApiClient(HttpClient http, Uri baseAddress, ChainConfig config, bool ownsHttp)
    {
        _http = http;
        _ownsHttp = ownsHttp;
        string b = baseAddress.ToString();
        _base = new Uri(b.EndsWith('/') ? b : b + "/");
        _schema = config.Schema;
    }

    public Uri BaseAddress => _base;

    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }

    // ---- beacon ----

    public Task<GenesisData> GetGenesisAsync(CancellationToken ct = default) => GetDataAsync<GenesisData>("eth/v1/beacon/genesis", ct);

    public Task<Fork> GetForkAsync(string stateId = "head", CancellationToken ct = default) =>
        GetDataAsync<Fork>($"eth/v1/beacon/states/{Esc(stateId)}/fork", ct);

    public async Task<Bytes32> GetStateRootAsync(string stateId = "head", CancellationToken ct = default) =>
        (await GetDataAsync<RootData>($"eth/v1/beacon/states/{Esc(stateId)}/root", ct)).Root;

    public Task<FinalityCheckpoints> GetFinalityCheckpointsAsync(string stateId = "head", CancellationToken ct = default) =>
        GetDataAsync<FinalityCheckpoints>($"eth/v1/beacon/states/{Esc(stateId)}/finality_checkpoints", ct);

    /// <summary>Ids per validators request: 0x pubkeys are long, and servers cap the request line (8 KiB on Kestrel).</summary>
    public const int MaxIdsPerRequest = 50;

    /// <summary>
    /// Validators by index or 0x pubkey (all when <paramref name="ids"/> is empty); unknown ids are
    /// left out. Many ids are asked for in several requests.
    /// </summary>
    public async Task<List<ValidatorEntry>> GetValidatorsAsync(string stateId, IEnumerable<string> ids, CancellationToken ct = default)
    {
        var list = ids.ToList();
        if (list.Count == 0) return await GetValidatorsOnceAsync(stateId, list, ct);
        var result = new List<ValidatorEntry>(list.Count);
        for (int i = 0; i < list.Count; i += MaxIdsPerRequest)
            result.AddRange(await GetValidatorsOnceAsync(stateId, list.GetRange(i, Math.Min(MaxIdsPerRequest, list.Count - i)), ct));
        return result;
    }

    private async Task<List<ValidatorEntry>> GetValidatorsOnceAsync(string stateId, List<string> ids, CancellationToken ct)
    {
        string path = $"eth/v1/beacon/states/{Esc(stateId)}/validators" + Repeated("id", ids);
        var data = await SendAsync(HttpMethod.Get, path, null, ct);
        return Parse(path, () =>
        {
            var d = Data(data);
            if (d.ValueKind != JsonValueKind.Array) throw new SszException($"expected an array, got {d.ValueKind}");
            return d.EnumerateArray().Select(e => ValidatorEntry.ReadJson(e, _schema)).ToList();
        });
    }

    public Task<List<ValidatorBalance>> GetValidatorBalancesAsync(string stateId, IEnumerable<string> ids, CancellationToken ct = default)
    {
        var list = ids.ToList();
        return GetListAsync<ValidatorBalance>($"eth/v1/beacon/states/{Esc(stateId)}/validator_balances" + Repeated("id", list), ct);
    }

    public Task<List<BeaconCommittee>> GetCommitteesAsync(string stateId, ulong? epoch = null, ulong? index = null, ulong? slot = null,
        CancellationToken ct = default) =>
        GetListAsync<BeaconCommittee>($"eth/v1/beacon/states/{Esc(stateId)}/committees"
            + Query(("epoch", epoch), ("index", index), ("slot", slot)), ct);

    public async Task<Bytes32> GetBlockRootAsync(string blockId = "head", CancellationToken ct = default) =>
        (await GetDataAsync<RootData>($"eth/v1/beacon/blocks/{Esc(blockId)}/root", ct)).Root;

    public Task<SignedBeaconBlock> GetBlockAsync(string blockId = "head", CancellationToken ct = default) =>
        GetDataAsync<SignedBeaconBlock>($"eth/v1/beacon/blocks/{Esc(blockId)}", ct);

    /// <summary>POST beacon/blocks (JSON). The node imports it or answers why not (→ exception).</summary>
    public Task PublishBlockAsync(SignedBeaconBlock block, CancellationToken ct = default) =>
        PostAsync("eth/v1/beacon/blocks", w => _schema.Get<SignedBeaconBlock>().WriteJson(w, block), ct);

    // ---- pool ----

    public Task<List<Attestation>> GetPoolAttestationsAsync(ulong? slot = null, ulong? committeeIndex = null, CancellationToken ct = default) =>
        GetListAsync<Attestation>("eth/v1/beacon/pool/attestations" + Query(("slot", slot), ("committee_index", committeeIndex)), ct);

    /// <summary>POST beacon/pool/attestations; a rejection lists the failed items in <see cref="BeaconApiException.Failures"/>.</summary>
    public Task SubmitAttestationsAsync(IEnumerable<Attestation> attestations, CancellationToken ct = default) =>
        PostAsync("eth/v1/beacon/pool/attestations", w => ApiJson.WriteList(w, _schema.Get<Attestation>(), attestations), ct);

    public Task<List<AttesterSlashing>> GetPoolAttesterSlashingsAsync(CancellationToken ct = default) =>
        GetListAsync<AttesterSlashing>("eth/v1/beacon/pool/attester_slashings", ct);

    public Task SubmitAttesterSlashingAsync(AttesterSlashing slashing, CancellationToken ct = default) =>
        PostAsync("eth/v1/beacon/pool/attester_slashings", w => _schema.Get<AttesterSlashing>().WriteJson(w, slashing), ct);

    public Task<List<ProposerSlashing>> GetPoolProposerSlashingsAsync(CancellationToken ct = default) =>
        GetListAsync<ProposerSlashing>("eth/v1/beacon/pool/proposer_slashings", ct);

    public Task SubmitProposerSlashingAsync(ProposerSlashing slashing, CancellationToken ct = default) =>
        PostAsync("eth/v1/beacon/pool/proposer_slashings", w => _schema.Get<ProposerSlashing>().WriteJson(w, slashing), ct);

    public Task<List<SignedVoluntaryExit>> GetPoolVoluntaryExitsAsync(CancellationToken ct = default) =>
        GetListAsync<SignedVoluntaryExit>("eth/v1/beacon/pool/voluntary_exits", ct);

    public Task SubmitVoluntaryExitAsync(SignedVoluntaryExit exit, CancellationToken ct = default) =>
        PostAsync("eth/v1/beacon/pool/voluntary_exits", w => _schema.Get<SignedVoluntaryExit>().WriteJson(w, exit), ct);

    // ---- validator ----

    /// <summary>POST validator/liveness/{epoch}: which of the validators the node saw attest or propose in the epoch.</summary>
    public async Task<Dictionary<ulong, bool>> GetLivenessAsync(ulong epoch, IEnumerable<ulong> indices, CancellationToken ct = default)
    {
        string path = $"eth/v1/validator/liveness/{epoch}";
        var root = await SendAsync(HttpMethod.Post, path, ApiJson.DecimalStringArray(indices), ct);
        return Parse(path, () =>
        {
            var d = Data(root);
            if (d.ValueKind != JsonValueKind.Array) throw new SszException($"expected an array, got {d.ValueKind}");
            var result = new Dictionary<ulong, bool>();
            foreach (var item in d.EnumerateArray())
            {
                var idx = ApiJson.Field(item, "index", "liveness");
                string? text = idx.ValueKind == JsonValueKind.String ? idx.GetStringOrNull() : idx.GetRawText();
                if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong i))
                    throw new SszException($"invalid validator index {idx.Describe()}");
                var live = ApiJson.Field(item, "is_live", "liveness");
                if (live.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw new SszException("is_live is not a boolean");
                result[i] = live.GetBoolean();
            }
            return result;
        });
    }

    /// <summary>POST validator/duties/attester/{epoch} with the validator indices.</summary>
    public async Task<Duties<AttesterDuty>> GetAttesterDutiesAsync(ulong epoch, IEnumerable<ulong> indices, CancellationToken ct = default)
    {
        string path = $"eth/v1/validator/duties/attester/{epoch}";
        var root = await SendAsync(HttpMethod.Post, path, ApiJson.DecimalStringArray(indices), ct);
        return Parse(path, () => ReadDuties<AttesterDuty>(root));
    }

    public async Task<Duties<ProposerDuty>> GetProposerDutiesAsync(ulong epoch, CancellationToken ct = default)
    {
        string path = $"eth/v1/validator/duties/proposer/{epoch}";
        var root = await SendAsync(HttpMethod.Get, path, null, ct);
        return Parse(path, () => ReadDuties<ProposerDuty>(root));
    }

    /// <summary>GET validator/blocks/{slot}: an unsigned block built by the node.</summary>
    public Task<BeaconBlock> ProduceBlockAsync(ulong slot, Bytes96 randaoReveal, Bytes32? graffiti = null, CancellationToken ct = default) =>
        GetDataAsync<BeaconBlock>($"eth/v1/validator/blocks/{slot}?randao_reveal={randaoReveal}"
            + (graffiti is { } g ? $"&graffiti={g}" : ""), ct);

    public Task<AttestationData> GetAttestationDataAsync(ulong slot, ulong committeeIndex, CancellationToken ct = default) =>
        GetDataAsync<AttestationData>($"eth/v1/validator/attestation_data?slot={slot}&committee_index={committeeIndex}", ct);

    public Task<Attestation> GetAggregateAttestationAsync(Bytes32 attestationDataRoot, ulong slot, CancellationToken ct = default) =>
        GetDataAsync<Attestation>($"eth/v1/validator/aggregate_attestation?attestation_data_root={attestationDataRoot}&slot={slot}", ct);

    public Task SubmitAggregateAndProofsAsync(IEnumerable<SignedAggregateAndProof> aggregates, CancellationToken ct = default) =>
        PostAsync("eth/v1/validator/aggregate_and_proofs", w => ApiJson.WriteList(w, _schema.Get<SignedAggregateAndProof>(), aggregates), ct);

    public Task SubscribeToBeaconCommitteesAsync(IEnumerable<BeaconCommitteeSubscription> subscriptions, CancellationToken ct = default) =>
        PostAsync("eth/v1/validator/beacon_committee_subscriptions",
            w => ApiJson.WriteList(w, _schema.Get<BeaconCommitteeSubscription>(), subscriptions), ct);

    // ---- node and config ----

    public Task<SyncingStatus> GetSyncingAsync(CancellationToken ct = default) => GetDataAsync<SyncingStatus>("eth/v1/node/syncing", ct);

    /// <summary>GET node/health: the status the node answered (200 ready, 206 syncing, 503 not ready); throws only when there is no answer.</summary>
    public async Task<int> GetHealthAsync(CancellationToken ct = default)
    {
        const string path = "eth/v1/node/health";
        using var req = new HttpRequestMessage(HttpMethod.Get, new Uri(_base, path));
        using var resp = await TransportAsync(req, path, ct);
        return (int)resp.StatusCode;
    }

    /// <summary>GET config/spec: the node's config values by name, as strings.</summary>
    public async Task<Dictionary<string, string>> GetSpecAsync(CancellationToken ct = default)
    {
        const string path = "eth/v1/config/spec";
        var root = await SendAsync(HttpMethod.Get, path, null, ct);
        return Parse(path, () =>
        {
            var d = Data(root);
            if (d.ValueKind != JsonValueKind.Object) throw new SszException($"expected an object, got {d.ValueKind}");
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            // a name or value whose escapes are not valid text throws InvalidOperationException
            try { foreach (var p in d.EnumerateObject()) result[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText(); }
            catch (InvalidOperationException) { throw new SszException("a config name or value is not valid text"); }
            return result;
        });
    }

    // ---- plumbing ----

    private static string Esc(string s) => Uri.EscapeDataString(s);

    /// <summary>
    /// An array parameter as ?name=a&amp;name=b: every server reads that form, while some (Lodestar 1.5.1)
    /// do not split comma lists and silently answer for none of them. Empty when there are no values.
    /// </summary>
    public static string Repeated(string name, IEnumerable<string> values)
    {
        string q = string.Join("&", values.Select(v => $"{name}={Esc(v)}"));
        return q.Length == 0 ? "" : "?" + q;
    }

    private static string Query(params (string Name, ulong? Value)[] ps)
    {
        var parts = ps.Where(p => p.Value.HasValue).Select(p => $"{p.Name}={p.Value!.Value.ToString(CultureInfo.InvariantCulture)}").ToList();
        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }

    private static JsonElement Data(JsonElement root) => ApiJson.Field(root, "data", "response");

    private Duties<T> ReadDuties<T>(JsonElement root)
    {
        Bytes32? dependent = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("dependent_root", out var dr)
            ? _schema.Get<Bytes32>().ReadJson(dr) : null;
        return new Duties<T>(dependent, ApiJson.ReadList(Data(root), _schema.Get<T>()));
    }

    private async Task<T> GetDataAsync<T>(string path, CancellationToken ct)
    {
        var root = await SendAsync(HttpMethod.Get, path, null, ct);
        return Parse(path, () => _schema.Get<T>().ReadJson(Data(root)));
    }

    private async Task<List<T>> GetListAsync<T>(string path, CancellationToken ct)
    {
        var root = await SendAsync(HttpMethod.Get, path, null, ct);
        return Parse(path, () => ApiJson.ReadList(Data(root), _schema.Get<T>()));
    }

    private Task PostAsync(string path, Action<Utf8JsonWriter> body, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, path, ApiJson.ToJsonBytes(body), ct);

    private static T Parse<T>(string path, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (Exception e) when (e is SszException or JsonException or InvalidOperationException or FormatException or OverflowException
                                      or KeyNotFoundException or ArgumentException)
        {
            throw new BeaconApiException($"{path}: malformed response: {e.Message}", 200, null, e);
        }
    }

    /// <summary>Sends the request; returns the parsed JSON body of a 2xx answer (default when empty), throws otherwise.</summary>
    private async Task<JsonElement> SendAsync(HttpMethod method, string path, byte[]? jsonBody, CancellationToken ct)
    {
        using var req = new HttpRequestMessage(method, new Uri(_base, path));
        req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (jsonBody != null)
        {
            req.Content = new ByteArrayContent(jsonBody);
            req.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        using var resp = await TransportAsync(req, path, ct);
        byte[] body;
        try
        {
            body = await ReadBoundedAsync(resp, ct);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new BeaconApiException($"{method} {path}: the answer broke off: {e.Message}", (int)resp.StatusCode, null, e);
        }
        int status = (int)resp.StatusCode;
        if (status < 200 || status > 299)
        {
            ErrorBody? err = null;
            try
            {
                using var doc = JsonDocument.Parse(body);
                err = ErrorBody.TryRead(doc.RootElement);
            }
            catch (JsonException)
            {
            }
            string detail = err?.Message ?? Snippet(body);
            throw new BeaconApiException($"{method} {path}: {status} {resp.ReasonPhrase}: {detail}", status, err?.Failures);
        }
        if (body.Length == 0) return default;
        try
        {
            using var doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new BeaconApiException($"{method} {path}: malformed JSON in the answer: {e.Message}", status, null, e);
        }
    }

    /// <summary>The body, read with <see cref="MaxResponseBytes"/> and the client's timeout as bounds.</summary>
    private async Task<byte[]> ReadBoundedAsync(HttpResponseMessage resp, CancellationToken ct)
    {
        if (resp.Content.Headers.ContentLength > MaxResponseBytes)
            throw new IOException($"the answer is {resp.Content.Headers.ContentLength} bytes, more than the {MaxResponseBytes} accepted");
        // Headers-read mode leaves the body outside HttpClient.Timeout: bound it here.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (_http.Timeout != Timeout.InfiniteTimeSpan) timeout.CancelAfter(_http.Timeout);
        await using var stream = await resp.Content.ReadAsStreamAsync(timeout.Token);
        using var ms = new MemoryStream();
        byte[] buffer = new byte[16 * 1024];
        int n;
        while ((n = await stream.ReadAsync(buffer, timeout.Token)) > 0)
        {
            if (ms.Length + n > MaxResponseBytes) throw new IOException($"the answer is longer than the {MaxResponseBytes} bytes accepted");
            ms.Write(buffer, 0, n);
        }
        return ms.ToArray();
    }

    private async Task<HttpResponseMessage> TransportAsync(HttpRequestMessage req, string path, CancellationToken ct)
    {
        try
        {
            // Headers only: the body is read with a bound (ReadBoundedAsync), never buffered whole by HttpClient.
            return await _http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new BeaconApiException($"{req.Method} {path}: no answer from {_base} within {_http.Timeout.TotalSeconds:0.#} s", null, null, e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidOperationException)
        {
            throw new BeaconApiException($"{req.Method} {path}: cannot reach the beacon node at {_base}: {e.Message}", null, null, e);
        }
    }

    private static string Snippet(byte[] body)
    {
        if (body.Length == 0) return "(no body)";
        string s = System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 200));
        return s.ReplaceLineEndings(" ");
    }
}
