using Cirrus.Api.Types;
using Cirrus.Consensus.Config;

namespace Cirrus.Validator.Client;

/// <summary>
/// The beacon nodes a validator client may use, in order of preference. Each request goes to the
/// first node that has not failed recently and falls back to the next on a failure that says
/// nothing about the request itself (no answer, a 5xx, a malformed answer); a 4xx is the node's
/// verdict and is passed on. When every node fails the last failure is thrown.
/// </summary>
public sealed class BeaconNodePool : IDisposable
{
    /// <summary>How long a failed node is tried only after the others.</summary>
    public static readonly TimeSpan Backoff = TimeSpan.FromSeconds(5);

    private readonly BeaconApiClient[] _nodes;
    private readonly long[] _failedAtMs; // unix ms of the last failure, 0 = none since the last success
    private readonly Func<DateTimeOffset> _now;
    private readonly ValidatorMetrics? _metrics;
    private readonly Action<string> _log;

    public BeaconNodePool(IReadOnlyList<Uri> urls, ChainConfig config, TimeSpan timeout, ValidatorMetrics? metrics = null,
        Action<string>? log = null, Func<DateTimeOffset>? now = null)
        : this(urls.Select(u => new BeaconApiClient(u, config, timeout)).ToArray(), metrics, log, now)
    {
    }

    public BeaconNodePool(BeaconApiClient[] nodes, ValidatorMetrics? metrics = null, Action<string>? log = null, Func<DateTimeOffset>? now = null)
    {
        if (nodes.Length == 0) throw new ValidatorException("at least one beacon node is needed");
        _nodes = nodes;
        _failedAtMs = new long[nodes.Length];
        _metrics = metrics;
        foreach (var n in nodes) metrics?.TrackNode(n.BaseAddress.ToString());
        _log = log ?? (_ => { });
        _now = now ?? (() => DateTimeOffset.UtcNow);
    }

    public IReadOnlyList<BeaconApiClient> Nodes => _nodes;

    /// <summary>The nodes in the order to try them now: healthy ones first, each group in the given order.</summary>
    public IReadOnlyList<int> Order()
    {
        long now = _now().ToUnixTimeMilliseconds();
        var healthy = new List<int>();
        var failed = new List<int>();
        for (int i = 0; i < _nodes.Length; i++)
        {
            long at = Interlocked.Read(ref _failedAtMs[i]);
            (at != 0 && now - at < Backoff.TotalMilliseconds ? failed : healthy).Add(i);
        }
        healthy.AddRange(failed);
        return healthy;
    }

    /// <summary>True if the failure is the node's own (try another); false for its verdict on the request.</summary>
    public static bool IsNodeFailure(BeaconApiException e) => e.StatusCode is null or >= 500 or (>= 200 and < 300);

    public Task RunAsync(Func<BeaconApiClient, Task> call, CancellationToken ct) =>
        RunAsync<bool>(async c => { await call(c); return true; }, ct);

    public async Task<T> RunAsync<T>(Func<BeaconApiClient, Task<T>> call, CancellationToken ct)
    {
        BeaconApiException? last = null;
        foreach (int i in Order())
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                var result = await call(_nodes[i]);
                if (Interlocked.Exchange(ref _failedAtMs[i], 0) != 0 && _nodes.Length > 1) _log($"beacon node {_nodes[i].BaseAddress} answers again");
                return result;
            }
            catch (BeaconApiException e)
            {
                last = e;
                if (!IsNodeFailure(e)) throw;
                _metrics?.RequestFailed(_nodes[i].BaseAddress.ToString());
                // Logged when the node starts failing, not on every request while it stays down.
                if (Interlocked.Exchange(ref _failedAtMs[i], _now().ToUnixTimeMilliseconds()) == 0 && _nodes.Length > 1)
                    _log($"beacon node {_nodes[i].BaseAddress} failed: {e.Message} (trying the next)");
            }
        }
        throw last!;
    }

    public void Dispose()
    {
        foreach (var n in _nodes) n.Dispose();
    }
}
