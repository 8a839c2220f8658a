using BenchmarkDotNet.Attributes;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Transition.Epoch;

namespace Cirrus.Benchmarks;

/// <summary>
/// One epoch transition (spec: process_epoch, plus the next epoch's shuffling and first proposer,
/// which the first slot of the next epoch needs) on synthesized mainnet-preset states with full
/// participation. The state is copied before each invocation, outside the measurement.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 7, invocationCount: 1)]
public class StateTransitionEpochBenchmarks
{
    [Params(16_384, 100_000, 1_000_000)]
    public int Validators { get; set; }

    private CachedBeaconState _template = null!;
    private CachedBeaconState _state = null!;

    [GlobalSetup]
    public void Setup() => _template = StateTransitionSetup.Synthesize(Validators, StateTransitionSetup.RandomPubkeys());

    [IterationSetup]
    public void Copy() => _state = _template.Copy();

    [Benchmark]
    public ulong ProcessEpoch()
    {
        EpochProcessing.ProcessEpoch(_state);
        _state.State.Slot++;
        return _state.GetBeaconProposerIndex();
    }
}

/// <summary>hash_tree_root of the whole state (what process_slot pays each slot, uncached).</summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class StateTransitionHashBenchmarks
{
    [Params(16_384, 100_000, 1_000_000)]
    public int Validators { get; set; }

    private CachedBeaconState _state = null!;

    [GlobalSetup]
    public void Setup() => _state = StateTransitionSetup.Synthesize(Validators, StateTransitionSetup.RandomPubkeys());

    [Benchmark]
    public Cirrus.Ssz.Bytes32 StateRoot() => _state.Config.Schema.HashTreeRoot(_state.State);
}
