using System.Diagnostics;
using System.Numerics;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Crypto;
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
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}
var c = ChainConfig.Mainnet;
string chainDir = Path.Combine(data, $"chain-{validators}-{epochs}");
if (!File.Exists(Path.Combine(chainDir, "complete")))
{
    if (Directory.Exists(chainDir)) Directory.Delete(chainDir, true);
    Directory.CreateDirectory(chainDir);
    ChainGenerator.Generate(c, validators, epochs, chainDir);
    File.WriteAllText(Path.Combine(chainDir, "complete"), "");
}
var genesis = c.Schema.Deserialize<BeaconState>(File.ReadAllBytes(Path.Combine(chainDir, "genesis.ssz")));
List<SignedBeaconBlock> blocks;
using (var stored = BeaconStore.Open(Path.Combine(chainDir, "db"), c.Schema))
    blocks = stored.GetCanonicalRange(1, ulong.MaxValue).Select(r => stored.GetBlock(r.Root)!).ToList();
Console.WriteLine($"chain: mainnet preset, {validators} validators, {blocks.Count} blocks, {blocks.Sum(b => b.Message.Body.Attestations.Count)} attestations");

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

/// <summary>Builds genesis and a perfectly attested chain; committee aggregates are signed with the committee's summed secret key (one signing per aggregate).</summary>
static class ChainGenerator
{
    public static void Generate(ChainConfig c, int n, int epochs, string dir)
    {
        var sw = Stopwatch.StartNew();
        Console.WriteLine($"generating {n} validators and {epochs} epochs of blocks (once; cached in {dir})...");
        var sks = new BigInteger[n];
        var state = c.Schema.Default<BeaconState>();
        state.GenesisTime = 1_606_824_023;
        state.Fork = new Fork { PreviousVersion = c.GenesisForkVersion, CurrentVersion = c.GenesisForkVersion };
        state.LatestBlockHeader = new BeaconBlockHeader { BodyRoot = c.Schema.HashTreeRoot(new BeaconBlockBody()) };
        Bytes32 mix = default;
        mix.AsWritableSpan().Fill(0x42);
        Array.Fill(state.RandaoMixes, mix);
        var pubkeys = new Bytes48[n];
        Parallel.For(0, n, i =>
        {
            var skb = InteropGenesis.SecretKeyBytes((ulong)i);
            sks[i] = new BigInteger(skb, isUnsigned: true, isBigEndian: true);
            using var sk = BlsSecretKey.FromBytes(skb);
            pubkeys[i] = Bytes48.FromSpan(sk.PublicKey.ToBytes());
        });
        for (int i = 0; i < n; i++)
        {
            state.Validators.Add(new Validator
            {
                Pubkey = pubkeys[i],
                EffectiveBalance = c.MaxEffectiveBalance,
                ActivationEligibilityEpoch = 0,
                ActivationEpoch = 0,
                ExitEpoch = ChainConfig.FarFutureEpoch,
                WithdrawableEpoch = ChainConfig.FarFutureEpoch,
            });
            state.Balances.Add(c.MaxEffectiveBalance);
        }
        state.Eth1Data = new Eth1Data { BlockHash = mix, DepositCount = (ulong)n };
        state.Eth1DepositIndex = (ulong)n;
        state.GenesisValidatorsRoot = Eth1Genesis.GenesisValidatorsRoot(c, state);
        File.WriteAllBytes(Path.Combine(dir, "genesis.ssz"), c.Schema.Serialize(state));
        Console.WriteLine($"  genesis in {sw.Elapsed.TotalSeconds:F1} s");

        using var store = BeaconStore.Open(Path.Combine(dir, "db"), c.Schema);
        var header = c.Schema.Copy(state.LatestBlockHeader);
        header.StateRoot = c.Schema.HashTreeRoot(state);
        var headRoot = c.Schema.HashTreeRoot(header);
        var genesisBlock = new SignedBeaconBlock { Message = new BeaconBlock { StateRoot = header.StateRoot } };
        var cp = new Checkpoint { Epoch = 0, Root = headRoot };
        store.Initialize(new GenesisInfo(state.GenesisTime, state.GenesisValidatorsRoot), new ForkChoiceAnchor(headRoot, header.StateRoot, 0, cp), genesisBlock, state);

        var head = new CachedBeaconState(c, state);
        var pending = new List<Attestation>();
        ulong last = (ulong)epochs * c.SlotsPerEpoch;
        for (ulong slot = 1; slot <= last; slot++)
        {
            var pre = head.Copy();
            StateTransition.ProcessSlots(pre, slot);
            ulong proposer = pre.GetBeaconProposerIndex();
            ulong epoch = slot / c.SlotsPerEpoch;
            var reveal = Sign(sks[proposer], Misc.ComputeSigningRoot(c, Misc.EpochRoot(epoch), BeaconStateAccessors.GetDomain(c, pre.State, c.DomainRandao, epoch)));
            var body = new BeaconBlockBody { RandaoReveal = reveal, Eth1Data = c.Schema.Copy(pre.State.Eth1Data) };
            foreach (var a in pending) body.Attestations.Add(a);
            var block = new BeaconBlock { Slot = slot, ProposerIndex = proposer, ParentRoot = headRoot, Body = body };
            var signed = new SignedBeaconBlock { Message = block };
            var post = head.Copy();
            StateTransition.Apply(post, signed, null, validateResult: false);
            block.StateRoot = c.Schema.HashTreeRoot(post.State);
            signed.Signature = Sign(sks[proposer], Misc.ComputeSigningRoot(c, block, BeaconStateAccessors.GetDomain(c, pre.State, c.DomainBeaconProposer, epoch)));
            headRoot = c.Schema.HashTreeRoot(block);
            store.ImportBlock(new BlockImport(headRoot, signed, Head: new HeadUpdate(headRoot, cp, cp)));
            head = post;
            pending = Attest(c, post, slot, headRoot, sks);
            if (slot % c.SlotsPerEpoch == 0) Console.WriteLine($"  epoch {epoch} generated ({sw.Elapsed.TotalSeconds:F1} s)");
        }
    }

    private static Bytes96 Sign(BigInteger sk, Bytes32 root)
    {
        var be = sk.ToByteArray(isUnsigned: true, isBigEndian: true);
        var b = new byte[32];
        be.CopyTo(b, 32 - be.Length);
        using var key = BlsSecretKey.FromBytes(b);
        return Bytes96.FromSpan(key.Sign(root.AsSpan()).ToBytes());
    }

    private static List<Attestation> Attest(ChainConfig c, CachedBeaconState state, ulong slot, Bytes32 blockRoot, BigInteger[] sks)
    {
        ulong epoch = slot / c.SlotsPerEpoch;
        ulong start = epoch * c.SlotsPerEpoch;
        var target = new Checkpoint { Epoch = epoch, Root = start == slot ? blockRoot : BeaconStateAccessors.GetBlockRootAtSlot(c, state.State, start) };
        var domain = BeaconStateAccessors.GetDomain(c, state.State, c.DomainBeaconAttester, epoch);
        var result = new List<Attestation>();
        ulong count = BeaconStateAccessors.GetCommitteeCountPerSlot(state, epoch);
        for (ulong index = 0; index < count; index++)
        {
            var data = new AttestationData { Slot = slot, Index = index, BeaconBlockRoot = blockRoot, Source = c.Schema.Copy(state.State.CurrentJustifiedCheckpoint), Target = target.Copy() };
            var committee = BeaconStateAccessors.GetBeaconCommittee(state, slot, index).ToArray();
            var bits = new Bitlist(committee.Length);
            BigInteger sum = 0;
            for (int i = 0; i < committee.Length; i++)
            {
                bits[i] = true;
                sum += sks[committee[i]];
            }
            // sum_i(sk_i * H(m)) = (sum_i sk_i) * H(m): the aggregate of every member's signature.
            result.Add(new Attestation { AggregationBits = bits, Data = data, Signature = Sign(sum % InteropGenesis.CurveOrder, Misc.ComputeSigningRoot(c, data, domain)) });
        }
        return result;
    }
}
