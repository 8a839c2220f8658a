using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Cirrus.Consensus.Types;
using Cirrus.Node;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Cirrus.Api;

// node/identity, node/peers, node/peer_count and the events stream.
public sealed partial class BeaconApi
{
    /// <summary>The event topics of the phase0 API.</summary>
    public static readonly IReadOnlySet<string> EventTopics =
        new HashSet<string>(StringComparer.Ordinal) { "head", "block", "attestation", "finalized_checkpoint", "chain_reorg" };

    /// <summary>Events a slow subscriber may lag behind before the oldest are dropped.</summary>
    private const int MaxQueuedEvents = 1024;

    private void MapNode()
    {
        Get("/eth/v1/node/identity", _ =>
        {
            var id = _identity ?? throw ApiError.NotFound("this node has no network identity (networking is not running)");
            return Data(w =>
            {
                w.WriteStartObject();
                w.WriteString("peer_id", id.PeerId);
                w.WriteString("enr", id.Enr);
                w.WriteStartArray("p2p_addresses");
                foreach (var a in id.P2pAddresses) w.WriteStringValue(a);
                w.WriteEndArray();
                w.WriteStartArray("discovery_addresses");
                foreach (var a in id.DiscoveryAddresses) w.WriteStringValue(a);
                w.WriteEndArray();
                w.WriteStartObject("metadata");
                w.WriteString("seq_number", id.MetadataSeqNumber.ToString(CultureInfo.InvariantCulture));
                w.WriteString("attnets", id.Attnets);
                w.WriteEndObject();
                w.WriteEndObject();
            });
        });
        // The node does not run the peer-to-peer layer yet: no peers, and it says so by counting zero.
        Get("/eth/v1/node/peers", c =>
        {
            foreach (var s in QueryList(c, "state"))
                if (s is not ("disconnected" or "connecting" or "connected" or "disconnecting"))
                    throw ApiError.BadRequest($"invalid peer state '{s}'");
            foreach (var d in QueryList(c, "direction"))
                if (d is not ("inbound" or "outbound"))
                    throw ApiError.BadRequest($"invalid peer direction '{d}'");
            return Data(w =>
            {
                w.WriteStartArray();
                w.WriteEndArray();
            });
        });
        Get("/eth/v1/node/peers/{peer_id}", c =>
            throw ApiError.NotFound($"peer {(string)c.Request.RouteValues["peer_id"]!} not found"));
        Get("/eth/v1/node/peer_count", _ => Data(w =>
        {
            w.WriteStartObject();
            foreach (var k in new[] { "disconnected", "connecting", "connected", "disconnecting" }) w.WriteString(k, "0");
            w.WriteEndObject();
        }));
    }

    private void MapEvents()
    {
        _app.MapGet("/eth/v1/events", (RequestDelegate)(async c =>
        {
            var topics = QueryList(c, "topics");
            string? bad = topics.Count == 0 ? "the topics query parameter is required" :
                topics.FirstOrDefault(t => !EventTopics.Contains(t)) is { } t ? $"unknown event topic '{t}'" : null;
            if (bad is not null)
            {
                await Handle(c, () => throw ApiError.BadRequest(bad));
                return;
            }
            var wanted = topics.ToHashSet(StringComparer.Ordinal);
            var channel = Channel.CreateBounded<(string Topic, byte[] Json)>(
                new BoundedChannelOptions(MaxQueuedEvents) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
            void OnEvent(ChainEvent e)
            {
                var topic = TopicOf(e);
                if (wanted.Contains(topic)) channel.Writer.TryWrite((topic, EventJson(e)));
            }
            _chain.Events += OnEvent;
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(c.RequestAborted, _stopping.Token);
            try
            {
                c.Response.StatusCode = 200;
                c.Response.ContentType = "text/event-stream";
                c.Response.Headers.CacheControl = "no-cache";
                await c.Response.Body.FlushAsync(cts.Token);
                await foreach (var (topic, json) in channel.Reader.ReadAllAsync(cts.Token))
                {
                    await c.Response.Body.WriteAsync(Encoding.UTF8.GetBytes($"event: {topic}\ndata: "), cts.Token);
                    await c.Response.Body.WriteAsync(json, cts.Token);
                    await c.Response.Body.WriteAsync("\n\n"u8.ToArray(), cts.Token);
                    await c.Response.Body.FlushAsync(cts.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // The client went away or the node is stopping.
            }
            catch (IOException)
            {
            }
            finally
            {
                _chain.Events -= OnEvent;
            }
        }));
    }

    private static string TopicOf(ChainEvent e) => e switch
    {
        HeadEvent => "head",
        BlockEvent => "block",
        AttestationEvent => "attestation",
        FinalizedCheckpointEvent => "finalized_checkpoint",
        ChainReorgEvent => "chain_reorg",
        _ => "",
    };

    private byte[] EventJson(ChainEvent e)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            static string N(ulong v) => v.ToString(CultureInfo.InvariantCulture);
            switch (e)
            {
                case HeadEvent h:
                    w.WriteStartObject();
                    w.WriteString("slot", N(h.Slot));
                    w.WriteString("block", h.Block.ToString());
                    w.WriteString("state", h.State.ToString());
                    w.WriteBoolean("epoch_transition", h.EpochTransition);
                    w.WriteEndObject();
                    break;
                case BlockEvent b:
                    w.WriteStartObject();
                    w.WriteString("slot", N(b.Slot));
                    w.WriteString("block", b.Block.ToString());
                    w.WriteEndObject();
                    break;
                case AttestationEvent a:
                    Schema.Get<Attestation>().WriteJson(w, a.Attestation);
                    break;
                case FinalizedCheckpointEvent f:
                    w.WriteStartObject();
                    w.WriteString("block", f.Block.ToString());
                    w.WriteString("state", f.State.ToString());
                    w.WriteString("epoch", N(f.Epoch));
                    w.WriteEndObject();
                    break;
                case ChainReorgEvent r:
                    w.WriteStartObject();
                    w.WriteString("slot", N(r.Slot));
                    w.WriteString("depth", N(r.Depth));
                    w.WriteString("old_head_block", r.OldHeadBlock.ToString());
                    w.WriteString("new_head_block", r.NewHeadBlock.ToString());
                    w.WriteString("old_head_state", r.OldHeadState.ToString());
                    w.WriteString("new_head_state", r.NewHeadState.ToString());
                    w.WriteString("epoch", N(r.Epoch));
                    w.WriteEndObject();
                    break;
            }
        }
        return ms.ToArray();
    }
}
