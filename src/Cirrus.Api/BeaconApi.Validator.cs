using System.Globalization;
using System.Text.Json;
using Cirrus.Api.Types;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Node;
using Cirrus.Node.Monitoring;
using Cirrus.Node.Duties;
using Cirrus.Node.Validation;
using Cirrus.Node.Production;
using Cirrus.Ssz;
using Microsoft.AspNetCore.Http;

namespace Cirrus.Api;

// validator/* and beacon/states/{state_id}/committees: what a validator client needs.
public sealed partial class BeaconApi
{
    /// <summary>Subscriptions from validator/beacon_committee_subscriptions, for the networking layer to act on.</summary>
    public CommitteeSubscriptions Subscriptions { get; } = new();

    private const int MaxDutyIndices = 1 << 16;

    private void MapValidator()
    {
        Get("/eth/v1/beacon/states/{state_id}/committees", c =>
        {
            var (st, fin) = StateInfo(c);
            var cs = NodeCall(() => new CachedBeaconState(_chain.Config, st));
            ulong stateEpoch = cs.CurrentEpoch;
            ulong epoch = QueryUInt(c, "epoch") ?? stateEpoch;
            if (epoch + 1 < stateEpoch || epoch > stateEpoch + 1)
                throw ApiError.BadRequest($"epoch {epoch} is not within one epoch of the state's epoch {stateEpoch}");
            ulong? index = QueryUInt(c, "index");
            ulong? slot = QueryUInt(c, "slot");
            ulong spe = _chain.Config.SlotsPerEpoch;
            if (slot is { } sl && sl / spe != epoch) throw ApiError.BadRequest($"slot {sl} is not in epoch {epoch}");
            var shuffling = NodeCall(() => cs.GetShuffling(epoch));
            if (index is { } ix && ix >= shuffling.CommitteesPerSlot)
                throw ApiError.BadRequest($"committee index {ix} is not below {shuffling.CommitteesPerSlot}");
            var committees = new List<BeaconCommittee>();
            for (ulong s = epoch * spe; s < (epoch + 1) * spe; s++)
            {
                if (slot is { } only && s != only) continue;
                for (ulong ci = 0; ci < shuffling.CommitteesPerSlot; ci++)
                {
                    if (index is { } onlyIndex && ci != onlyIndex) continue;
                    var members = shuffling.Committee(s, ci);
                    var list = new List<ulong>(members.Length);
                    foreach (int m in members) list.Add((ulong)m);
                    committees.Add(new BeaconCommittee { Index = ci, Slot = s, Validators = list });
                }
            }
            return Data(w => ApiJson.WriteList(w, Schema.Get<BeaconCommittee>(), committees), top: Finality(fin));
        });

        // Late-2020 clients asked with GET ?index=1,2; the v1 API settled on POST with a JSON array.
        Get("/eth/v1/validator/duties/attester/{epoch}", c =>
            AttesterDuties(RouteUInt(c, "epoch"), QueryList(c, "index").Select(ParseIndex).ToList()));
        Post("/eth/v1/validator/duties/attester/{epoch}", async c =>
        {
            ulong epoch = RouteUInt(c, "epoch");
            using var doc = await ReadJsonBody(c);
            var arr = RequireArray(doc);
            if (arr.GetArrayLength() > MaxDutyIndices) throw ApiError.BadRequest($"too many validator indices (at most {MaxDutyIndices})");
            var indices = new List<ulong>();
            foreach (var e in arr.EnumerateArray())
            {
                try { indices.Add(SszSchema.UInt64.ReadJson(e)); }
                catch (SszException) { throw ApiError.BadRequest($"invalid validator index {e.GetRawText()}"); }
            }
            return AttesterDuties(epoch, indices);
        });
        Get("/eth/v1/validator/duties/proposer/{epoch}", c =>
        {
            ulong epoch = RouteUInt(c, "epoch");
            var (dependent, duties) = NodeCall(() => ValidatorDuties.GetProposerDuties(_chain, epoch));
            var items = duties.Select(d => new ProposerDuty { Pubkey = d.Pubkey, ValidatorIndex = d.ValidatorIndex, Slot = d.Slot });
            return DutiesResult(dependent, w => ApiJson.WriteList(w, Schema.Get<ProposerDuty>(), items));
        });

        Get("/eth/v1/validator/blocks/{slot}", c => ProduceBlock(c, null));
        Get("/eth/v2/validator/blocks/{slot}", c => ProduceBlock(c, Phase0));
        Get("/eth/v1/validator/attestation_data", c =>
        {
            ulong slot = RequiredQueryUInt(c, "slot");
            ulong index = RequiredQueryUInt(c, "committee_index");
            var data = NodeCall(() => AttestationDataProducer.Produce(_chain, slot, index));
            return Data(w => Schema.Get<AttestationData>().WriteJson(w, data));
        });
        Get("/eth/v1/validator/aggregate_attestation", c =>
        {
            var root = ParseHex(c.Request.Query["attestation_data_root"], "attestation_data_root", Bytes32.FromHex);
            ulong slot = RequiredQueryUInt(c, "slot");
            var agg = _chain.Attestations.GetAggregate(root, slot)
                ?? throw ApiError.NotFound($"no attestation with data root {root} at slot {slot}");
            return Data(w => Schema.Get<Attestation>().WriteJson(w, agg));
        });
        Post("/eth/v1/validator/aggregate_and_proofs", async c =>
        {
            using var doc = await ReadJsonBody(c);
            var failures = ValidateEach<SignedAggregateAndProof>(RequireArray(doc), MessageValidator.ProcessAggregateAndProof, GossipError.AggregateAlreadySeen,
                a => Network?.PublishAggregateAndProof(a));
            return failures.Count == 0 ? Ok() : Failures("some aggregates were not accepted", failures);
        });
        Post("/eth/v1/validator/liveness/{epoch}", async c =>
        {
            // later API versions: validator clients' doppelganger protection asks whether their keys are live
            ulong epoch = RouteUInt(c, "epoch");
            ulong current = _chain.CurrentSlot / _chain.Config.SlotsPerEpoch;
            if (epoch > current || epoch + 1 < current)
                throw ApiError.BadRequest($"epoch {epoch} is not the current ({current}) or previous epoch");
            using var doc = await ReadJsonBody(c);
            var asked = new List<ulong>();
            foreach (var item in RequireArray(doc).EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String || !ulong.TryParse(item.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out ulong i))
                    throw ApiError.BadRequest($"invalid validator index {item.GetRawText()}: expected a decimal string");
                asked.Add(i);
            }
            if (asked.Count > 1 << 16) throw ApiError.BadRequest("too many validator indices (at most 65536)");
            // a node still catching up has not seen the epoch's blocks: "not live" would be a guess
            if (CurrentSyncState().IsSyncing) throw new ApiError(503, "the node is syncing: liveness is not known yet");
            var live = Liveness.LiveIn(_chain, epoch, asked.ToHashSet()) ?? throw new ApiError(503, "the head state is not available");
            return Data(w =>
            {
                w.WriteStartArray();
                foreach (ulong i in asked.Distinct())
                {
                    w.WriteStartObject();
                    w.WriteString("index", i.ToString(CultureInfo.InvariantCulture));
                    w.WriteBoolean("is_live", live.Contains(i));
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
        });
        Post("/eth/v1/validator/beacon_committee_subscriptions", async c =>
        {
            using var doc = await ReadJsonBody(c);
            var items = RequireArray(doc);
            var type = Schema.Get<BeaconCommitteeSubscription>();
            var accepted = new List<CommitteeSubscription>();
            var state = CurrentState();
            ulong now = _chain.CurrentSlot;
            int i = 0;
            foreach (var item in items.EnumerateArray())
            {
                BeaconCommitteeSubscription sub;
                try { sub = type.ReadJson(item); }
                catch (SszException e) { throw ApiError.BadRequest($"subscription {i}: {e.Message}"); }
                accepted.Add(CheckSubscription(state, now, sub, i));
                i++;
            }
            foreach (var s in accepted)
            {
                Subscriptions.Add(s);
                if (AutoMonitor) Monitor?.AddIndex(s.ValidatorIndex, auto: true); // the validator client's validators are monitored without configuration
            }
            Subscriptions.Prune(now);
            return Ok();
        });
    }

    /// <summary>validator/blocks/{slot}, v1 and v2 (which adds the fork name).</summary>
    private ApiResult ProduceBlock(HttpContext c, string? version)
    {
        ulong slot = RouteUInt(c, "slot");
        var reveal = ParseHex(c.Request.Query["randao_reveal"], "randao_reveal", Bytes96.FromHex);
        var graffiti = ParseGraffiti(c.Request.Query["graffiti"]);
        var block = NodeCall(() => BlockProducer.Produce(_chain, slot, reveal, graffiti));
        // block_value (wei paid to the proposer by an execution payload) came with the merge: none in phase0,
        // but Lodestar 1.x refuses an answer without it.
        return Data(w => Schema.Get<BeaconBlock>().WriteJson(w, block), top: w =>
        {
            if (version is not null) w.WriteString("version", version);
            w.WriteString("block_value", "0");
        }) with { Version = version };
    }

    /// <summary>
    /// The API says 0x-hex of 32 bytes. Lenient: Lodestar (and others) send the operator's text as is, so a
    /// value that is not 0x followed by hex digits only is taken as UTF-8, zero-padded or cut to 32 bytes.
    /// 0x with hex digits of the wrong length is still a 400: that is a broken hex value, not text.
    /// </summary>
    public static Bytes32 ParseGraffiti(string? g)
    {
        if (string.IsNullOrEmpty(g)) return default;
        if (g.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && !g.AsSpan(2).ContainsAnyExcept(HexDigits))
            return ParseHex(g, "graffiti", Bytes32.FromHex);
        var bytes = new byte[32];
        byte[] text = System.Text.Encoding.UTF8.GetBytes(g);
        Array.Copy(text, bytes, Math.Min(32, text.Length));
        return Bytes32.FromSpan(bytes);
    }

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    private static ulong ParseIndex(string s) => RequestParsers.ParseIndex(s);

    private ApiResult AttesterDuties(ulong epoch, List<ulong> indices)
    {
        var (dependent, duties) = NodeCall(() => ValidatorDuties.GetAttesterDuties(_chain, epoch, indices));
        var items = duties.Select(d => new AttesterDuty
        {
            Pubkey = d.Pubkey, ValidatorIndex = d.ValidatorIndex, CommitteeIndex = d.CommitteeIndex, CommitteeLength = d.CommitteeLength,
            CommitteesAtSlot = d.CommitteesAtSlot, ValidatorCommitteeIndex = d.ValidatorCommitteeIndex, Slot = d.Slot,
        });
        return DutiesResult(dependent, w => ApiJson.WriteList(w, Schema.Get<AttesterDuty>(), items));
    }

    private static ApiResult DutiesResult(Bytes32 dependentRoot, Action<Utf8JsonWriter> write)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("dependent_root", dependentRoot.ToString());
            w.WriteBoolean("execution_optimistic", false);
            w.WritePropertyName("data");
            write(w);
            w.WriteEndObject();
        }
        return new ApiResult(200, ms.ToArray(), "application/json");
    }

    /// <summary>The head state advanced to the clock's slot: what subscriptions are checked against.</summary>
    private CachedBeaconState CurrentState()
    {
        ulong slot = Math.Max(_chain.CurrentSlot, _chain.HeadSlot);
        return NodeCall(() => _chain.GetCanonicalState(slot)?.State)
            ?? throw ApiError.BadRequest("the node's head is too far behind its clock to check submissions");
    }

    private CommitteeSubscription CheckSubscription(CachedBeaconState state, ulong now, BeaconCommitteeSubscription sub, int i)
    {
        var c = _chain.Config;
        if (sub.ValidatorIndex >= (ulong)state.State.Validators.Count)
            throw ApiError.BadRequest($"subscription {i}: validator {sub.ValidatorIndex} does not exist");
        ulong epoch = Misc.ComputeEpochAtSlot(c, sub.Slot);
        if (sub.Slot + c.SlotsPerEpoch < now || epoch > state.CurrentEpoch + 1)
            throw ApiError.BadRequest($"subscription {i}: slot {sub.Slot} is not in the previous, current or next epoch");
        ulong committees = NodeCall(() => state.GetShuffling(epoch).CommitteesPerSlot);
        if (sub.CommitteesAtSlot != committees)
            throw ApiError.BadRequest($"subscription {i}: committees_at_slot is {sub.CommitteesAtSlot}, the state has {committees}");
        if (sub.CommitteeIndex >= committees)
            throw ApiError.BadRequest($"subscription {i}: committee index {sub.CommitteeIndex} is not below {committees}");
        return new CommitteeSubscription(sub.ValidatorIndex, sub.Slot, sub.CommitteeIndex, sub.CommitteesAtSlot, sub.IsAggregator);
    }
}
