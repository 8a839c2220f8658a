// Storage benchmarks. Run: dotnet run -c Release --project bench/Cirrus.Benchmarks -- --filter '*Storage*'
using BenchmarkDotNet.Attributes;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using Cirrus.Storage;

namespace Cirrus.Benchmarks;

/// <summary>Minimal-preset blocks and states shaped like a small devnet's (64 validators, 8 attestations per block).</summary>
internal static class StorageBenchData
{
    private static readonly Dictionary<string, ulong> Minimal = new()
    {
        ["SLOTS_PER_EPOCH"] = 8, ["SLOTS_PER_HISTORICAL_ROOT"] = 64, ["EPOCHS_PER_HISTORICAL_VECTOR"] = 64,
        ["EPOCHS_PER_SLASHINGS_VECTOR"] = 64, ["EPOCHS_PER_ETH1_VOTING_PERIOD"] = 4, ["HISTORICAL_ROOTS_LIMIT"] = 16777216,
        ["VALIDATOR_REGISTRY_LIMIT"] = 1099511627776, ["MAX_VALIDATORS_PER_COMMITTEE"] = 2048, ["MAX_PROPOSER_SLASHINGS"] = 16,
        ["MAX_ATTESTER_SLASHINGS"] = 2, ["MAX_ATTESTATIONS"] = 128, ["MAX_DEPOSITS"] = 16, ["MAX_VOLUNTARY_EXITS"] = 16,
        ["JUSTIFICATION_BITS_LENGTH"] = 4, ["DEPOSIT_CONTRACT_TREE_DEPTH"] = 32,
    };

    public static readonly SszSchema Schema = new(n => Minimal.TryGetValue(n, out var v) ? v : null);

    private static Bytes32 Rand32(Random rng)
    {
        Span<byte> b = stackalloc byte[32];
        rng.NextBytes(b);
        return Bytes32.FromSpan(b);
    }

    private static Bytes96 Rand96(Random rng)
    {
        Span<byte> b = stackalloc byte[96];
        rng.NextBytes(b);
        return Bytes96.FromSpan(b);
    }

    public static (Bytes32 Root, SignedBeaconBlock Block) Block(ulong slot, Bytes32 parent, Random rng)
    {
        var b = new SignedBeaconBlock { Signature = Rand96(rng) };
        b.Message.Slot = slot;
        b.Message.ProposerIndex = slot % 64;
        b.Message.ParentRoot = parent;
        b.Message.StateRoot = Rand32(rng);
        b.Message.Body.RandaoReveal = Rand96(rng);
        b.Message.Body.Graffiti = Rand32(rng);
        for (ulong i = 0; i < 8; i++)
        {
            var bits = new Bitlist(8);
            for (int j = 0; j < 8; j++) bits[j] = rng.Next(4) != 0;
            b.Message.Body.Attestations.Add(new Attestation
            {
                AggregationBits = bits,
                Data = new AttestationData
                {
                    Slot = slot - 1, Index = i % 2, BeaconBlockRoot = parent,
                    Source = new Checkpoint { Epoch = slot < 8 ? 0 : slot / 8 - 1, Root = Rand32(rng) },
                    Target = new Checkpoint { Epoch = slot / 8, Root = Rand32(rng) },
                },
                Signature = Rand96(rng),
            });
        }
        return (Schema.HashTreeRoot(b.Message), b);
    }

    public static BeaconState State(ulong slot, int validators, Random rng)
    {
        var st = Schema.Default<BeaconState>();
        st.Slot = slot;
        for (int i = 0; i < st.BlockRoots.Length; i++) { st.BlockRoots[i] = Rand32(rng); st.StateRoots[i] = Rand32(rng); }
        for (int i = 0; i < st.RandaoMixes.Length; i++) st.RandaoMixes[i] = Rand32(rng);
        var key = new byte[48];
        for (int i = 0; i < validators; i++)
        {
            rng.NextBytes(key);
            st.Validators.Add(new Validator
            {
                Pubkey = Bytes48.FromSpan(key), WithdrawalCredentials = Rand32(rng), EffectiveBalance = 32_000_000_000,
                ExitEpoch = ulong.MaxValue, WithdrawableEpoch = ulong.MaxValue,
            });
            st.Balances.Add(32_000_000_000 + (ulong)rng.Next(1_000_000));
        }
        return st;
    }

    public static Checkpoint Cp(ulong epoch, Bytes32 root) => new() { Epoch = epoch, Root = root };
}

/// <summary>
/// Block import rate: each import is one atomic write of the block, its summary and slot index,
/// the post-state summary, the head/finality metadata and the canonical index update — with and
/// without an fsync of the WAL per import. A snapshot state (64 validators) every 8th block.
/// </summary>
[MemoryDiagnoser, MedianColumn]
public class StorageImportBenchmarks
{
    private const int Batch = 256;

    [Params(true, false)]
    public bool SyncWrites { get; set; }

    private string _dir = "";
    private BeaconStore _store = null!;
    private readonly Random _rng = new(1);
    private ulong _slot;
    private Bytes32 _parent;
    private Bytes32 _genesis;
    private readonly List<BlockImport> _next = new(Batch);

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "cirrus-bench-store-" + Guid.NewGuid().ToString("N"));
        _store = BeaconStore.Open(_dir, StorageBenchData.Schema, new StoreOptions { SyncWrites = SyncWrites });
        var (root, block) = StorageBenchData.Block(0, default, _rng);
        var state = StorageBenchData.State(0, 64, _rng);
        _store.Initialize(new GenesisInfo(0, default), new ForkChoiceAnchor(root, block.Message.StateRoot, 0, StorageBenchData.Cp(0, root)), block, state);
        _genesis = _parent = root;
    }

    [IterationSetup]
    public void MakeBlocks()
    {
        _next.Clear();
        for (int i = 0; i < Batch; i++)
        {
            var (root, block) = StorageBenchData.Block(++_slot, _parent, _rng);
            var snapshot = _slot % 8 == 0 ? StorageBenchData.State(_slot, 64, _rng) : null;
            _next.Add(new BlockImport(root, block, snapshot, new HeadUpdate(root, StorageBenchData.Cp(0, _genesis), StorageBenchData.Cp(0, _genesis))));
            _parent = root;
        }
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public void ImportBlock()
    {
        foreach (var i in _next) _store.ImportBlock(i);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>
/// Read rate over a store of 4096 blocks (and a 64-validator snapshot every 8th): blocks by
/// root (raw SSZ and decoded), the canonical index, and state snapshots (decoded), in random order.
/// </summary>
[MemoryDiagnoser, MedianColumn]
public class StorageReadBenchmarks
{
    private const int Blocks = 4096;
    private const int Reads = 1024;

    private string _dir = "";
    private BeaconStore _store = null!;
    private Bytes32[] _blockRoots = [];
    private Bytes32[] _stateRoots = [];
    private ulong[] _slots = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(2);
        _dir = Path.Combine(Path.GetTempPath(), "cirrus-bench-store-" + Guid.NewGuid().ToString("N"));
        _store = BeaconStore.Open(_dir, StorageBenchData.Schema, new StoreOptions { SyncWrites = false });
        var (g, gb) = StorageBenchData.Block(0, default, rng);
        _store.Initialize(new GenesisInfo(0, default), new ForkChoiceAnchor(g, gb.Message.StateRoot, 0, StorageBenchData.Cp(0, g)), gb, StorageBenchData.State(0, 64, rng));
        var roots = new List<Bytes32>();
        var states = new List<Bytes32>();
        var parent = g;
        for (ulong s = 1; s <= Blocks; s++)
        {
            var (root, block) = StorageBenchData.Block(s, parent, rng);
            BeaconState? snap = null;
            if (s % 8 == 0)
            {
                snap = StorageBenchData.State(s, 64, rng);
                states.Add(block.Message.StateRoot);
            }
            _store.ImportBlock(new BlockImport(root, block, snap, new HeadUpdate(root, StorageBenchData.Cp(0, g), StorageBenchData.Cp(0, g))));
            roots.Add(root);
            parent = root;
        }
        // Random access order, fixed across runs.
        _blockRoots = Enumerable.Range(0, Reads).Select(_ => roots[rng.Next(roots.Count)]).ToArray();
        _stateRoots = Enumerable.Range(0, Reads / 8).Select(_ => states[rng.Next(states.Count)]).ToArray();
        _slots = Enumerable.Range(0, Reads).Select(_ => (ulong)rng.Next(1, Blocks + 1)).ToArray();
    }

    [Benchmark(OperationsPerInvoke = Reads)]
    public int GetBlockSsz()
    {
        int n = 0;
        foreach (var r in _blockRoots) n += _store.GetBlockSsz(r)!.Length;
        return n;
    }

    [Benchmark(OperationsPerInvoke = Reads)]
    public ulong GetBlock()
    {
        ulong n = 0;
        foreach (var r in _blockRoots) n += _store.GetBlock(r)!.Message.Slot;
        return n;
    }

    [Benchmark(OperationsPerInvoke = Reads)]
    public int GetCanonicalBlockRoot()
    {
        int n = 0;
        foreach (var s in _slots) n += _store.GetCanonicalBlockRoot(s) is null ? 0 : 1;
        return n;
    }

    [Benchmark(OperationsPerInvoke = Reads / 8)]
    public ulong GetStateSnapshot()
    {
        ulong n = 0;
        foreach (var r in _stateRoots) n += _store.GetStateSnapshot(r)!.Slot;
        return n;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
