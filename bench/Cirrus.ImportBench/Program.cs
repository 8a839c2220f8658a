using System.Diagnostics;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Node;
using Cirrus.Ssz;
using Cirrus.Storage;

// Block import benchmark: replays a stored chain into a fresh node (state transition with every
// signature batch-verified, RocksDB writes, fork choice) and reports blocks/s and memory.
//   dotnet run -c Release --project bench/Cirrus.ImportBench -- [--validators N] [--epochs E] [--runs R] [--data DIR]
// The chain (mainnet preset, a block every slot carrying one full aggregate per committee of the
// slot before) is generated once into DIR/chain-N-E and reused.

int validators = 16384, epochs = 6, runs = 3;
string data = Path.Combine(AppContext.BaseDirectory, "import-bench-data");
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--validators": validators = int.Parse(Next()); break;
        case "--epochs": epochs = int.Parse(Next()); break;
        case "--runs": runs = int.Parse(Next()); break;
        case "--data": data = Next(); break;
        case "--profile": break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}
var c = ChainConfig.Mainnet;
var (genesis, blocks) = ChainGenerator.LoadOrGenerate(c, validators, epochs, data);
Console.WriteLine($"chain: mainnet preset, {validators} validators, {blocks.Count} blocks, {blocks.Sum(b => b.Message.Body.Attestations.Count)} attestations");

if (args.Contains("--profile"))
{
    // Where the time goes: state copies, then the bare state transition with and without signatures.
    {
        var cs = new CachedBeaconState(c, c.Schema.Copy(genesis));
        cs.HashTreeRoot();
        var sw0 = Stopwatch.StartNew();
        for (int k = 0; k < 50; k++) CachedBeaconState.CopyState(c, cs.State);
        double stateMs = sw0.Elapsed.TotalMilliseconds / 50;
        sw0.Restart();
        for (int k = 0; k < 50; k++) cs.Copy();
        var st = cs.State;
        void T(string what, Action a) { var w = Stopwatch.StartNew(); for (int k = 0; k < 50; k++) a(); Console.WriteLine($"  {what}: {w.Elapsed.TotalMilliseconds / 50:F3} ms"); }
        T("validators list", () => _ = new List<Validator>(st.Validators));
        T("validators spread", () => { List<Validator> l = [.. st.Validators]; });
        T("balances", () => _ = new List<ulong>(st.Balances));
        T("randao", () => _ = (Bytes32[])st.RandaoMixes.Clone());
        T("roots", () => _ = (Bytes32[])st.BlockRoots.Clone());
        T("fork", () => _ = c.Schema.Copy(st.Fork));
        Console.WriteLine($"copy: state {stateMs:F2} ms, state + hash caches {sw0.Elapsed.TotalMilliseconds / 50:F2} ms");
    }
    foreach (bool sigs in new[] { false, true })
    {
        var cs = new CachedBeaconState(c, c.Schema.Copy(genesis));
        var verifier = new BlsSignatureVerifier();
        var sw = Stopwatch.StartNew();
        TimeSpan copy = default;
        foreach (var b in blocks)
        {
            var t0 = sw.Elapsed;
            var next = cs.Copy();
            copy += sw.Elapsed - t0;
            StateTransition.Apply(next, b, sigs ? verifier : null, validateResult: true);
            cs = next;
        }
        Console.WriteLine($"state transition, signatures {(sigs ? "on" : "off")}: {blocks.Count / sw.Elapsed.TotalSeconds:F1} blocks/s (state copies {copy.TotalMilliseconds / blocks.Count:F1} ms/block)");
    }
    return 0;
}
var rates = new List<double>();
var steady = new List<double>();
for (int run = 1; run <= runs; run++)
{
    string dir = Path.Combine(data, "replay-" + Environment.ProcessId);
    if (Directory.Exists(dir)) Directory.Delete(dir, true);
    GC.Collect();
    var clockTime = DateTimeOffset.FromUnixTimeSeconds((long)(genesis.GenesisTime + (ulong)(blocks.Count + 2) * c.SecondsPerSlot));
    using (var chain = BeaconChain.Open(c, BeaconStore.Open(dir, c.Schema), new ChainAnchor(genesis), new BlsSignatureVerifier(), () => clockTime))
    {
        var sw = Stopwatch.StartNew();
        TimeSpan firstEpoch = default;
        foreach (var b in blocks)
        {
            chain.ImportBlock(b);
            if (b.Message.Slot == c.SlotsPerEpoch) firstEpoch = sw.Elapsed;
        }
        sw.Stop();
        double rate = blocks.Count / sw.Elapsed.TotalSeconds;
        int after = blocks.Count(b => b.Message.Slot > c.SlotsPerEpoch);
        double steadyRate = after / (sw.Elapsed - firstEpoch).TotalSeconds;
        rates.Add(rate);
        steady.Add(steadyRate);
        Console.WriteLine($"run {run}: {blocks.Count} blocks in {sw.Elapsed.TotalSeconds:F2} s = {rate:F1} blocks/s " +
            $"(after the first epoch, which decodes every public key: {steadyRate:F1} blocks/s); finalized epoch {chain.FinalizedCheckpoint.Epoch}");
        if (chain.Head != c.Schema.HashTreeRoot(blocks[^1].Message)) throw new InvalidOperationException("replay did not reach the stored head");
        if (run == runs)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var (rss, hwm) = Memory();
            Console.WriteLine($"memory after import (chain still open): RSS {rss / 1024} MiB, peak RSS {hwm / 1024} MiB, managed heap {GC.GetTotalMemory(false) >> 20} MiB");
        }
    }
    Directory.Delete(dir, true);
}
rates.Sort();
steady.Sort();
Console.WriteLine($"median: {rates[rates.Count / 2]:F1} blocks/s overall, {steady[steady.Count / 2]:F1} blocks/s steady ({Environment.ProcessorCount} cores)");
return 0;

static (long RssKiB, long PeakKiB) Memory()
{
    long rss = 0, hwm = 0;
    foreach (var line in File.ReadLines("/proc/self/status"))
    {
        if (line.StartsWith("VmRSS:")) rss = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        if (line.StartsWith("VmHWM:")) hwm = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
    }
    return (rss, hwm);
}
