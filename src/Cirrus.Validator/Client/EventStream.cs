using System.Globalization;
using System.Text;
using System.Text.Json;
using Cirrus.Api.Types;
using Cirrus.Ssz;

namespace Cirrus.Validator.Client;

/// <summary>
/// One event of the node's /eth/v1/events stream that the client acts on. Head events of newer nodes
/// carry the duty dependent roots (null when the node does not send them).
/// </summary>
public readonly record struct NodeEvent(string Topic, ulong Slot, Bytes32? PreviousDutyDependentRoot = null, Bytes32? CurrentDutyDependentRoot = null);

/// <summary>
/// Listens to the node's server-sent events (head, block, chain_reorg) and hands each one to a
/// callback. Tries the nodes in the pool's order and reconnects after a drop, forever, until
/// cancelled; a malformed event is skipped.
/// </summary>
public sealed class EventStream(BeaconNodePool pool, Action<NodeEvent> onEvent, Action<string> log)
{
    public static readonly string[] Topics = ["head", "block", "chain_reorg"];

    public async Task RunAsync(CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        bool warned = false;
        while (!ct.IsCancellationRequested)
        {
            foreach (int i in pool.Order())
            {
                if (ct.IsCancellationRequested) return;
                var node = pool.Nodes[i].BaseAddress;
                try
                {
                    await ListenAsync(http, node, () =>
                    {
                        if (warned) log($"event stream of {node} connected again");
                        warned = false;
                    }, ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or InvalidOperationException)
                {
                    if (!warned) log($"event stream of {node} lost: {e.Message.ReplaceLineEndings(" ")} (reconnecting)");
                    warned = true;
                }
            }
            try { await Task.Delay(TimeSpan.FromSeconds(1), ct); }
            catch (OperationCanceledException) { return; }
        }
    }

    private async Task ListenAsync(HttpClient http, Uri node, Action connected, CancellationToken ct)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, new Uri(node, "eth/v1/events" + BeaconApiClient.Repeated("topics", Topics)));
        req.Headers.Accept.ParseAdd("text/event-stream");
        using var resp = await http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!resp.IsSuccessStatusCode) throw new HttpRequestException($"status {(int)resp.StatusCode}");
        connected();
        await using var body = await resp.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(body, Encoding.UTF8);
        string? topic = null;
        var data = new StringBuilder();
        while (true)
        {
            string? line = await reader.ReadLineAsync(ct);
            if (line is null) throw new IOException("the node closed the stream");
            if (line.Length == 0)
            {
                if (topic is not null && Parse(topic, data.ToString()) is { } ev) onEvent(ev);
                topic = null;
                data.Clear();
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal)) topic = line[6..].Trim();
            else if (line.StartsWith("data:", StringComparison.Ordinal)) data.Append(line[5..].TrimStart());
        }
    }

    /// <summary>The event's topic and slot; null for a malformed one.</summary>
    public static NodeEvent? Parse(string topic, string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("slot", out var s)) return null;
            string? text = s.ValueKind == JsonValueKind.String ? s.GetString() : s.GetRawText();
            if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong slot)) return null;
            return new NodeEvent(topic, slot, Root(doc.RootElement, "previous_duty_dependent_root"), Root(doc.RootElement, "current_duty_dependent_root"));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Bytes32? Root(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.String) return null;
        try { return Bytes32.FromHex(v.GetString()!); }
        catch (SszException) { return null; }
    }
}
