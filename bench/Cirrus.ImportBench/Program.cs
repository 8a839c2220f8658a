using System.Diagnostics;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Node;
using Cirrus.Ssz;
using Cirrus.Storage;

// Block import benchmark: replays a stored chain into a fresh node (state transition with every
// signature batch-verified, RocksDB writes with fsync, fork choice) in range-sync segments, and
// sets it against what BLS alone allows on this machine, measured in the same run.
//   dotnet run -c Release --project bench/Cirrus.ImportBench -- [--validators N] [--epochs E] [--heavy]
//       [--runs R] [--segment S] [--data DIR] [--profile]
// The chain (mainnet preset, a block every slot) is generated once into DIR and reused. Light: one
// full aggregate per committee of the slot before. --heavy: 128 partial aggregates per block.
// Each run: (1) the batch verifier alone checks the chain's signature sets, segment by segment as
// the import batches them (public keys decoded beforehand, as a running node has them) -> sig/s
// and the BLS bound = sig/s / signatures per block; (2) a fresh node imports the chain -> blocks/s.

int validators = 16384, epochs = 6, runs = 3, segment = 64;
bool heavy = false;
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
        case "--segment": segment = int.Parse(Next()); break;
        case "--heavy": heavy = true; break;
        case "--profile": break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}
var c = ChainConfig.Mainnet;
if (validators < 1 || epochs < 1 || runs < 1 || segment < 1) { Console.Error.WriteLine("--validators, --epochs, --runs and --segment must be positive"); return 2; }
var (genesis, blocks) = ChainGenerator.LoadOrGenerate(c, validators, epochs, heavy, data);
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
// The chain's signature sets, per segment, exactly as the import collects them.
var segments = new List<List<SignedBeaconBlock>>();
for (int i = 0; i < blocks.Count; i += segment) segments.Add(blocks.GetRange(i, Math.Min(segment, blocks.Count - i)));
var segmentSets = new List<List<SignatureSet>>();
BeaconState finalState;
{
    var cs = new CachedBeaconState(c, c.Schema.Copy(genesis));
    var noVerify = new SignatureCollector(new BlsSignatureVerifier());
    foreach (var seg in segments)
    {
        foreach (var b in seg) StateTransition.ApplyCollecting(cs, b, noVerify);
        segmentSets.Add([.. noVerify.Sets]);
        noVerify.Clear();
    }
    finalState = cs.State;
}
int totalSigs = segmentSets.Sum(s => s.Count);
double sigsPerBlock = (double)totalSigs / blocks.Count;
Console.WriteLine($"{totalSigs} signature sets, {sigsPerBlock:F2} per block, {blocks.Count / segments.Count} blocks per segment; load average {LoadAverage()}");

var rows = new List<(double SigRate, double Bound, double Rate, double Fraction)>();
for (int run = 1; run <= runs; run++)
{
    // Segment by segment, alternating so that both see the same load: (1) BLS alone on the
    // batch the import will verify, (2) the import of that segment by a fresh node.
    var bls = new BlsSignatureVerifier();
    bls.Cache.Warm(finalState.Validators);
    string dir = Path.Combine(data, "replay-" + Environment.ProcessId);
    if (Directory.Exists(dir)) Directory.Delete(dir, true);
    GC.Collect();
    var clockTime = DateTimeOffset.FromUnixTimeSeconds((long)(genesis.GenesisTime + (ulong)(blocks.Count + 2) * c.SecondsPerSlot));
    var verifier = new BlsSignatureVerifier();
    var swWarm = Stopwatch.StartNew();
    verifier.Cache.Warm(genesis.Validators); // a node decodes its registry's keys at start
    double warmMs = swWarm.Elapsed.TotalMilliseconds;
    using (var chain = BeaconChain.Open(c, BeaconStore.Open(dir, c.Schema), new ChainAnchor(genesis), verifier, () => clockTime))
    {
        var swBls = new Stopwatch();
        var sw = new Stopwatch();
        for (int k = 0; k < segments.Count; k++)
        {
            swBls.Start();
            if (bls.VerifyBatch(segmentSets[k], finalState.Validators) >= 0) throw new InvalidOperationException("a generated signature failed");
            swBls.Stop();
            sw.Start();
            var result = chain.ImportBlocks(segments[k]);
            sw.Stop();
            if (result.Error is { } e) throw new InvalidOperationException($"import failed at block {result.Imported} of a segment: {e.Message}");
        }
        double sigRate = totalSigs / swBls.Elapsed.TotalSeconds;
        double bound = sigRate / sigsPerBlock;
        double rate = blocks.Count / sw.Elapsed.TotalSeconds;
        rows.Add((sigRate, bound, rate, rate / bound));
        Console.WriteLine($"run {run}: BLS alone {sigRate:F0} sig/s -> bound {bound:F1} blocks/s; import {blocks.Count} blocks in {sw.Elapsed.TotalSeconds:F2} s = " +
            $"{rate:F1} blocks/s = {100 * rate / bound:F0}% of the bound; finalized epoch {chain.FinalizedCheckpoint.Epoch} (keys decoded before: {warmMs:F0} ms)");
        if (chain.Head != c.Schema.HashTreeRoot(blocks[^1].Message)) throw new InvalidOperationException("replay did not reach the stored head");
        if (run == runs)
        {
            // what the benchmark itself holds (the BLS-alone verifier's keys, its copies of the
            // genesis and final states, the signature sets) is dropped: the figure is the node's
            bls = null!;
            finalState = null!;
            genesis = null!;
            segmentSets.Clear();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var (rss, hwm) = Memory();
            Console.WriteLine($"memory after import (chain still open): RSS {rss / 1024} MiB, peak RSS {hwm / 1024} MiB, managed heap {GC.GetTotalMemory(false) >> 20} MiB");
            // IMPORT_BENCH_HOLD=S keeps the chain open S seconds more, for a heap dump (dotnet-gcdump)
            if (int.TryParse(Environment.GetEnvironmentVariable("IMPORT_BENCH_HOLD"), out int hold)) Thread.Sleep(hold * 1000);
        }
    }
    Directory.Delete(dir, true);
}
double Median(Func<(double SigRate, double Bound, double Rate, double Fraction), double> f)
{
    var v = rows.Select(f).OrderBy(x => x).ToList();
    return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
}
Console.WriteLine($"median of {runs}: batch verifier {Median(r => r.SigRate):F0} sig/s, {sigsPerBlock:F2} sigs/block, BLS bound {Median(r => r.Bound):F1} blocks/s, " +
    $"import {Median(r => r.Rate):F1} blocks/s, fraction of the bound {100 * Median(r => r.Fraction):F0}% ({Environment.ProcessorCount} cores, load average {LoadAverage()})");
return 0;

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

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
