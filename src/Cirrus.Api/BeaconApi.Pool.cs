using System.Text.Json;
using Cirrus.Api.Types;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Node;
using Cirrus.Node.Pools;
using Cirrus.Ssz;
using Microsoft.AspNetCore.Http;

namespace Cirrus.Api;

// beacon/pool/*: attestations, slashings and exits waiting for blocks.
public sealed partial class BeaconApi
{
    private void MapPool()
    {
        Get("/eth/v1/beacon/pool/attestations", c =>
        {
            var list = _chain.Attestations.GetAll(QueryUInt(c, "slot"), QueryUInt(c, "committee_index"));
            return Data(w => ApiJson.WriteList(w, Schema.Get<Attestation>(), list));
        });
        Post("/eth/v1/beacon/pool/attestations", async c =>
        {
            using var doc = await ReadJsonBody(c);
            var items = RequireArray(doc);
            var type = Schema.Get<Attestation>();
            var failures = new List<IndexedError>();
            CachedBeaconState? state = null;
            int i = 0;
            foreach (var item in items.EnumerateArray())
            {
                try
                {
                    var att = type.ReadJson(item);
                    state ??= CurrentState();
                    NodeCall(() => AcceptAttestation(state, att));
                }
                catch (Exception e) when (e is ApiError or SszException)
                {
                    failures.Add(new IndexedError(i, e.Message));
                }
                i++;
            }
            return failures.Count == 0 ? Ok() : Failures("some attestations were not accepted", failures);
        });
        MapOperation<ProposerSlashing>("proposer_slashings", () => _chain.Operations.ProposerSlashings,
            (op, s) => { _chain.Operations.AddProposerSlashing(op, s); Network?.PublishProposerSlashing(op); });
        MapOperation<AttesterSlashing>("attester_slashings", () => _chain.Operations.AttesterSlashings,
            (op, s) => { _chain.Operations.AddAttesterSlashing(op, s); Network?.PublishAttesterSlashing(op); });
        MapOperation<SignedVoluntaryExit>("voluntary_exits", () => _chain.Operations.VoluntaryExits,
            (op, s) => { _chain.Operations.AddVoluntaryExit(op, s); Network?.PublishVoluntaryExit(op); });
    }

    private void MapOperation<T>(string name, Func<List<T>> list, Action<T, CachedBeaconState> add)
    {
        Get($"/eth/v1/beacon/pool/{name}", _ =>
        {
            var items = list();
            return Data(w => ApiJson.WriteList(w, Schema.Get<T>(), items));
        });
        Post($"/eth/v1/beacon/pool/{name}", async c =>
        {
            var op = await ReadBody<T>(c);
            var state = CurrentState();
            NodeCall(() =>
            {
                add(op, state);
                return true;
            });
            return Ok();
        });
    }

    /// <summary>The head state advanced to the clock's slot: what submissions are checked against.</summary>
    private CachedBeaconState CurrentState()
    {
        ulong slot = Math.Max(_chain.CurrentSlot, _chain.GetBlock(_chain.Head)?.Message.Slot ?? 0);
        return NodeCall(() => _chain.GetCanonicalState(slot)?.State)
            ?? throw ApiError.BadRequest("the node's head is too far behind its clock to check submissions");
    }

    /// <summary>
    /// Checks an attestation (timeliness, known blocks, committee, signature) against
    /// <paramref name="state"/>, then adds it to the pool and to fork choice.
    /// </summary>
    private bool AcceptAttestation(CachedBeaconState state, Attestation att)
    {
        var d = att.Data;
        ulong now = _chain.CurrentSlot;
        if (d.Slot > now) throw new NodeRequestException($"attestation slot {d.Slot} is in the future (current slot {now})");
        if (d.Slot + _chain.Config.SlotsPerEpoch < now) throw new NodeRequestException($"attestation slot {d.Slot} is too old to be included");
        if (_chain.GetBlock(d.BeaconBlockRoot) is null) throw new NodeRequestException($"unknown beacon block root {d.BeaconBlockRoot}");
        if (_chain.GetBlock(d.Target.Root) is null) throw new NodeRequestException($"unknown target root {d.Target.Root}");
        AttestationChecks.VerifyAttestation(state, att, _chain.SignatureVerifier);
        _chain.Attestations.Prune(now);
        _chain.Attestations.Add(att);
        _chain.OnVerifiedAttestation(att);
        if (Network is { } net)
            net.PublishAttestation(att, Node.Validation.MessageValidator.ComputeSubnetForAttestation(_chain.Config,
                state.GetShuffling(d.Target.Epoch).CommitteesPerSlot, d.Slot, d.Index));
        return true;
    }
}
