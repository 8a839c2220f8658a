using BenchmarkDotNet.Attributes;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Benchmarks;

/// <summary>Mainnet-preset schema and synthesized states for the SSZ benchmarks.</summary>
internal static class BenchSchemas
{
    public static readonly SszSchema Schema = Cirrus.Consensus.Config.Networks.Preset("mainnet")!.Schema;

    public static string FindShared(string relative)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            foreach (string c in new[] { Path.Combine(d.FullName, "shared", relative), Path.Combine(d.FullName, "..", "shared", relative) })
                if (File.Exists(c)) return Path.GetFullPath(c);
        }
        throw new FileNotFoundException("shared/" + relative + " not found next to the repository");
    }

    /// <summary>A mainnet-sized state: zinken genesis with its validator set grown to <paramref name="n"/>.</summary>
    public static BeaconState Synthesize(int n)
    {
        var state = Schema.Deserialize<BeaconState>(File.ReadAllBytes(FindShared("testnets/zinken/genesis.ssz")));
        var rng = new Random(42);
        var key = new byte[48];
        var cred = new byte[32];
        while (state.Validators.Count < n)
        {
            rng.NextBytes(key);
            rng.NextBytes(cred);
            state.Validators.Add(new Validator
            {
                Pubkey = Bytes48.FromSpan(key), WithdrawalCredentials = Bytes32.FromSpan(cred),
                EffectiveBalance = 32_000_000_000, ActivationEpoch = 0, ActivationEligibilityEpoch = 0,
                ExitEpoch = ulong.MaxValue, WithdrawableEpoch = ulong.MaxValue,
            });
            state.Balances.Add(32_000_000_000 + (ulong)rng.Next(1_000_000));
        }
        return state;
    }
}

[MemoryDiagnoser]
public class SszStateBenchmarks
{
    [Params(3761, 100_000)]
    public int Validators { get; set; }

    private SszType<BeaconState> _type = null!;
    private BeaconState _state = null!;
    private byte[] _bytes = null!;

    [GlobalSetup]
    public void Setup()
    {
        _type = BenchSchemas.Schema.Get<BeaconState>();
        _state = BenchSchemas.Synthesize(Validators);
        _bytes = _type.Serialize(_state);
    }

    [Benchmark] public BeaconState Decode() => _type.Deserialize(_bytes);

    [Benchmark] public byte[] Encode() => _type.Serialize(_state);

    /// <summary>The same state hashed again: every layer comes from the tree cache.</summary>
    [Benchmark] public Bytes32 HashTreeRootCached() => _type.HashTreeRoot(_state);
}

/// <summary>Re-hash after a block's worth of changes, with the tree cache warm (as a node does every slot).</summary>
public class SszRehashBenchmarks
{
    [Params(100_000)]
    public int Validators { get; set; }

    private SszType<BeaconState> _type = null!;
    private BeaconState _state = null!;
    private ulong _slot;

    [GlobalSetup]
    public void Setup()
    {
        _type = BenchSchemas.Schema.Get<BeaconState>();
        _state = BenchSchemas.Synthesize(Validators);
        _type.HashTreeRoot(_state);
    }

    [Benchmark]
    public Bytes32 RehashAfterBlock()
    {
        // What a block with 128 attestations and a slot change touch: roots, a mix, a few balances, attestations.
        _slot++;
        _state.Slot = _slot;
        _state.BlockRoots[_slot % 8192] = _type.HashTreeRoot(_state);
        _state.StateRoots[_slot % 8192] = _state.BlockRoots[_slot % 8192];
        _state.RandaoMixes[_slot % 65536] = _state.BlockRoots[_slot % 8192];
        for (int i = 0; i < 16; i++) _state.Balances[(int)((_slot * 977 + (ulong)i * 6151) % (ulong)_state.Balances.Count)] += 1;
        return _type.HashTreeRoot(_state);
    }
}

/// <summary>hash_tree_root of a freshly decoded state: no cached layers.</summary>
public class SszHashFromScratchBenchmarks
{
    [Params(3761, 100_000)]
    public int Validators { get; set; }

    private SszType<BeaconState> _type = null!;
    private byte[] _bytes = null!;
    private BeaconState _fresh = null!;

    [GlobalSetup]
    public void Setup()
    {
        _type = BenchSchemas.Schema.Get<BeaconState>();
        _bytes = _type.Serialize(BenchSchemas.Synthesize(Validators));
    }

    [IterationSetup]
    public void Fresh() => _fresh = _type.Deserialize(_bytes);

    [Benchmark, InvocationCount(1)]
    public Bytes32 HashTreeRootFromScratch() => _type.HashTreeRoot(_fresh);
}
