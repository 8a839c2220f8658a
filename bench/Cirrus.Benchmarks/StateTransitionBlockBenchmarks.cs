using System.Numerics;
using BenchmarkDotNet.Attributes;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Transition.Block;
using Cirrus.Consensus.Types;
using Cirrus.Crypto;
using Cirrus.Ssz;

namespace Cirrus.Benchmarks;

/// <summary>
/// One full block: 128 fully aggregated attestations, proposer signature and RANDAO reveal, all
/// verified in one BLS batch (spec: verify_block_signature + process_block), on synthesized
/// mainnet-preset states. Validators share 64 interop keys (validator i has key i % 64), so every
/// aggregate signature is real (signed with the sum of its members' secret keys) without deriving
/// a million keys; decoded pubkeys are preloaded as a running node would have them cached.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(StateTransitionBenchConfig))]
public class StateTransitionBlockBenchmarks
{
    private const int Keys = 64;

    [Params(16_384, 100_000, 1_000_000)]
    public int Validators { get; set; }

    private CachedBeaconState _template = null!;
    private CachedBeaconState _state = null!;
    private SignedBeaconBlock _block = null!;
    private BlsSignatureVerifier _verifier = null!;

    [GlobalSetup]
    public void Setup()
    {
        var c = StateTransitionSetup.Config;
        var secret = new BigInteger[Keys];
        var sks = new BlsSecretKey[Keys];
        var pks = new BlsPublicKey[Keys];
        var pkBytes = new Bytes48[Keys];
        for (int k = 0; k < Keys; k++)
        {
            byte[] be = InteropGenesis.SecretKeyBytes((ulong)k);
            secret[k] = new BigInteger(be, isUnsigned: true, isBigEndian: true);
            sks[k] = BlsSecretKey.FromBytes(be);
            pks[k] = sks[k].PublicKey;
            pkBytes[k] = Bytes48.FromSpan(pks[k].ToBytes());
        }
        var cs = StateTransitionSetup.Synthesize(Validators, i => pkBytes[i % Keys]);
        var s = cs.State;
        _verifier = new BlsSignatureVerifier();
        for (int i = 0; i < s.Validators.Count; i++) _verifier.Cache.Set(i, pkBytes[i % Keys], pks[i % Keys]);

        ulong slot = s.Slot;
        ulong proposer = cs.GetBeaconProposerIndex();
        var body = new BeaconBlockBody { Eth1Data = s.Eth1Data, Graffiti = default };
        ulong epoch = cs.CurrentEpoch;
        var randaoRoot = Misc.ComputeSigningRoot(c, Misc.EpochRoot(epoch), BeaconStateAccessors.GetDomain(c, s, c.DomainRandao));
        body.RandaoReveal = Bytes96.FromSpan(sks[proposer % Keys].Sign(randaoRoot.AsSpan()).ToBytes());

        for (ulong back = 1; back <= c.SlotsPerEpoch && body.Attestations.Count < 128; back++)
        {
            ulong aslot = slot - back;
            ulong aepoch = aslot / c.SlotsPerEpoch;
            var shuffling = cs.GetShuffling(aepoch);
            for (ulong index = 0; index < shuffling.CommitteesPerSlot && body.Attestations.Count < 128; index++)
            {
                var committee = shuffling.Committee(aslot, index);
                var bits = new Bitlist(committee.Length);
                BigInteger aggregate = BigInteger.Zero;
                for (int k = 0; k < committee.Length; k++)
                {
                    bits[k] = true;
                    aggregate += secret[committee[k] % Keys];
                }
                aggregate %= InteropGenesis.CurveOrder;
                var data = new AttestationData
                {
                    Slot = aslot,
                    Index = index,
                    BeaconBlockRoot = BeaconStateAccessors.GetBlockRootAtSlot(c, s, aslot),
                    Source = (aepoch == epoch ? s.CurrentJustifiedCheckpoint : s.PreviousJustifiedCheckpoint).Copy(),
                    Target = new Checkpoint { Epoch = aepoch, Root = BeaconStateAccessors.GetBlockRoot(c, s, aepoch) },
                };
                var root = Misc.ComputeSigningRoot(c, data, BeaconStateAccessors.GetDomain(c, s, c.DomainBeaconAttester, aepoch));
                var be = new byte[32];
                var raw = aggregate.ToByteArray(isUnsigned: true, isBigEndian: true);
                raw.CopyTo(be, 32 - raw.Length);
                using var sk = BlsSecretKey.FromBytes(be);
                body.Attestations.Add(new Attestation { AggregationBits = bits, Data = data, Signature = Bytes96.FromSpan(sk.Sign(root.AsSpan()).ToBytes()) });
            }
        }
        var block = new BeaconBlock
        {
            Slot = slot,
            ProposerIndex = proposer,
            ParentRoot = c.Schema.HashTreeRoot(s.LatestBlockHeader),
            Body = body,
        };
        var blockRoot = Misc.ComputeSigningRoot(c, block, BeaconStateAccessors.GetDomain(c, s, c.DomainBeaconProposer, epoch));
        _block = new SignedBeaconBlock { Message = block, Signature = Bytes96.FromSpan(sks[proposer % Keys].Sign(blockRoot.AsSpan()).ToBytes()) };
        _template = cs;

        // The block must be valid: run it once.
        var check = cs.Copy();
        Run(check);
        if (check.State.CurrentEpochAttestations.Count + check.State.PreviousEpochAttestations.Count
            != s.CurrentEpochAttestations.Count + s.PreviousEpochAttestations.Count + 128)
            throw new InvalidOperationException("benchmark block did not apply 128 attestations");
    }

    [IterationSetup]
    public void Copy() => _state = _template.Copy();

    private void Run(CachedBeaconState cs)
    {
        var sigs = new SignatureCollector(_verifier);
        BlockProcessing.VerifyBlockSignature(cs, _block, sigs);
        BlockProcessing.ProcessBlock(cs, _block.Message, sigs);
        sigs.VerifyAndClear(cs.State.Validators);
    }

    [Benchmark]
    public void ProcessBlockWith128Attestations() => Run(_state);
}
