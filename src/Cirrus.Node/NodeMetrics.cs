using Cirrus.Ssz;
using Prometheus;

namespace Cirrus.Node;

/// <summary>
/// The beacon node's Prometheus metrics, in a registry of its own: chain progress from the chain's
/// events and, once per slot, from <see cref="Update"/>. The names of the eth2 client metrics interop
/// list (beacon_*, shared by every client's dashboards) sit beside our own cirrus_* ones.
/// </summary>
public sealed class NodeMetrics : IDisposable
{
    private readonly BeaconChain _chain;
    private readonly Gauge _slot, _headSlot, _justified, _finalized, _queued;
    private readonly Counter _blocks, _heads, _reorgs, _attestations;
    // interop names: https://github.com/ethereum/beacon-metrics (the head state's view, as the list asks)
    private readonly Gauge _epoch;
    private readonly Gauge _stdSlot, _stdHeadSlot, _stdFinalized, _stdJustified, _stdPrevJustified, _stdActive, _stdDeposits;
    private readonly Gauge _stdHeadRoot, _stdFinalizedRoot, _stdJustifiedRoot, _stdPrevJustifiedRoot;
    private readonly Counter _stdReorgs;
    private Bytes32 _lastHead;

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
        _epoch = f.CreateGauge("cirrus_beacon_epoch", "The clock's current epoch.");
        _stdSlot = f.CreateGauge("beacon_slot", "Latest slot of the beacon chain state (the clock's slot).");
        _stdHeadSlot = f.CreateGauge("beacon_head_slot", "Slot of the head block of the beacon chain.");
        _stdFinalized = f.CreateGauge("beacon_finalized_epoch", "Current finalized epoch (head state).");
        _stdJustified = f.CreateGauge("beacon_current_justified_epoch", "Current justified epoch (head state).");
        _stdPrevJustified = f.CreateGauge("beacon_previous_justified_epoch", "Previous justified epoch (head state).");
        _stdActive = f.CreateGauge("beacon_current_active_validators", "Active validators in the head state's epoch.");
        _stdDeposits = f.CreateGauge("beacon_processed_deposits_total", "Deposits processed (the head state's eth1_deposit_index).");
        _stdHeadRoot = f.CreateGauge("beacon_head_root", "Root of the head block, as an int64 of root[24..32].");
        _stdFinalizedRoot = f.CreateGauge("beacon_finalized_root", "Root of the finalized checkpoint (head state), as an int64 of root[24..32].");
        _stdJustifiedRoot = f.CreateGauge("beacon_current_justified_root", "Root of the current justified checkpoint (head state), as an int64 of root[24..32].");
        _stdPrevJustifiedRoot = f.CreateGauge("beacon_previous_justified_root", "Root of the previous justified checkpoint (head state), as an int64 of root[24..32].");
        _stdReorgs = f.CreateCounter("beacon_reorgs_total", "Chain reorganizations (head changes to a block that does not descend from the old head).");
        chain.Events += OnEvent;
        Update();
    }

    private void OnEvent(ChainEvent e)
    {
        switch (e)
        {
            case BlockEvent: _blocks.Inc(); break;
            case HeadEvent h: _heads.Inc(); _headSlot.Set(h.Slot); _stdHeadSlot.Set(h.Slot); break;
            case ChainReorgEvent: _reorgs.Inc(); _stdReorgs.Inc(); break;
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
        _stdSlot.Set(_chain.CurrentSlot);
        _epoch.Set(_chain.CurrentSlot / _chain.Config.SlotsPerEpoch);
        _stdHeadSlot.Set(_chain.HeadSlot);
        var head = _chain.Head;
        if (head == _lastHead) return;
        // the head state's checkpoints and registry change only with the head
        if (_chain.GetBlockState(head) is not { } state) return;
        _lastHead = head;
        _stdHeadRoot.Set(RootGauge(head));
        _stdFinalizedRoot.Set(RootGauge(state.FinalizedCheckpoint.Root));
        _stdJustifiedRoot.Set(RootGauge(state.CurrentJustifiedCheckpoint.Root));
        _stdPrevJustifiedRoot.Set(RootGauge(state.PreviousJustifiedCheckpoint.Root));
        _stdFinalized.Set(state.FinalizedCheckpoint.Epoch);
        _stdJustified.Set(state.CurrentJustifiedCheckpoint.Epoch);
        _stdPrevJustified.Set(state.PreviousJustifiedCheckpoint.Epoch);
        _stdDeposits.Set(state.Eth1DepositIndex);
        ulong epoch = state.Slot / _chain.Config.SlotsPerEpoch;
        int active = 0;
        foreach (var v in state.Validators)
            if (v.ActivationEpoch <= epoch && epoch < v.ExitEpoch) active++;
        _stdActive.Set(active);
    }

    /// <summary>
    /// The interop list's number for a root: its last 8 bytes as a little-endian signed integer
    /// (a Prometheus sample is a double, so only the top 53 bits survive: enough to tell roots apart on a graph).
    /// </summary>
    public static long RootGauge(Bytes32 root) => System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(root.AsSpan()[24..]);

    /// <summary>Serves the registry at http://ADDRESS:PORT/metrics.</summary>
    public IDisposable Serve(string address, int port)
    {
        var server = new MetricServer(address, port, "metrics/", Registry);
        server.Start();
        return server;
    }

    public void Dispose() => _chain.Events -= OnEvent;
}
