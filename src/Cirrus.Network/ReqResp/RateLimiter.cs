using Cirrus.Networking;

namespace Cirrus.Network.ReqResp;

/// <summary>
/// Per-peer, per-protocol token buckets for inbound requests (as Lighthouse's RPC limiter): each
/// protocol has a capacity refilled evenly over a period; a request costs 1, or its block count for
/// the block protocols. Over the limit the request is answered with resource-unavailable.
/// </summary>
public sealed class RateLimiter
{
    public sealed record Quota(double Capacity, TimeSpan Period);

    private readonly object _lock = new();
    private readonly Dictionary<(PeerId, string), (double Tokens, long Ticks)> _buckets = [];
    private readonly Dictionary<string, Quota> _quotas;

    public RateLimiter(Dictionary<string, Quota>? quotas = null)
    {
        _quotas = quotas ?? new Dictionary<string, Quota>
        {
            ["status"] = new(5, TimeSpan.FromSeconds(15)),
            ["goodbye"] = new(1, TimeSpan.FromSeconds(10)),
            ["ping"] = new(2, TimeSpan.FromSeconds(10)),
            ["metadata"] = new(2, TimeSpan.FromSeconds(5)),
            ["beacon_blocks_by_range"] = new(P2pConstants.MaxRequestBlocks * 2, TimeSpan.FromSeconds(10)),
            ["beacon_blocks_by_root"] = new(256, TimeSpan.FromSeconds(10)),
        };
    }

    /// <summary>Takes <paramref name="cost"/> tokens; false when the peer is over its quota (nothing is taken).</summary>
    public bool TryTake(PeerId peer, string protocol, double cost = 1)
    {
        if (!_quotas.TryGetValue(protocol, out var q)) return true;
        cost = Math.Max(1, cost);
        if (cost > q.Capacity) return false;
        long now = Environment.TickCount64;
        lock (_lock)
        {
            var (tokens, at) = _buckets.TryGetValue((peer, protocol), out var b) ? b : (q.Capacity, now);
            tokens = Math.Min(q.Capacity, tokens + (now - at) * q.Capacity / q.Period.TotalMilliseconds);
            if (tokens < cost)
            {
                _buckets[(peer, protocol)] = (tokens, now);
                return false;
            }
            _buckets[(peer, protocol)] = (tokens - cost, now);
            if (_buckets.Count > 10_000) Trim(now);
            return true;
        }
    }

    /// <summary>Forgets a disconnected peer's buckets.</summary>
    public void Forget(PeerId peer)
    {
        lock (_lock)
            foreach (var k in _buckets.Keys.Where(k => k.Item1 == peer).ToList()) _buckets.Remove(k);
    }

    private void Trim(long now)
    {
        // full buckets carry no information
        foreach (var (k, v) in _buckets.ToList())
            if (now - v.Ticks > 60_000) _buckets.Remove(k);
    }
}
