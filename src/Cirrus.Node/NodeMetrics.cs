using Prometheus;

namespace Cirrus.Node;

/// <summary>
/// The beacon node's Prometheus metrics, in a registry of its own: chain progress from the chain's
/// events and, once per slot, from <see cref="Update"/>.
/// </summary>
public sealed class NodeMetrics : IDisposable
{
    private readonly BeaconChain _chain;
    private readonly Gauge _slot, _headSlot, _justified, _finalized, _queued;
    private readonly Counter _blocks, _heads, _reorgs, _attestations;

    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    public NodeMetrics(BeaconChain chain)
    {
        _chain = chain;
        var f = Metrics.WithCustomRegistry(Registry);
        _slot = f.CreateGauge("cirrus_beacon_slot", "The clock's current slot.");
        _headSlot = f.CreateGauge("cirrus_beacon_head_slot", "Slot of the head block.");
        _justified = f.CreateGauge("cirrus_beacon_current_justified_epoch", "Epoch of fork choice's justified checkpoint.");
        _finalized = f.CreateGauge("cirrus_beacon_finalized_epoch", "Epoch of the finalized checkpoint.");
        _queued = f.CreateGauge("cirrus_beacon_queued_blocks", "Blocks waiting for their slot or their parent.");
        _blocks = f.CreateCounter("cirrus_beacon_blocks_imported_total", "Blocks imported.");
        _heads = f.CreateCounter("cirrus_beacon_head_changes_total", "Times the head changed.");
        _reorgs = f.CreateCounter("cirrus_beacon_reorgs_total", "Head changes to a block that does not descend from the old head.");
        _attestations = f.CreateCounter("cirrus_beacon_fork_choice_attestations_total", "Attestations counted by fork choice (from the API and the pool).");
        chain.Events += OnEvent;
        Update();
    }

    private void OnEvent(ChainEvent e)
    {
        switch (e)
        {
            case BlockEvent: _blocks.Inc(); break;
            case HeadEvent h: _heads.Inc(); _headSlot.Set(h.Slot); break;
            case ChainReorgEvent: _reorgs.Inc(); break;
            case FinalizedCheckpointEvent f: _finalized.Set(f.Epoch); break;
            case AttestationEvent: _attestations.Inc(); break;
        }
    }

    /// <summary>Refreshes the gauges (the slot ticker calls this once per slot).</summary>
    public void Update()
    {
        _slot.Set(_chain.CurrentSlot);
        _headSlot.Set(_chain.HeadSlot);
        _justified.Set(_chain.JustifiedCheckpoint.Epoch);
        _finalized.Set(_chain.FinalizedCheckpoint.Epoch);
        _queued.Set(_chain.QueuedBlocks);
    }

    /// <summary>Serves the registry at http://ADDRESS:PORT/metrics.</summary>
    public IDisposable Serve(string address, int port)
    {
        var server = new MetricServer(address, port, "metrics/", Registry);
        server.Start();
        return server;
    }

    public void Dispose() => _chain.Events -= OnEvent;
}
