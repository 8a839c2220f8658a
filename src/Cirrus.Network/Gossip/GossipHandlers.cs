using System.Threading.Channels;
using Cirrus.Consensus.Types;
using Cirrus.Network.Peers;
using Cirrus.Networking;
using Cirrus.Networking.Eth2;
using Cirrus.Networking.Gossip;
using Cirrus.Node;
using Cirrus.Node.Validation;
using Cirrus.Ssz;
using GossipResult = Cirrus.Networking.Gossip.ValidationResult;

namespace Cirrus.Network.Gossip;

/// <summary>The phase0 topic names (without the fork digest).</summary>
public static class GossipTopicNames
{
    public const string BeaconBlock = GossipTopics.BeaconBlock;
    public const string AggregateAndProof = GossipTopics.BeaconAggregateAndProof;
    public const string VoluntaryExit = GossipTopics.VoluntaryExit;
    public const string ProposerSlashing = GossipTopics.ProposerSlashing;
    public const string AttesterSlashing = GossipTopics.AttesterSlashing;
    public static string Attestation(int subnet) => GossipTopics.BeaconAttestation(subnet);
}

/// <summary>
/// One handler per gossip topic: decode (snappy, then SSZ: a malformed message is a Reject), validate
/// through the node's <see cref="MessageValidator"/> (every [IGNORE]/[REJECT] condition of the spec), then
/// feed the node (blocks to import, attestations to the pool and fork choice, operations to their pool).
/// Rejections cost the forwarding peer gossipsub score; ignores cost nothing.
/// </summary>
public sealed class GossipHandlers
{
    private readonly Eth2Network _net;
    private readonly Channel<(SignedBeaconBlock Block, bool Validated)> _imports = Channel.CreateBounded<(SignedBeaconBlock, bool)>(
        new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public GossipHandlers(Eth2Network net) => _net = net;

    public string Topic(string name) => GossipTopics.Topic(_net.ForkDigest.AsSpan(), name);

    internal void SubscribeAll()
    {
        Handle<SignedBeaconBlock>(GossipTopicNames.BeaconBlock, OnBlock);
        Handle<SignedAggregateAndProof>(GossipTopicNames.AggregateAndProof, (m, _) => _net.Validator.ProcessAggregateAndProof(m));
        Handle<SignedVoluntaryExit>(GossipTopicNames.VoluntaryExit, (m, _) => _net.Validator.ProcessVoluntaryExit(m));
        Handle<ProposerSlashing>(GossipTopicNames.ProposerSlashing, (m, _) => _net.Validator.ProcessProposerSlashing(m));
        Handle<AttesterSlashing>(GossipTopicNames.AttesterSlashing, (m, _) => _net.Validator.ProcessAttesterSlashing(m));
        for (int subnet = 0; subnet < P2pConstants.AttestationSubnetCount; subnet++)
        {
            ulong id = (ulong)subnet;
            // validators for every subnet; the subscriptions themselves follow the duties (SubnetService)
            Handle<Attestation>(GossipTopicNames.Attestation(subnet), (m, _) => _net.Validator.ProcessAttestation(m, id), subscribe: false);
        }
        _ = Task.Run(ImportLoopAsync);
    }

    private void Handle<T>(string name, Func<T, PeerId?, ValidationOutcome> process, bool subscribe = true)
    {
        string topic = Topic(name);
        _net.Gossip.SetValidator(topic, (msg, ct) =>
        {
            GossipResult result;
            string label;
            try
            {
                var ssz = GossipTopics.Decode(msg.Data);
                var value = _net.Config.Schema.Deserialize<T>(ssz);
                var outcome = process(value, msg.Source);
                result = outcome.Action switch
                {
                    ValidationAction.Accept => GossipResult.Accept,
                    ValidationAction.Reject => GossipResult.Reject,
                    _ => GossipResult.Ignore,
                };
                label = outcome.Action.ToString().ToLowerInvariant();
            }
            catch (Exception e) when (e is P2pException or SszException)
            {
                result = GossipResult.Reject;
                label = "malformed";
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // our failure, not the peer's: drop the message without penalty
                _net.Log($"gossip {name}: {e.GetType().Name}: {e.Message}");
                result = GossipResult.Ignore;
                label = "error";
            }
            _net.Metrics.GossipMessages.WithLabels(name.StartsWith("beacon_attestation_", StringComparison.Ordinal) ? "beacon_attestation" : name, label).Inc();
            return ValueTask.FromResult(result);
        });
        if (subscribe) _net.Gossip.Subscribe(topic);
    }

    private ValidationOutcome OnBlock(SignedBeaconBlock block, PeerId? from)
    {
        var outcome = _net.Validator.ValidateBlock(block);
        if (outcome.IsAccept)
        {
            _imports.Writer.TryWrite((block, true));
        }
        else if (outcome.Action == ValidationAction.Ignore && outcome.Error == GossipError.UnknownParent && from is not null)
        {
            // missed some blocks: fetch the parent chain from the peer that had this one
            _net.SyncManager.LookupParent(block, from);
        }
        else if (outcome.Action == ValidationAction.Ignore && outcome.Error == GossipError.FutureSlot)
        {
            // held by the chain until its slot (the chain refuses blocks too far ahead)
            _imports.Writer.TryWrite((block, false));
        }
        return outcome;
    }

    /// <summary>Imports accepted gossip blocks one at a time, off the gossip path.</summary>
    private async Task ImportLoopAsync()
    {
        try
        {
            await foreach (var (block, validated) in _imports.Reader.ReadAllAsync(_net.Stopping).ConfigureAwait(false))
            {
                try { _net.Chain.SubmitBlock(block); }
                catch (BlockImportException e)
                {
                    _net.Log($"gossip block at slot {block.Message.Slot} not imported: {e.Message}");
                    // Its proposer signature was checked, so the failure is the message's own (the root covers
                    // everything else): its descendants and the votes for it are rejected from now on.
                    if (validated && !e.UnknownParent) _net.Validator.MarkInvalidBlock(_net.Config.Schema.HashTreeRoot(block.Message));
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>Publishes a message that the node accepted (from the REST API) to the topic's peers.</summary>
    internal void Publish<T>(string name, T message)
    {
        var data = GossipTopics.Encode(_net.Config.Schema.Serialize(message));
        _net.Gossip.Publish(Topic(name), data);
    }
}
