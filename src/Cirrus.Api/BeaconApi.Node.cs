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

    /// <summary>The peer-to-peer layer, when the node runs one (identity, peers, sync state, publishing).</summary>
    public INodeNetwork? Network { get; init; }

    private static readonly string[] PeerStates = ["disconnected", "connecting", "connected", "disconnecting"];

    private void MapNode()
    {
        Get("/eth/v1/node/identity", _ =>
        {
            var id = Network?.Identity ?? _identity ?? throw ApiError.NotFound("this node has no network identity (networking is not running)");
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
        Get("/eth/v1/node/peers", c =>
        {
            var states = QueryList(c, "state");
            var directions = QueryList(c, "direction");
            foreach (var s in states)
                if (!PeerStates.Contains(s)) throw ApiError.BadRequest($"invalid peer state '{s}'");
            foreach (var d in directions)
                if (d is not ("inbound" or "outbound")) throw ApiError.BadRequest($"invalid peer direction '{d}'");
            var peers = (Network?.Peers ?? [])
                .Where(p => (states.Count == 0 || states.Contains(p.State)) && (directions.Count == 0 || directions.Contains(p.Direction))).ToList();
            return Data(w =>
            {
                w.WriteStartArray();
                foreach (var p in peers) WritePeer(w, p);
                w.WriteEndArray();
            }, meta: w => w.WriteString("count", peers.Count.ToString(CultureInfo.InvariantCulture)));
        });
        Get("/eth/v1/node/peers/{peer_id}", c =>
        {
            string id = (string)c.Request.RouteValues["peer_id"]!;
            var p = Network?.Peers.FirstOrDefault(x => x.PeerId == id) ?? throw ApiError.NotFound($"peer {id} not found");
            return Data(w => WritePeer(w, p));
        });
        Get("/eth/v1/node/peer_count", _ =>
        {
            var peers = Network?.Peers ?? [];
            return Data(w =>
            {
                w.WriteStartObject();
                foreach (var k in PeerStates) w.WriteString(k, peers.Count(p => p.State == k).ToString(CultureInfo.InvariantCulture));
                w.WriteEndObject();
            });
        });
    }

    private static void WritePeer(Utf8JsonWriter w, PeerSummary p)
    {
        w.WriteStartObject();
        w.WriteString("peer_id", p.PeerId);
        if (p.Enr is null) w.WriteNull("enr");
        else w.WriteString("enr", p.Enr);
        w.WriteString("last_seen_p2p_address", p.LastSeenP2pAddress);
        w.WriteString("state", p.State);
        w.WriteString("direction", p.Direction);
        w.WriteEndObject();
    }

    /// <summary>Head slot, distance to the clock and whether the node is catching up (from the sync layer when there is one).</summary>
    private SyncState CurrentSyncState()
    {
        if (Network is { } n) return n.Sync;
        ulong headSlot = _chain.HeadSlot, current = _chain.CurrentSlot;
        return new SyncState(headSlot, current > headSlot ? current - headSlot : 0, false);
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
                    // later API versions: validator clients refetch duties when a dependent root changes
                    w.WriteString("previous_duty_dependent_root", h.PreviousDutyDependentRoot.ToString());
                    w.WriteString("current_duty_dependent_root", h.CurrentDutyDependentRoot.ToString());
                    w.WriteBoolean("execution_optimistic", false);
                    w.WriteEndObject();
                    break;
                case BlockEvent b:
                    w.WriteStartObject();
                    w.WriteString("slot", N(b.Slot));
                    w.WriteString("block", b.Block.ToString());
                    w.WriteBoolean("execution_optimistic", false);
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
                    w.WriteBoolean("execution_optimistic", false);
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
                    w.WriteBoolean("execution_optimistic", false);
                    w.WriteEndObject();
                    break;
            }
        }
        return ms.ToArray();
    }
}
