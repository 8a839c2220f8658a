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

    /// <summary>The longest line and event accepted: the events read are a few hundred bytes; more is a broken or hostile node.</summary>
    public const int MaxLineBytes = 16 * 1024;

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
        var reader = new BoundedLineReader(body, MaxLineBytes);
        string? topic = null;
        var data = new StringBuilder();
        while (true)
        {
            string? line = await reader.ReadLineAsync(ct);
            if (line is null) throw new IOException("the node closed the stream");
            if (data.Length + line.Length > MaxLineBytes) throw new IOException($"the node sent an event longer than {MaxLineBytes} bytes");
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
            string? text = s.ValueKind == JsonValueKind.String ? s.GetStringOrNull() : s.GetRawText();
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
        if (!e.TryGetProperty(name, out var v) || v.GetStringOrNull() is not { } hex) return null;
        try { return Bytes32.FromHex(hex); }
        catch (SszException) { return null; }
    }
}

/// <summary>
/// Reads UTF-8 lines (ending in LF, CRLF or CR, as SSE allows) of at most a given length; a longer one is
/// an IOException, so a stream that never ends a line costs a bounded buffer.
/// </summary>
internal sealed class BoundedLineReader(Stream stream, int maxLineBytes)
{
    private readonly byte[] _buffer = new byte[8192];
    private int _start, _end;
    private bool _skipLf;
    private readonly MemoryStream _line = new();

    public async Task<string?> ReadLineAsync(CancellationToken ct)
    {
        _line.SetLength(0);
        while (true)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = await stream.ReadAsync(_buffer, ct);
                if (_end == 0) return null;
            }
            if (_skipLf)
            {
                _skipLf = false;
                if (_buffer[_start] == (byte)'\n') { _start++; continue; }
            }
            int eol = Array.FindIndex(_buffer, _start, _end - _start, b => b is (byte)'\n' or (byte)'\r');
            int take = (eol < 0 ? _end : eol) - _start;
            if (_line.Length + take > maxLineBytes) throw new IOException($"the node sent a line longer than {maxLineBytes} bytes");
            _line.Write(_buffer, _start, take);
            if (eol < 0)
            {
                _start = _end;
                continue;
            }
            _skipLf = _buffer[eol] == (byte)'\r';
            _start = eol + 1;
            return Encoding.UTF8.GetString(_line.GetBuffer(), 0, (int)_line.Length);
        }
    }
}
