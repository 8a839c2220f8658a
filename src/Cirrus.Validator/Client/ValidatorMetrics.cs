using Prometheus;

namespace Cirrus.Validator.Client;

/// <summary>The kinds of duty the client performs, as metric labels and in log lines.</summary>
public enum DutyKind
{
    Proposal,
    Attestation,
    Aggregation,
}

/// <summary>
/// The validator client's Prometheus counters, in a registry of its own (so several clients can run
/// in one process, as the tests do). Also readable directly, for the per-epoch summary and tests.
/// </summary>
public sealed class ValidatorMetrics
{
    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();
    private readonly Counter _performed;
    private readonly Counter _missed;
    private readonly Counter _refusals;
    private readonly Counter _requestFailures;

    public ValidatorMetrics()
    {
        var f = Metrics.WithCustomRegistry(Registry);
        _performed = f.CreateCounter("cirrus_vc_duties_performed_total", "Duties performed (signed and accepted by a beacon node).",
            new CounterConfiguration { LabelNames = ["kind"] });
        _missed = f.CreateCounter("cirrus_vc_duties_missed_total", "Duties that could not be performed.",
            new CounterConfiguration { LabelNames = ["kind"] });
        _refusals = f.CreateCounter("cirrus_vc_slashing_protection_refusals_total", "Signatures refused by slashing protection.",
            new CounterConfiguration { LabelNames = ["kind"] });
        _requestFailures = f.CreateCounter("cirrus_vc_beacon_node_request_failures_total", "Failed requests to a beacon node.",
            new CounterConfiguration { LabelNames = ["node"] });
        // every series exists from the start, so dashboards show a 0 rather than no data
        foreach (var k in Enum.GetValues<DutyKind>())
        {
            _performed.WithLabels(Label(k));
            _missed.WithLabels(Label(k));
            _refusals.WithLabels(Label(k));
        }
    }

    /// <summary>Publishes the node's request-failure series at 0.</summary>
    public void TrackNode(string node) => _requestFailures.WithLabels(node);

    private static string Label(DutyKind k) => k switch
    {
        DutyKind.Proposal => "proposal",
        DutyKind.Attestation => "attestation",
        _ => "aggregation",
    };

    public void Performed(DutyKind k, int n = 1) => _performed.WithLabels(Label(k)).Inc(n);
    public void Missed(DutyKind k, int n = 1) => _missed.WithLabels(Label(k)).Inc(n);
    public void Refused(DutyKind k) => _refusals.WithLabels(Label(k)).Inc();
    public void RequestFailed(string node) => _requestFailures.WithLabels(node).Inc();

    public long PerformedCount(DutyKind k) => (long)_performed.WithLabels(Label(k)).Value;
    public long MissedCount(DutyKind k) => (long)_missed.WithLabels(Label(k)).Value;
    public long RefusalCount(DutyKind k) => (long)_refusals.WithLabels(Label(k)).Value;
    public long RefusalCount() => RefusalCount(DutyKind.Proposal) + RefusalCount(DutyKind.Attestation) + RefusalCount(DutyKind.Aggregation);
    public long RequestFailureCount(string node) => (long)_requestFailures.WithLabels(node).Value;

    /// <summary>Serves the registry at http://127.0.0.1:PORT/metrics. Throws ValidatorException if the port cannot be bound.</summary>
    public IDisposable Serve(int port)
    {
        try
        {
            var server = new MetricServer("127.0.0.1", port, "metrics/", Registry);
            server.Start();
            return server;
        }
        catch (Exception e) when (e is System.Net.HttpListenerException or InvalidOperationException or IOException)
        {
            throw new ValidatorException($"cannot serve metrics on 127.0.0.1:{port}: {e.Message}");
        }
    }
}
