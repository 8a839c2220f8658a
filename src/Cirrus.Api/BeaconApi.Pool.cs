using System.Text.Json;
using Cirrus.Api.Types;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Node;
using Cirrus.Node.Validation;
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
            var failures = ValidateEach<Attestation>(RequireArray(doc), a => MessageValidator.ProcessAttestation(a, null), GossipError.AlreadySeen,
                a => { if (Network is { } n && MessageValidator.SubnetOf(a.Data) is { } subnet) n.PublishAttestation(a, subnet); });
            return failures.Count == 0 ? Ok() : Failures("some attestations were not accepted", failures);
        });
        MapOperation<ProposerSlashing>("proposer_slashings", () => _chain.Operations.ProposerSlashings, MessageValidator.ProcessProposerSlashing,
            op => Network?.PublishProposerSlashing(op));
        MapOperation<AttesterSlashing>("attester_slashings", () => _chain.Operations.AttesterSlashings, MessageValidator.ProcessAttesterSlashing,
            op => Network?.PublishAttesterSlashing(op));
        MapOperation<SignedVoluntaryExit>("voluntary_exits", () => _chain.Operations.VoluntaryExits, MessageValidator.ProcessVoluntaryExit,
            op => Network?.PublishVoluntaryExit(op));
    }

    private void MapOperation<T>(string name, Func<List<T>> list, Func<T, ValidationOutcome> process, Action<T> publish)
    {
        Get($"/eth/v1/beacon/pool/{name}", _ =>
        {
            var items = list();
            return Data(w => ApiJson.WriteList(w, Schema.Get<T>(), items));
        });
        Post($"/eth/v1/beacon/pool/{name}", async c =>
        {
            var op = await ReadBody<T>(c);
            var outcome = NodeCall(() => process(op));
            // Ignore and Reject alike: not taken (a second exit or slashing for the same validator is not taken either).
            if (!outcome.IsAccept) throw ApiError.BadRequest(outcome.Message);
            publish(op);
            return Ok();
        });
    }

    /// <summary>
    /// Runs a batch POST's items through <paramref name="process"/> (a MessageValidator.Process* method):
    /// identical items are checked once; Ignore and Reject both become per-item failures, except
    /// <paramref name="acceptedWhenSeen"/>: that message was accepted once already, so it is taken silently.
    /// </summary>
    private List<IndexedError> ValidateEach<T>(JsonElement items, Func<T, ValidationOutcome> process, GossipError acceptedWhenSeen, Action<T> publish)
    {
        var type = Schema.Get<T>();
        var failures = new List<IndexedError>();
        var outcomes = new Dictionary<Bytes32, ValidationOutcome>();
        int i = 0;
        foreach (var item in items.EnumerateArray())
        {
            try
            {
                var message = type.ReadJson(item);
                var root = Schema.HashTreeRoot(message);
                if (!outcomes.TryGetValue(root, out var outcome))
                {
                    outcomes[root] = outcome = NodeCall(() => process(message));
                    if (outcome.IsAccept) publish(message); // accepted here first: gossip it
                }
                if (!outcome.IsAccept && outcome.Error != acceptedWhenSeen) failures.Add(new IndexedError(i, outcome.Message));
            }
            catch (Exception e) when (e is ApiError or SszException)
            {
                failures.Add(new IndexedError(i, e.Message));
            }
            i++;
        }
        return failures;
    }
}
