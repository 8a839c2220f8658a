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
[Config(typeof(StateTransitionBenchConfig))]
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

    /// <summary>Part of ProcessEpoch: the one pass over registry and pending attestations.</summary>
    [Benchmark]
    public EpochSummary Summary() => new(_state);

    /// <summary>Part of ProcessEpoch's cost: shuffling the next epoch's active validators (whole-list shuffle).</summary>
    [Benchmark]
    public EpochShuffling NextEpochShuffling()
    {
        var c = _state.Config;
        ulong next = _state.CurrentEpoch + 1;
        var active = Cirrus.Consensus.Helpers.BeaconStateAccessors.ComputeActiveValidatorIndices(_state.State, next);
        var seed = Cirrus.Consensus.Helpers.BeaconStateAccessors.GetSeed(c, _state.State, next, c.DomainBeaconAttester);
        return new EpochShuffling(c, next, seed, active);
    }

    [Benchmark]
    public ulong ProcessEpoch()
    {
        EpochProcessing.ProcessEpoch(_state);
        _state.State.Slot++;
        return _state.GetBeaconProposerIndex();
    }
}

/// <summary>
/// hash_tree_root of the whole state after one slot's worth of changes (a state root, a block root,
/// 64 balances and one validator): the SSZ engine (with its tree cache) against the transition's
/// StateHasher. Both caches are warm after the first call.
/// </summary>
[Config(typeof(StateTransitionBenchConfig))]
public class StateTransitionHashBenchmarks
{
    [Params(16_384, 100_000, 1_000_000)]
    public int Validators { get; set; }

    private CachedBeaconState _state = null!;
    private int _round;

    [GlobalSetup]
    public void Setup() => _state = StateTransitionSetup.Synthesize(Validators, StateTransitionSetup.RandomPubkeys());

    private void Mutate()
    {
        var s = _state.State;
        int r = ++_round;
        s.StateRoots[r % s.StateRoots.Length] = s.BlockRoots[(r * 7) % s.BlockRoots.Length];
        s.BlockRoots[r % s.BlockRoots.Length] = s.StateRoots[(r * 3) % s.StateRoots.Length];
        for (int k = 0; k < 64; k++) s.Balances[(int)(((long)r * 977 + (long)k * 15485863) % s.Balances.Count)] += 1;
        s.Validators[r % s.Validators.Count].EffectiveBalance ^= 1_000_000_000;
    }

    [Benchmark(Baseline = true)]
    public Cirrus.Ssz.Bytes32 SszEngine()
    {
        Mutate();
        return _state.Config.Schema.HashTreeRoot(_state.State);
    }

    [Benchmark]
    public Cirrus.Ssz.Bytes32 StateHasher()
    {
        Mutate();
        return _state.HashTreeRoot();
    }
}
