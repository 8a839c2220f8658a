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

    /// <summary>hash_tree_root from scratch (re-hashing after a block is CachedBeaconState's StateHasher).</summary>
    [Benchmark] public Bytes32 HashTreeRoot() => _type.HashTreeRoot(_state);
}
