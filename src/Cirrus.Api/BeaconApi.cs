using System.Globalization;
using System.Text.Json;
using Cirrus.Consensus.Types;
using Cirrus.Node;
using Cirrus.Node.Validation;
using Cirrus.Ssz;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cirrus.Api;

/// <summary>
/// The standard eth2 REST Beacon API (the phase0 subset built so far) on Kestrel. JSON uses the
/// spec's field names with decimal-string integers and 0x hex (the SSZ types' own JSON form);
/// SSZ answers when the client sends Accept: application/octet-stream where the API allows it.
/// Every failure is answered with {code, message}: a 4xx for the client's errors, 503 when busy,
/// and a logged 500 for anything unexpected (a corrupt database read, a bug); handlers never leak an exception.
/// </summary>
public sealed partial class BeaconApi : IAsyncDisposable
{
    public const string Version = "Cirrus/0.1.0";
    private const string SszMediaType = "application/octet-stream";
    private const int MaxBodyBytes = RequestParsers.MaxBodyBytes;
    /// <summary>Whole-state answers served at once; more get 503 rather than queueing memory.</summary>
    public const int MaxHeavyRequests = 4;
    private const int StreamChunkBytes = 64 * 1024;

    private readonly SemaphoreSlim _heavy = new(MaxHeavyRequests, MaxHeavyRequests);
    // One encoding per state object, shared by every request for it (block states are not mutated once cached).
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<BeaconState, Lazy<byte[]>> _stateJson = new();
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<BeaconState, Lazy<byte[]>> _stateSsz = new();

    private readonly WebApplication _app;
    private readonly BeaconChain _chain;
    private readonly NodeIdentity? _identity;
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>
    /// The API over <paramref name="chain"/>. Submitted attestations, aggregates and operations are
    /// checked by <paramref name="validator"/> (default: a new one over the chain); pass the node's
    /// instance so that the API and gossip share its seen caches.
    /// </summary>
    public BeaconApi(BeaconChain chain, string address, int port, NodeIdentity? identity = null, MessageValidator? validator = null)
    {
        _chain = chain;
        _identity = identity;
        MessageValidator = validator ?? new MessageValidator(chain);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            o.Limits.MaxRequestBodySize = MaxBodyBytes;
            o.Listen(System.Net.IPAddress.Parse(address), port);
        });
        _app = builder.Build();
        Map();
    }

    /// <summary>Where unexpected failures (answered 500) are reported; the node's log.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>The validator of submitted messages (shared with the network layer).</summary>
    public MessageValidator MessageValidator { get; }

    /// <summary>The port actually bound (useful with port 0).</summary>
    public int Port => new Uri(_app.Urls.First()).Port;

    public Task StartAsync() => _app.StartAsync();

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private SszSchema Schema => _chain.Config.Schema;

    private void Map()
    {
        Get("/eth/v1/beacon/genesis", _ => Data(w =>
        {
            w.WriteStartObject();
            w.WriteString("genesis_time", _chain.GenesisTime.ToString(CultureInfo.InvariantCulture));
            w.WriteString("genesis_validators_root", _chain.GenesisValidatorsRoot.ToString());
            w.WriteString("genesis_fork_version", _chain.Config.GenesisForkVersion.ToString());
            w.WriteEndObject();
        }));
        Get("/eth/v1/beacon/states/{state_id}/root", c =>
        {
            var (s, fin) = StateInfo(c);
            return Data(w => RootObject(w, Schema.HashTreeRoot(s)), top: Finality(fin));
        });
        Get("/eth/v1/beacon/states/{state_id}/fork", c =>
        {
            var (s, fin) = StateInfo(c);
            return Data(w => Schema.Get<Fork>().WriteJson(w, s.Fork), top: Finality(fin));
        });
        Get("/eth/v1/beacon/states/{state_id}/finality_checkpoints", c =>
        {
            var (s, fin) = StateInfo(c);
            var cp = Schema.Get<Checkpoint>();
            return Data(w =>
            {
                w.WriteStartObject();
                w.WritePropertyName("previous_justified");
                cp.WriteJson(w, s.PreviousJustifiedCheckpoint);
                w.WritePropertyName("current_justified");
                cp.WriteJson(w, s.CurrentJustifiedCheckpoint);
                w.WritePropertyName("finalized");
                cp.WriteJson(w, s.FinalizedCheckpoint);
                w.WriteEndObject();
            }, top: Finality(fin));
        });
        Get("/eth/v1/beacon/states/{state_id}/validators", c =>
        {
            var (s, fin) = StateInfo(c);
            var ids = QueryList(c, "id");
            var statuses = QueryList(c, "status");
            var indices = ids.Count == 0 ? Enumerable.Range(0, s.Validators.Count) : ids.Select(id => ValidatorIndex(s, id)).Where(i => i >= 0);
            return Data(w =>
            {
                w.WriteStartArray();
                foreach (int i in indices)
                {
                    string status = ValidatorStatus.Of(s.Validators[i], _chain.Config.SlotsPerEpoch, s.Slot);
                    if (statuses.Count > 0 && !statuses.Any(x => status == x || status.StartsWith(x + "_", StringComparison.Ordinal))) continue;
                    WriteValidator(w, s, i, status);
                }
                w.WriteEndArray();
            }, top: Finality(fin));
        });
        Get("/eth/v1/beacon/states/{state_id}/validators/{validator_id}", c =>
        {
            var (s, fin) = StateInfo(c);
            int i = ValidatorIndex(s, (string)c.Request.RouteValues["validator_id"]!);
            if (i < 0) throw ApiError.NotFound("validator not found");
            return Data(w => WriteValidator(w, s, i, ValidatorStatus.Of(s.Validators[i], _chain.Config.SlotsPerEpoch, s.Slot)), top: Finality(fin));
        });
        Get("/eth/v1/beacon/states/{state_id}/validator_balances", c =>
        {
            var (s, fin) = StateInfo(c);
            var ids = QueryList(c, "id");
            var indices = ids.Count == 0 ? Enumerable.Range(0, s.Validators.Count) : ids.Select(id => ValidatorIndex(s, id)).Where(i => i >= 0);
            return Data(w =>
            {
                w.WriteStartArray();
                foreach (int i in indices)
                {
                    w.WriteStartObject();
                    w.WriteString("index", i.ToString(CultureInfo.InvariantCulture));
                    w.WriteString("balance", s.Balances[i].ToString(CultureInfo.InvariantCulture));
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }, top: Finality(fin));
        });
        Get("/eth/v1/beacon/headers", _ =>
        {
            var head = _chain.Head;
            var block = _chain.GetBlock(head)!;
            return Data(w =>
            {
                w.WriteStartArray();
                WriteHeader(w, head, block);
                w.WriteEndArray();
            }, top: Finality(IsFinalizedBlock(head, block.Message.Slot)));
        });
        Get("/eth/v1/beacon/headers/{block_id}", c =>
        {
            var (root, block) = Block(c);
            return Data(w => WriteHeader(w, root, block), top: Finality(IsFinalizedBlock(root, block.Message.Slot)));
        });
        Get("/eth/v1/beacon/blocks/{block_id}", c => BlockResult(c, null));
        // v2 (Altair onwards) adds the fork name; on this phase0-only chain it is always phase0.
        Get("/eth/v2/beacon/blocks/{block_id}", c => BlockResult(c, Phase0));
        Get("/eth/v1/beacon/blocks/{block_id}/root", c =>
        {
            var (root, block) = Block(c);
            return Data(w => RootObject(w, root), top: Finality(IsFinalizedBlock(root, block.Message.Slot)));
        });
        Get("/eth/v1/beacon/blocks/{block_id}/attestations", c =>
        {
            var (root, block) = Block(c);
            var t = Schema.Get<Attestation>();
            return Data(w =>
            {
                w.WriteStartArray();
                foreach (var a in block.Message.Body.Attestations) t.WriteJson(w, a);
                w.WriteEndArray();
            }, top: Finality(IsFinalizedBlock(root, block.Message.Slot)));
        });
        _app.MapPost("/eth/v1/beacon/blocks", (RequestDelegate)(c => Handle(c, async () =>
        {
            var block = await ReadBody<SignedBeaconBlock>(c);
            try
            {
                // 202: held until its slot or its parent arrives.
                var result = _chain.SubmitBlock(block);
                // a local proposal is published once the node accepted it (imported, or held for its slot)
                Network?.PublishBlock(block);
                return result == BlockSubmitResult.Imported ? Ok() : new ApiResult(202, null, null);
            }
            catch (BlockImportException e)
            {
                throw ApiError.BadRequest(e.Message);
            }
        })));
        _app.MapGet("/eth/v1/debug/beacon/states/{state_id}", (RequestDelegate)(c => DebugState(c, null)));
        _app.MapGet("/eth/v2/debug/beacon/states/{state_id}", (RequestDelegate)(c => DebugState(c, Phase0)));
        Get("/eth/v1/debug/beacon/heads", _ => Data(w =>
        {
            w.WriteStartArray();
            foreach (var (root, slot) in _chain.Heads())
            {
                w.WriteStartObject();
                w.WriteString("root", root.ToString());
                w.WriteString("slot", slot.ToString(CultureInfo.InvariantCulture));
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }));
        Get("/eth/v1/node/version", _ => Data(w =>
        {
            w.WriteStartObject();
            w.WriteString("version", $"{Version}/{Environment.OSVersion.Platform}-{System.Runtime.InteropServices.RuntimeInformation.OSArchitecture}".ToLowerInvariant());
            w.WriteEndObject();
        }));
        // 206 while catching up with peers, as the API specifies
        Get("/eth/v1/node/health", _ => new ApiResult(CurrentSyncState().IsSyncing ? 206 : 200, null, null));
        Get("/eth/v1/node/syncing", _ => Data(w =>
        {
            var sync = CurrentSyncState();
            w.WriteStartObject();
            w.WriteString("head_slot", sync.HeadSlot.ToString(CultureInfo.InvariantCulture));
            w.WriteString("sync_distance", sync.SyncDistance.ToString(CultureInfo.InvariantCulture));
            w.WriteBoolean("is_syncing", sync.IsSyncing);
            w.WriteEndObject();
        }));
        Get("/eth/v1/config/spec", _ => Data(w =>
        {
            w.WriteStartObject();
            foreach (var (k, v) in _chain.Config.Values.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteString(k, v);
            w.WriteEndObject();
        }));
        Get("/eth/v1/config/fork_schedule", _ => Data(w =>
        {
            w.WriteStartArray();
            var v = _chain.Config.GenesisForkVersion;
            Schema.Get<Fork>().WriteJson(w, new Fork { PreviousVersion = v, CurrentVersion = v, Epoch = 0 });
            w.WriteEndArray();
        }));
        Get("/eth/v1/config/deposit_contract", _ => Data(w =>
        {
            w.WriteStartObject();
            w.WriteString("chain_id", _chain.Config.DepositChainId.ToString(CultureInfo.InvariantCulture));
            w.WriteString("address", "0x" + Convert.ToHexStringLower(_chain.Config.DepositContractAddress));
            w.WriteEndObject();
        }));
        MapNode();
        MapStatus();
        MapEvents();
        MapPool();
        MapValidator();
        _app.MapFallback((RequestDelegate)(c => Handle(c, () => throw ApiError.NotFound($"no such endpoint: {c.Request.Method} {c.Request.Path}"))));
    }

    /// <summary>An answer: a body written at once, or (<see cref="Shared"/>) a shared buffer streamed with back-pressure.</summary>
    private sealed record ApiResult(int Status, byte[]? Body, string? ContentType)
    {
        public bool Shared { get; init; }
        /// <summary>Written before and after a shared body (a JSON envelope around a shared encoding).</summary>
        public byte[]? Prefix { get; init; }
        public byte[]? Suffix { get; init; }
        /// <summary>Runs once the answer is written or abandoned (releases a heavy-request slot).</summary>
        public Action? Done { get; init; }
        /// <summary>The Eth-Consensus-Version header of a v2 answer.</summary>
        public string? Version { get; init; }
    }

    private void Get(string pattern, Func<HttpContext, ApiResult> handler) =>
        _app.MapGet(pattern, (RequestDelegate)(c => Respond(c, handler)));

    private Task Respond(HttpContext c, Func<HttpContext, ApiResult> handler) => Handle(c, () => Run(c, handler));

    private static Task<ApiResult> Run(HttpContext c, Func<HttpContext, ApiResult> handler) => Task.FromResult(handler(c));

    /// <summary>
    /// GET debug/beacon/states: the whole state, from one encoding per state shared by all requests,
    /// streamed in chunks so that a client that does not read holds no copy; at most
    /// <see cref="MaxHeavyRequests"/> at a time, the rest 503.
    /// </summary>
    private Task DebugState(HttpContext c, string? version) => Handle(c, () => DebugStateAsync(c, version));

    private Task<ApiResult> DebugStateAsync(HttpContext c, string? version)
    {
        if (!_heavy.Wait(0)) throw new ApiError(503, $"too many whole-state requests in progress (at most {MaxHeavyRequests}): try again later");
        try
        {
            var (s, fin) = StateInfo(c);
            bool ssz = WantsSsz(c);
            var cache = ssz ? _stateSsz : _stateJson;
            var encoded = cache.GetValue(s, st => new Lazy<byte[]>(() => ssz ? Schema.Serialize(st) : StateJson(st)));
            var result = new ApiResult(200, encoded.Value, ssz ? SszMediaType : "application/json") { Shared = true, Done = () => _heavy.Release(), Version = version };
            if (ssz) return Task.FromResult(result);
            // the envelope (version, finality) changes over time; the state's encoding does not
            var envelope = Data(w => w.WriteNullValue(), top: Finality(fin, version)).Body!;
            string text = System.Text.Encoding.UTF8.GetString(envelope);
            int at = text.LastIndexOf("null", StringComparison.Ordinal);
            return Task.FromResult(result with
            {
                Prefix = System.Text.Encoding.UTF8.GetBytes(text[..at]),
                Suffix = System.Text.Encoding.UTF8.GetBytes(text[(at + 4)..]),
            });
        }
        catch
        {
            _heavy.Release();
            throw;
        }
    }

    private async Task Handle(HttpContext c, Func<Task<ApiResult>> handler)
    {
        ApiResult result;
        try
        {
            result = await handler();
        }
        catch (ApiError e)
        {
            result = Error(e.Code, e.Message);
        }
        catch (SszException e)
        {
            result = Error(400, "invalid SSZ or JSON: " + e.Message);
        }
        catch (BadHttpRequestException e)
        {
            result = Error(e.StatusCode >= 400 && e.StatusCode < 500 ? e.StatusCode : 400, e.Message);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException or InvalidOperationException or JsonException)
        {
            result = Error(400, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException || !c.RequestAborted.IsCancellationRequested)
        {
            // A corrupt database read or a bug: the client still gets {code, message}, the operator a log line.
            Log?.Invoke($"REST {c.Request.Method} {c.Request.Path}: internal error: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            result = Error(500, "internal error: " + e.Message.ReplaceLineEndings(" "));
        }
        try
        {
            c.Response.StatusCode = result.Status;
            if (result.Version is not null) c.Response.Headers["Eth-Consensus-Version"] = result.Version;
            if (result.Body is null) return;
            c.Response.ContentType = result.ContentType;
            if (!result.Shared)
            {
                await c.Response.Body.WriteAsync(result.Body, c.RequestAborted);
                return;
            }
            byte[] prefix = result.Prefix ?? [], suffix = result.Suffix ?? [];
            c.Response.ContentLength = prefix.Length + result.Body.Length + suffix.Length;
            await c.Response.Body.WriteAsync(prefix, c.RequestAborted);
            // Chunks: each write waits for the client, so an unread answer holds no private copy.
            for (int at = 0; at < result.Body.Length; at += StreamChunkBytes)
                await c.Response.Body.WriteAsync(result.Body.AsMemory(at, Math.Min(StreamChunkBytes, result.Body.Length - at)), c.RequestAborted);
            await c.Response.Body.WriteAsync(suffix, c.RequestAborted);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && c.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        finally
        {
            result.Done?.Invoke();
        }
    }

    private static ApiResult Error(int code, string message)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteNumber("code", code);
            w.WriteString("message", message);
            w.WriteEndObject();
        }
        return new ApiResult(code, ms.ToArray(), "application/json");
    }

    private static ApiResult Ok() => new(200, null, null);

    private static ApiResult Ssz(byte[] bytes, string? version = null) => new(200, bytes, SszMediaType) { Version = version };

    /// <summary>{[top fields], data, [meta]}: top holds what later API versions put beside data (version, execution_optimistic, ...).</summary>
    private static ApiResult Data(Action<Utf8JsonWriter> write, Action<Utf8JsonWriter>? meta = null, Action<Utf8JsonWriter>? top = null)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            top?.Invoke(w);
            w.WritePropertyName("data");
            write(w);
            if (meta is not null)
            {
                w.WriteStartObject("meta");
                meta(w);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return new ApiResult(200, ms.ToArray(), "application/json");
    }

    private static void RootObject(Utf8JsonWriter w, Bytes32 root)
    {
        w.WriteStartObject();
        w.WriteString("root", root.ToString());
        w.WriteEndObject();
    }

    private static bool WantsSsz(HttpContext c) =>
        c.Request.Headers.Accept.Any(a => a != null && a.Contains(SszMediaType, StringComparison.OrdinalIgnoreCase));

    private async Task<T> ReadBody<T>(HttpContext c)
    {
        using var ms = new MemoryStream();
        await c.Request.Body.CopyToAsync(ms);
        string? contentType = c.Request.ContentType;
        return RequestParsers.ParseBody(Schema.Get<T>(), ms.ToArray(),
            ssz: contentType != null && contentType.StartsWith(SszMediaType, StringComparison.OrdinalIgnoreCase));
    }

    private static List<string> QueryList(HttpContext c, string name) =>
        c.Request.Query[name].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();

    private const string Phase0 = "phase0";

    private BeaconState State(HttpContext c) => StateInfo(c).State;

    /// <summary>state_id: head, genesis, finalized, justified, a slot, or a 0x state root; and whether finality covers it.</summary>
    private (BeaconState State, bool Finalized) StateInfo(HttpContext c)
    {
        string id = (string)c.Request.RouteValues["state_id"]!;
        var head = _chain.Head;
        (BeaconState? s, bool fin) = id switch
        {
            "head" => (_chain.GetBlockState(head), IsFinalizedBlock(head, _chain.GetBlock(head)?.Message.Slot ?? ulong.MaxValue)),
            "genesis" => (_chain.GenesisState, true),
            "finalized" => (_chain.GetBlockState(_chain.FinalizedCheckpoint.Root), true),
            "justified" => (_chain.GetBlockState(_chain.JustifiedCheckpoint.Root), false),
            _ when id.StartsWith("0x", StringComparison.Ordinal) => StateByRoot(ParseRoot(id)),
            // the state at a slot is the canonical chain's
            _ => (_chain.GetStateAtSlot(ParseSlot(id)) is { } st ? (st, st.Slot <= FinalizedSlot) : (null, false)),
        };
        return s is null ? throw ApiError.NotFound($"state {id} not found") : (s, fin);
    }

    private (BeaconState?, bool) StateByRoot(Bytes32 stateRoot)
    {
        if (_chain.GenesisState is { } g && Schema.HashTreeRoot(g) == stateRoot) return (g, true);
        foreach (var (root, _) in _chain.Heads())
        {
            // Walk each branch's blocks: a block's state root names its post-state.
            for (Bytes32? r = root; r != null; r = _chain.GetBlock(r.Value) is { } b && b.Message.Slot > 0 ? b.Message.ParentRoot : null)
            {
                var b = _chain.GetBlock(r.Value);
                if (b is null) break;
                if (b.Message.StateRoot == stateRoot) return (_chain.GetBlockState(r.Value), IsFinalizedBlock(r.Value, b.Message.Slot));
            }
        }
        return (null, false);
    }

    private ulong FinalizedSlot => _chain.FinalizedCheckpoint.Epoch * _chain.Config.SlotsPerEpoch;

    /// <summary>Whether the block is on the canonical chain at or below the finalized checkpoint.</summary>
    private bool IsFinalizedBlock(Bytes32 root, ulong slot) => slot <= FinalizedSlot && _chain.CanonicalRootAt(slot) == root;

    /// <summary>
    /// The fields later API versions added beside data. This node follows no execution layer, so nothing
    /// it serves is optimistic; clients that came after the merge (e.g. Lodestar 1.x) require the field.
    /// </summary>
    private static Action<Utf8JsonWriter> Finality(bool finalized, string? version = null) => w =>
    {
        if (version is not null) w.WriteString("version", version);
        w.WriteBoolean("execution_optimistic", false);
        w.WriteBoolean("finalized", finalized);
    };

    /// <summary>beacon/blocks/{block_id}, v1 (no version) and v2.</summary>
    private ApiResult BlockResult(HttpContext c, string? version)
    {
        var (root, block) = Block(c);
        if (WantsSsz(c)) return Ssz(Schema.Serialize(block), version);
        return Data(w => Schema.Get<SignedBeaconBlock>().WriteJson(w, block), top: Finality(IsFinalizedBlock(root, block.Message.Slot), version))
            with { Version = version };
    }

    private byte[] StateJson(BeaconState s)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms)) Schema.Get<BeaconState>().WriteJson(w, s);
        return ms.ToArray();
    }

    /// <summary>block_id: head, genesis, finalized, a slot, or a 0x block root.</summary>
    private (Bytes32 Root, SignedBeaconBlock Block) Block(HttpContext c)
    {
        string id = (string)c.Request.RouteValues["block_id"]!;
        Bytes32? root = id switch
        {
            "head" => _chain.Head,
            "genesis" => _chain.GenesisBlockRoot,
            "finalized" => _chain.FinalizedCheckpoint.Root,
            _ when id.StartsWith("0x", StringComparison.Ordinal) => ParseRoot(id),
            _ => SlotRoot(ParseSlot(id)),
        };
        if (root is null || _chain.GetBlock(root.Value) is not { } block) throw ApiError.NotFound($"block {id} not found");
        return (root.Value, block);
    }

    private Bytes32? SlotRoot(ulong slot)
    {
        var r = _chain.CanonicalRootAt(slot);
        // A slot without a block has no block, even though the chain has an ancestor before it.
        return r is { } root && _chain.GetBlock(root)?.Message.Slot == slot ? root : null;
    }

    private static ulong ParseSlot(string id) => RequestParsers.ParseSlot(id);

    private static Bytes32 ParseRoot(string hex) => RequestParsers.ParseRoot(hex);

    private static int ValidatorIndex(BeaconState s, string id)
    {
        var (pubkey, index) = RequestParsers.ParseValidatorId(id);
        if (pubkey is { } key)
        {
            for (int i = 0; i < s.Validators.Count; i++) if (s.Validators[i].Pubkey == key) return i;
            return -1;
        }
        return index < (ulong)s.Validators.Count ? (int)index : -1;
    }

    private void WriteValidator(Utf8JsonWriter w, BeaconState s, int i, string status)
    {
        w.WriteStartObject();
        w.WriteString("index", i.ToString(CultureInfo.InvariantCulture));
        w.WriteString("balance", s.Balances[i].ToString(CultureInfo.InvariantCulture));
        w.WriteString("status", status);
        w.WritePropertyName("validator");
        Schema.Get<Validator>().WriteJson(w, s.Validators[i]);
        w.WriteEndObject();
    }

    private void WriteHeader(Utf8JsonWriter w, Bytes32 root, SignedBeaconBlock block)
    {
        var m = block.Message;
        var header = new BeaconBlockHeader
        {
            Slot = m.Slot, ProposerIndex = m.ProposerIndex, ParentRoot = m.ParentRoot, StateRoot = m.StateRoot,
            BodyRoot = Schema.HashTreeRoot(m.Body),
        };
        w.WriteStartObject();
        w.WriteString("root", root.ToString());
        w.WriteBoolean("canonical", _chain.CanonicalRootAt(m.Slot) == root);
        w.WritePropertyName("header");
        Schema.Get<SignedBeaconBlockHeader>().WriteJson(w, new SignedBeaconBlockHeader { Message = header, Signature = block.Signature });
        w.WriteEndObject();
    }
}
