using System.Numerics;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Crypto;
using Cirrus.Ssz;

namespace Cirrus.Differential;

/// <summary>The interop secret keys, and signing by a set of them (their summed key signs the aggregate).</summary>
public sealed class InteropKeys
{
    private readonly BigInteger[] _sks;
    public Bytes48[] Pubkeys { get; }

    public InteropKeys(int count)
    {
        _sks = new BigInteger[count];
        Pubkeys = new Bytes48[count];
        Parallel.For(0, count, i =>
        {
            var b = InteropGenesis.SecretKeyBytes((ulong)i);
            _sks[i] = new BigInteger(b, isUnsigned: true, isBigEndian: true);
            using var sk = BlsSecretKey.FromBytes(b);
            Pubkeys[i] = Bytes48.FromSpan(sk.PublicKey.ToBytes());
        });
    }

    public int Count => _sks.Length;

    public Bytes96 Sign(ulong index, Bytes32 root) => Sign([index], root);

    /// <summary>sum_i(sk_i * H(m)) = (sum_i sk_i) * H(m): the aggregate signature of these keys; duplicates count twice, as aggregation does.</summary>
    public Bytes96 Sign(IEnumerable<ulong> indices, Bytes32 root)
    {
        BigInteger sum = 0;
        foreach (ulong i in indices) sum += i < (ulong)_sks.Length ? _sks[i] : 1;
        sum %= InteropGenesis.CurveOrder;
        if (sum.IsZero) sum = 1;
        var be = sum.ToByteArray(isUnsigned: true, isBigEndian: true);
        var b = new byte[32];
        be.CopyTo(b, 32 - be.Length);
        using var key = BlsSecretKey.FromBytes(b);
        return Bytes96.FromSpan(key.Sign(root.AsSpan()).ToBytes());
    }
}

/// <summary>One slot of the base chain: the state after its block, that block's root, and the block.</summary>
public sealed record ChainSlot(CachedBeaconState State, Bytes32 BlockRoot, SignedBeaconBlock? Block);

/// <summary>
/// A valid interop chain (minimal preset, v0.12.3): genesis, then a block every slot carrying
/// attestations of the slot before, some partial or left out so participation (and so justification,
/// rewards and penalties) varies. The mutator starts from these states.
/// </summary>
public sealed class BaseChain
{
    public ChainConfig Config { get; }
    public InteropKeys Keys { get; }
    public List<ChainSlot> Slots { get; } = [];
    public int Validators { get; }

    public BaseChain(ChainConfig c, int validators, int epochs, int extraKeys, Random rng)
    {
        Config = c;
        Validators = validators;
        Keys = new InteropKeys(validators + extraKeys);
        var genesis = InteropGenesis.CreateGenesisState(c, validators, 1_606_824_000);
        var head = new CachedBeaconState(c, genesis);
        var header = c.Schema.Copy(genesis.LatestBlockHeader);
        header.StateRoot = head.HashTreeRoot();
        Slots.Add(new ChainSlot(head, c.Schema.HashTreeRoot(header), null));
        List<Attestation> pending = [];
        ulong last = (ulong)epochs * c.SlotsPerEpoch;
        for (ulong slot = 1; slot <= last; slot++)
        {
            var prev = Slots[^1];
            var pre = prev.State.Copy();
            StateTransition.ProcessSlots(pre, slot);
            // a slashed proposer cannot propose: that slot stays empty
            if (pre.State.Validators[(int)pre.GetBeaconProposerIndex()].Slashed) continue;
            var body = new BeaconBlockBody
            {
                RandaoReveal = RandaoReveal(pre, pre.GetBeaconProposerIndex(), slot),
                Eth1Data = c.Schema.Copy(pre.State.Eth1Data),
            };
            foreach (var a in pending) body.Attestations.Add(a);
            AddScheduledOperations(pre, slot, body);
            var signed = Seal(prev.State, new BeaconBlock { Slot = slot, ProposerIndex = pre.GetBeaconProposerIndex(), ParentRoot = prev.BlockRoot, Body = body });
            var post = prev.State.Copy();
            StateTransition.Apply(post, signed, null);
            Slots.Add(new ChainSlot(post, c.Schema.HashTreeRoot(signed.Message), signed));
            pending = [];
            // epochs 20-27 attest poorly: finality stalls and the inactivity leak runs for a while
            ulong epochNow = slot / c.SlotsPerEpoch;
            double include = epochNow is >= 20 and < 28 ? 0.3 : 0.85;
            foreach (var a in AttestationsFor(post, slot, rng))
                if (rng.NextDouble() < include) pending.Add(a);
        }
        AddDepositStates(rng);
    }

    /// <summary>
    /// Valid slashings early on (so process_slashings, with PROPORTIONAL_SLASHING_MULTIPLIER, runs 32 epochs
    /// later, inside the chain) and valid exits once SHARD_COMMITTEE_PERIOD has passed.
    /// </summary>
    private void AddScheduledOperations(CachedBeaconState pre, ulong slot, BeaconBlockBody body)
    {
        var c = Config;
        ulong epoch = slot / c.SlotsPerEpoch;
        ulong proposer = pre.GetBeaconProposerIndex();
        ulong Other(ulong v) => v == proposer ? (v + 1) % (ulong)Validators : v;
        if (slot == 17 || slot == 60)
        {
            ulong v = Other(slot == 17 ? 5UL : 13UL);
            var h1 = new BeaconBlockHeader { Slot = slot - 1, ProposerIndex = v, BodyRoot = Bytes32Of(1) };
            var h2 = new BeaconBlockHeader { Slot = slot - 1, ProposerIndex = v, BodyRoot = Bytes32Of(2) };
            var domain = BeaconStateAccessors.GetDomain(c, pre.State, c.DomainBeaconProposer, (slot - 1) / c.SlotsPerEpoch);
            body.ProposerSlashings.Add(new ProposerSlashing
            {
                SignedHeader1 = new SignedBeaconBlockHeader { Message = h1, Signature = Keys.Sign(v, Misc.ComputeSigningRoot(c, h1, domain)) },
                SignedHeader2 = new SignedBeaconBlockHeader { Message = h2, Signature = Keys.Sign(v, Misc.ComputeSigningRoot(c, h2, domain)) },
            });
        }
        if (slot == 27)
        {
            ulong[] who = [.. new ulong[] { 7, 9, 11 }.Select(Other).Distinct().Order()];
            var d1 = new AttestationData { Slot = slot - 1, Target = new Checkpoint { Epoch = epoch, Root = Bytes32Of(3) } };
            var d2 = new AttestationData { Slot = slot - 1, Target = new Checkpoint { Epoch = epoch, Root = Bytes32Of(4) } };
            body.AttesterSlashings.Add(new AttesterSlashing
            {
                Attestation1 = new IndexedAttestation { AttestingIndices = [.. who], Data = d1, Signature = SignAttestationData(pre, d1, who) },
                Attestation2 = new IndexedAttestation { AttestingIndices = [.. who], Data = d2, Signature = SignAttestationData(pre, d2, who) },
            });
        }
        if (epoch >= c.ShardCommitteePeriod && slot % c.SlotsPerEpoch == 3)
        {
            ulong v = Other(20 + (epoch - c.ShardCommitteePeriod) * 2);
            var exit = new VoluntaryExit { Epoch = epoch, ValidatorIndex = v };
            var domain = BeaconStateAccessors.GetDomain(c, pre.State, c.DomainVoluntaryExit, epoch);
            body.VoluntaryExits.Add(new SignedVoluntaryExit { Message = exit, Signature = Keys.Sign(v, Misc.ComputeSigningRoot(c, exit, domain)) });
        }
    }

    private static Bytes32 Bytes32Of(byte b)
    {
        Bytes32 r = default;
        r.AsWritableSpan().Fill(b);
        return r;
    }

    /// <summary>The deposits every block on a deposit state must carry (proofs against that state's eth1_data), by pre-state index.</summary>
    public Dictionary<int, List<Deposit>> DueDeposits { get; } = [];

    /// <summary>
    /// Copies of some chain states whose eth1_data names a deposit tree with more deposits than processed, so
    /// blocks on them must carry deposits: a new validator, a top-up, one with the infinity public key and
    /// signature, one with a bad signature, a small one, and the infinity key again.
    /// </summary>
    private void AddDepositStates(Random rng)
    {
        var c = Config;
        var tree = new DepositTree();
        foreach (var d in InteropGenesis.Deposits(c, Validators)) tree.Push(c.Schema.HashTreeRoot(d.Data));
        Bytes48 infinityKey = default;
        infinityKey.AsWritableSpan()[0] = 0xc0;
        Bytes96 infinitySig = default;
        infinitySig.AsWritableSpan()[0] = 0xc0;
        var extras = new List<DepositData>
        {
            NewDeposit((ulong)Validators, c.MaxEffectiveBalance, signer: (ulong)Validators),
            new() { Pubkey = Keys.Pubkeys[3], WithdrawalCredentials = Bytes32Of(9), Amount = 1_000_000_000 },
            new() { Pubkey = infinityKey, WithdrawalCredentials = Bytes32Of(0), Amount = c.MaxEffectiveBalance, Signature = infinitySig },
            NewDeposit((ulong)Validators + 1, c.MaxEffectiveBalance, signer: 0),
            NewDeposit((ulong)Validators + 2, 1_000_000_000, signer: (ulong)Validators + 2),
            new() { Pubkey = infinityKey, WithdrawalCredentials = Bytes32Of(0), Amount = 2_000_000_000, Signature = infinitySig },
        };
        // half the deposit states without the infinity key, so that the rest of process_deposit is compared plainly
        var withoutInfinity = extras.Where(d => d.Pubkey != infinityKey).ToList();
        var treeB = tree.Clone();
        foreach (var d in extras) tree.Push(c.Schema.HashTreeRoot(d));
        foreach (var d in withoutInfinity) treeB.Push(c.Schema.HashTreeRoot(d));
        List<Deposit> WithProofs(DepositTree t, List<DepositData> datas)
        {
            var proofs = t.ProofsAt(t.Count, (ulong)Validators, datas.Count);
            return [.. datas.Select((d, i) => new Deposit { Data = d, Proof = proofs[i] })];
        }
        var families = new[] { (Tree: tree, Deposits: WithProofs(tree, extras)), (Tree: treeB, Deposits: WithProofs(treeB, withoutInfinity)) };
        int n = Slots.Count;
        for (int k = 0; k < 24; k++)
        {
            var base_ = Slots[rng.Next(1, n)];
            var (t, deposits) = families[k % 2];
            var st = base_.State.Copy();
            st.State.Eth1Data = new Eth1Data { DepositRoot = t.Root(), DepositCount = t.Count, BlockHash = Bytes32Of(7) };
            var variant = new CachedBeaconState(c, CachedBeaconState.CopyState(c, st.State));
            DueDeposits[Slots.Count] = deposits;
            Slots.Add(new ChainSlot(variant, HeadRoot(variant), null));
        }
    }

    private DepositData NewDeposit(ulong key, ulong amount, ulong signer)
    {
        var c = Config;
        Bytes32 credentials = default;
        credentials.AsWritableSpan()[31] = (byte)key;
        var message = new DepositMessage { Pubkey = Keys.Pubkeys[key], WithdrawalCredentials = credentials, Amount = amount };
        var root = Misc.ComputeSigningRoot(c, message, Misc.ComputeDomain(c, c.DomainDeposit));
        return new DepositData { Pubkey = message.Pubkey, WithdrawalCredentials = credentials, Amount = amount, Signature = Keys.Sign(signer, root) };
    }

    public Bytes96 RandaoReveal(CachedBeaconState advanced, ulong proposer, ulong slot)
    {
        ulong epoch = slot / Config.SlotsPerEpoch;
        var domain = BeaconStateAccessors.GetDomain(Config, advanced.State, Config.DomainRandao, epoch);
        return Keys.Sign(proposer, Misc.ComputeSigningRoot(Config, Misc.EpochRoot(epoch), domain));
    }

    /// <summary>Sets the block's state root to its post-state root (when the transition without signatures gets that far) and signs it.</summary>
    public SignedBeaconBlock Seal(CachedBeaconState pre, BeaconBlock block, bool setStateRoot = true, bool sign = true)
    {
        var signed = new SignedBeaconBlock { Message = block };
        if (setStateRoot)
        {
            try
            {
                var post = pre.Copy();
                StateTransition.Apply(post, signed, DepositsOnly, validateResult: false);
                block.StateRoot = post.HashTreeRoot();
            }
            catch (StateTransitionException) { }
        }
        if (sign) signed.Signature = SignBlock(pre, block);
        return signed;
    }

    private static readonly DepositSignaturesOnly DepositsOnly = new();

    /// <summary>
    /// For computing a block's post-state root cheaply: the block's own signatures are taken as valid, but a
    /// deposit's is really checked, since an invalid one changes the state (the deposit is skipped), not the verdict.
    /// </summary>
    private sealed class DepositSignaturesOnly : ISignatureVerifier
    {
        public int VerifyBatch(IReadOnlyList<SignatureSet> sets, IReadOnlyList<Validator> validators) => -1;
        public bool Verify(Bytes48 pubkey, Bytes32 signingRoot, Bytes96 signature) => Bls.Verify(pubkey.AsSpan(), signingRoot.AsSpan(), signature.AsSpan());
    }

    public Bytes96 SignBlock(CachedBeaconState pre, BeaconBlock block)
    {
        ulong epoch = block.Slot / Config.SlotsPerEpoch;
        var domain = BeaconStateAccessors.GetDomain(Config, pre.State, Config.DomainBeaconProposer, epoch);
        return Keys.Sign(block.ProposerIndex, Misc.ComputeSigningRoot(Config, block, domain));
    }

    /// <summary>Attestations to <paramref name="slot"/> by the committees of <paramref name="state"/> (state.slot ≥ slot): one per committee, some partial.</summary>
    public List<Attestation> AttestationsFor(CachedBeaconState state, ulong slot, Random rng)
    {
        var result = new List<Attestation>();
        ulong epoch = slot / Config.SlotsPerEpoch;
        ulong count = BeaconStateAccessors.GetCommitteeCountPerSlot(state, epoch);
        for (ulong index = 0; index < count; index++)
        {
            var data = AttestationDataFor(state, slot, index);
            var committee = BeaconStateAccessors.GetBeaconCommittee(state, slot, index).ToArray();
            var bits = new Bitlist(committee.Length);
            for (int i = 0; i < committee.Length; i++) bits[i] = rng.NextDouble() < 0.9;
            if (bits.PopCount() == 0) bits[0] = true;
            result.Add(SignAttestation(state, data, committee, bits));
        }
        return result;
    }

    public AttestationData AttestationDataFor(CachedBeaconState state, ulong slot, ulong index)
    {
        var c = Config;
        var s = state.State;
        ulong epoch = slot / c.SlotsPerEpoch;
        ulong start = epoch * c.SlotsPerEpoch;
        // block roots of slots before the state's slot are in the state; the state's own slot's is its latest header's
        Bytes32 RootAt(ulong x) => x < s.Slot ? BeaconStateAccessors.GetBlockRootAtSlot(c, s, x) : HeadRoot(state);
        return new AttestationData
        {
            Slot = slot,
            Index = index,
            BeaconBlockRoot = RootAt(slot),
            Source = c.Schema.Copy(epoch == state.CurrentEpoch ? s.CurrentJustifiedCheckpoint : s.PreviousJustifiedCheckpoint),
            Target = new Checkpoint { Epoch = epoch, Root = RootAt(start) },
        };
    }

    /// <summary>hash_tree_root of the state's latest block header with its state root filled in as process_slot will.</summary>
    public Bytes32 HeadRoot(CachedBeaconState state)
    {
        var h = Config.Schema.Copy(state.State.LatestBlockHeader);
        if (h.StateRoot == default(Bytes32)) h.StateRoot = state.HashTreeRoot();
        return Config.Schema.HashTreeRoot(h);
    }

    public Attestation SignAttestation(CachedBeaconState state, AttestationData data, int[] committee, Bitlist bits)
    {
        var signers = new List<ulong>();
        for (int i = 0; i < committee.Length && i < bits.Count; i++)
            if (bits[i]) signers.Add((ulong)committee[i]);
        return new Attestation { AggregationBits = bits, Data = data, Signature = SignAttestationData(state, data, signers) };
    }

    public Bytes96 SignAttestationData(CachedBeaconState state, AttestationData data, IEnumerable<ulong> signers)
    {
        var domain = BeaconStateAccessors.GetDomain(Config, state.State, Config.DomainBeaconAttester, data.Target.Epoch);
        return Keys.Sign(signers, Misc.ComputeSigningRoot(Config, data, domain));
    }
}
