using System.Diagnostics;
using System.Net;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Types;
using Cirrus.Network;
using Cirrus.Networking;
using Cirrus.Node;
using Cirrus.Node.Validation;
using Cirrus.Storage;

// Range-sync benchmark: a node holding a generated chain (bench/Cirrus.ImportBench's generator: mainnet
// preset) serves it over libp2p on loopback to a fresh node, run as a child process so that its peak RSS
// is its own, which range-syncs it with every signature checked. The reference is the same chain
// replayed locally into a fresh store, in a child process as well (same cold start), in the same run;
// the ratio says what the network path costs.
//   dotnet run -c Release --project bench/Cirrus.SyncBench -- [--validators N] [--epochs E] [--data DIR]

int validators = 16384, epochs = 6;
string data = Path.Combine(AppContext.BaseDirectory, "import-bench-data");
string? peer = null;
bool replay = false;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--validators": validators = int.Parse(Next()); break;
        case "--epochs": epochs = int.Parse(Next()); break;
        case "--data": data = Next(); break;
        case "--sync-from": peer = Next(); break; // the child: sync from this peer, print the result
        case "--replay": replay = true; break; // the child: import the blocks locally, print the result
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}
var c = ChainConfig.Mainnet;
var (genesis, blocks) = ChainGenerator.LoadOrGenerate(c, validators, epochs, heavy: false, data);
var headRoot = c.Schema.HashTreeRoot(blocks[^1].Message);
// One fixed clock for every node: just after the last block.
var now = DateTimeOffset.FromUnixTimeSeconds((long)(genesis.GenesisTime + (ulong)(blocks[^1].Message.Slot + 2) * c.SecondsPerSlot));
Func<DateTimeOffset> clock = () => now;
string work = Path.Combine(data, "sync-" + Environment.ProcessId);

if (peer is not null) return SyncAsChild(peer).GetAwaiter().GetResult();
if (replay) return ReplayAsChild();

Console.WriteLine($"chain: mainnet preset, {validators} validators, {blocks.Count} blocks, {blocks.Sum(b => b.Message.Body.Attestations.Count)} attestations ({Environment.ProcessorCount} cores)");
try
{
    // 1. the reference: the same blocks imported locally (signatures on, a fresh store)
    var (replayRate, replayPeak) = await RunChild(["--replay"]);
    Console.WriteLine($"local replay: {replayRate:F1} blocks/s, peak RSS {replayPeak / 1024} MiB");

    // 2. the server: holds the chain (imported without signature checks: it is ours)
    using var served = BeaconChain.Open(c, BeaconStore.Open(Path.Combine(work, "server"), c.Schema), new ChainAnchor(genesis), null, clock);
    foreach (var b in blocks) served.ImportBlock(b);
    await using var server = Node(served, Path.Combine(work, "server-net"), []);
    server.Start();
    string addr = server.ListenAddress!.WithPeerId(server.PeerId).ToString();

    // 3. the syncing node, in its own process
    var (syncRate, peakKiB) = await RunChild(["--sync-from", addr]);
    Console.WriteLine($"range sync over libp2p: {syncRate:F1} blocks/s; local replay {replayRate:F1} blocks/s; ratio {syncRate / replayRate:P0} (goal >= 90%)");
    Console.WriteLine($"syncing node peak RSS: {peakKiB / 1024} MiB");
    return 0;
}
finally
{
    try { Directory.Delete(work, true); } catch (IOException) { }
}

// Runs this program in a child mode; its "RESULT rate peak" line is the answer.
async Task<(double Rate, long PeakKiB)> RunChild(string[] mode)
{
    var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
    if (!Environment.ProcessPath!.EndsWith("Cirrus.SyncBench", StringComparison.Ordinal)) psi.ArgumentList.Add(typeof(Program).Assembly.Location);
    foreach (var a in (string[])["--validators", validators.ToString(), "--epochs", epochs.ToString(), "--data", data, .. mode]) psi.ArgumentList.Add(a);
    using var child = Process.Start(psi)!;
    string? result = null;
    while (await child.StandardOutput.ReadLineAsync() is { } line)
    {
        if (line.StartsWith("RESULT ")) result = line;
        else Console.WriteLine("  " + line);
    }
    await child.WaitForExitAsync();
    if (result is null) throw new InvalidOperationException($"the child {string.Join(' ', mode)} failed (exit {child.ExitCode})");
    var f = result.Split(' ');
    return (double.Parse(f[1]), long.Parse(f[2]));
}

int ReplayAsChild()
{
    string dir = Path.Combine(data, "replay-" + Environment.ProcessId);
    try
    {
        using var chain = BeaconChain.Open(c, BeaconStore.Open(dir, c.Schema), new ChainAnchor(genesis), new BlsSignatureVerifier(), clock);
        GC.Collect();
        var sw = Stopwatch.StartNew();
        // in the segments range sync imports (64 blocks, one signature batch and one write each)
        for (int k = 0; k < blocks.Count; k += 64)
            if (chain.ImportBlocks(blocks.GetRange(k, Math.Min(64, blocks.Count - k))).Error is { } e) throw e;
        double seconds = sw.Elapsed.TotalSeconds;
        if (chain.Head != headRoot) throw new InvalidOperationException("the replay did not reach the head");
        Console.WriteLine($"replayed {blocks.Count} blocks in {seconds:F2} s");
        Console.WriteLine($"RESULT {blocks.Count / seconds:F3} {PeakRssKiB()}");
        return 0;
    }
    finally
    {
        try { Directory.Delete(dir, true); } catch (IOException) { }
    }
}

async Task<int> SyncAsChild(string from)
{
    string dir = Path.Combine(data, "sync-child-" + Environment.ProcessId);
    try
    {
        var verifier = new BlsSignatureVerifier();
        using var chain = BeaconChain.Open(c, BeaconStore.Open(Path.Combine(dir, "db"), c.Schema), new ChainAnchor(genesis), verifier, clock);
        blocks = null!; // the child holds only what the node holds
        GC.Collect();
        var sw = Stopwatch.StartNew();
        await using var net = Node(chain, Path.Combine(dir, "net"), [Multiaddr.Parse(from)]);
        net.Start();
        while (chain.Head != headRoot)
        {
            await Task.Delay(20);
            if (sw.Elapsed > TimeSpan.FromMinutes(30)) { Console.WriteLine("gave up after 30 minutes"); return 1; }
        }
        double seconds = sw.Elapsed.TotalSeconds;
        ulong imported = chain.HeadSlot; // a block every slot
        Console.WriteLine($"synced {imported} blocks in {seconds:F2} s");
        Console.WriteLine($"RESULT {imported / seconds:F3} {PeakRssKiB()}");
        return 0;
    }
    finally
    {
        try { Directory.Delete(dir, true); } catch (IOException) { }
    }
}

Eth2Network Node(BeaconChain chain, string dir, Multiaddr[] peers)
{
    Directory.CreateDirectory(dir);
    var options = new NetworkOptions { ListenAddress = IPAddress.Loopback, Port = 0, Discovery = false, StaticPeers = peers, DataDir = dir };
    return new Eth2Network(options, chain, new MessageValidator(chain, clock), l => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss.f} {l}"));
}

static long PeakRssKiB()
{
    foreach (var line in File.ReadLines("/proc/self/status"))
        if (line.StartsWith("VmHWM:")) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
    return 0;
}
