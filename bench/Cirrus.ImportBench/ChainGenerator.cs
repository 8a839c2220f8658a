using System.Diagnostics;
using System.Numerics;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Crypto;
using Cirrus.Ssz;
using Cirrus.Storage;

/// <summary>
/// Builds genesis and a perfectly attested chain; aggregates are signed with their members' summed
/// secret key (one signing per aggregate). Light: one full aggregate per committee of the slot
/// before. Heavy: every committee of the slot before split into partial aggregates, MAX_ATTESTATIONS
/// (128) per block, as Medalla's blocks carried.
/// </summary>
static class ChainGenerator
{
    /// <summary>The chain (mainnet preset) generated once into DATA/chain-N-E and reused: its genesis state and blocks.</summary>
    public static (BeaconState Genesis, List<SignedBeaconBlock> Blocks) LoadOrGenerate(ChainConfig c, int validators, int epochs, bool heavy, string data)
    {
        string chainDir = Path.Combine(data, $"chain-{validators}-{epochs}{(heavy ? "-heavy" : "")}");
        if (!File.Exists(Path.Combine(chainDir, "complete")))
        {
            if (Directory.Exists(chainDir)) Directory.Delete(chainDir, true);
            Directory.CreateDirectory(chainDir);
            Generate(c, validators, epochs, heavy, chainDir);
            File.WriteAllText(Path.Combine(chainDir, "complete"), "");
        }
        var genesis = c.Schema.Deserialize<BeaconState>(File.ReadAllBytes(Path.Combine(chainDir, "genesis.ssz")));
        using var stored = BeaconStore.Open(Path.Combine(chainDir, "db"), c.Schema);
        return (genesis, stored.GetCanonicalRange(1, ulong.MaxValue).Select(r => stored.GetBlock(r.Root)!).ToList());
    }

    public static void Generate(ChainConfig c, int n, int epochs, bool heavy, string dir)
    {
        var sw = Stopwatch.StartNew();
        Console.WriteLine($"generating {n} validators and {epochs} epochs of {(heavy ? "heavy" : "light")} blocks (once; cached in {dir})...");
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
            pending = Attest(c, post, slot, headRoot, sks, heavy ? (int)c.MaxAttestations : 0);
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

    /// <summary>The slot's attestations: one full aggregate per committee, or (<paramref name="perBlock"/> > 0) that many partial aggregates in all.</summary>
    private static List<Attestation> Attest(ChainConfig c, CachedBeaconState state, ulong slot, Bytes32 blockRoot, BigInteger[] sks, int perBlock)
    {
        ulong epoch = slot / c.SlotsPerEpoch;
        ulong start = epoch * c.SlotsPerEpoch;
        var target = new Checkpoint { Epoch = epoch, Root = start == slot ? blockRoot : BeaconStateAccessors.GetBlockRootAtSlot(c, state.State, start) };
        var domain = BeaconStateAccessors.GetDomain(c, state.State, c.DomainBeaconAttester, epoch);
        ulong count = BeaconStateAccessors.GetCommitteeCountPerSlot(state, epoch);
        var jobs = new List<(AttestationData Data, int[] Committee, int From, int To)>();
        for (ulong index = 0; index < count; index++)
        {
            var data = new AttestationData { Slot = slot, Index = index, BeaconBlockRoot = blockRoot, Source = c.Schema.Copy(state.State.CurrentJustifiedCheckpoint), Target = target.Copy() };
            var committee = BeaconStateAccessors.GetBeaconCommittee(state, slot, index).ToArray();
            // committee k gets perBlock/count parts, the first perBlock%count committees one more
            int parts = perBlock <= 0 ? 1 : Math.Max(1, perBlock / (int)count + ((int)index < perBlock % (int)count ? 1 : 0));
            parts = Math.Min(parts, committee.Length);
            for (int p = 0; p < parts; p++)
                jobs.Add((data, committee, committee.Length * p / parts, committee.Length * (p + 1) / parts));
        }
        var result = new Attestation[jobs.Count];
        Parallel.For(0, jobs.Count, j =>
        {
            var (data, committee, from, to) = jobs[j];
            var bits = new Bitlist(committee.Length);
            BigInteger sum = 0;
            for (int i = from; i < to; i++)
            {
                bits[i] = true;
                sum += sks[committee[i]];
            }
            // sum_i(sk_i * H(m)) = (sum_i sk_i) * H(m): the aggregate of these members' signatures.
            result[j] = new Attestation { AggregationBits = bits, Data = c.Schema.Copy(data), Signature = Sign(sum % InteropGenesis.CurveOrder, Misc.ComputeSigningRoot(c, data, domain)) };
        });
        return [.. result];
    }
}
