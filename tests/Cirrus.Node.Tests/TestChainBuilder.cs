using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Crypto;
using Cirrus.Ssz;

namespace Cirrus.Node.Tests;

/// <summary>
/// Builds a valid, fully signed chain on an interop genesis: a block every slot (unless skipped)
/// carrying every committee's attestation from the slot before, so the chain justifies and
/// finalizes like a perfectly run network. Independent of the node's own producer, so it can
/// judge it.
/// </summary>
public sealed class TestChainBuilder
{
    public ChainConfig Config { get; }
    public BeaconState Genesis { get; }
    public List<SignedBeaconBlock> Blocks { get; } = [];
    public CachedBeaconState Head { get; private set; }
    public Bytes32 HeadRoot { get; private set; }

    private readonly BlsSecretKey[] _keys;
    private List<Attestation> _pending = [];

    public TestChainBuilder(int validators = 64, ulong genesisTime = 1_600_000_000, ChainConfig? config = null)
    {
        Config = config ?? ChainConfig.Minimal;
        Genesis = InteropGenesis.CreateGenesisState(Config, validators, genesisTime);
        _keys = Enumerable.Range(0, validators).Select(i => InteropGenesis.SecretKey((ulong)i)).ToArray();
        Head = new CachedBeaconState(Config, Config.Schema.Copy(Genesis));
        var header = Config.Schema.Copy(Genesis.LatestBlockHeader);
        header.StateRoot = Config.Schema.HashTreeRoot(Genesis);
        HeadRoot = Config.Schema.HashTreeRoot(header);
    }

    /// <summary>Adds blocks up to and including <paramref name="lastSlot"/>, leaving out <paramref name="skip"/> slots.</summary>
    public TestChainBuilder BuildTo(ulong lastSlot, Func<ulong, bool>? skip = null)
    {
        for (ulong slot = Head.State.Slot + 1; slot <= lastSlot; slot++)
            if (skip is null || !skip(slot)) AddBlock(slot);
        return this;
    }

    /// <summary>Unix time at the start of a slot.</summary>
    public ulong TimeOf(ulong slot) => Genesis.GenesisTime + slot * Config.SecondsPerSlot;

    public SignedBeaconBlock AddBlock(ulong slot, IReadOnlyList<Attestation>? attestations = null, Bytes32 graffiti = default)
    {
        var c = Config;
        var pre = Head.Copy();
        StateTransition.ProcessSlots(pre, slot);
        ulong proposer = pre.GetBeaconProposerIndex();
        ulong epoch = Misc.ComputeEpochAtSlot(c, slot);
        var randaoDomain = BeaconStateAccessors.GetDomain(c, pre.State, c.DomainRandao, epoch);
        var reveal = _keys[proposer].Sign(Misc.ComputeSigningRoot(c, Misc.EpochRoot(epoch), randaoDomain).AsSpan());
        var body = new BeaconBlockBody
        {
            RandaoReveal = Bytes96.FromSpan(reveal.ToBytes()),
            Eth1Data = c.Schema.Copy(pre.State.Eth1Data),
            Graffiti = graffiti,
        };
        foreach (var a in attestations ?? _pending.Where(a => a.Data.Slot + c.MinAttestationInclusionDelay <= slot))
            body.Attestations.Add(a);
        var block = new BeaconBlock
        {
            Slot = slot,
            ProposerIndex = proposer,
            ParentRoot = HeadRoot,
            Body = body,
        };
        var post = Head.Copy();
        var signed = new SignedBeaconBlock { Message = block };
        StateTransition.Apply(post, signed, null, validateResult: false);
        block.StateRoot = c.Schema.HashTreeRoot(post.State);
        var proposerDomain = BeaconStateAccessors.GetDomain(c, pre.State, c.DomainBeaconProposer, epoch);
        signed.Signature = Bytes96.FromSpan(_keys[proposer].Sign(Misc.ComputeSigningRoot(c, block, proposerDomain).AsSpan()).ToBytes());
        Blocks.Add(signed);
        Head = post;
        HeadRoot = c.Schema.HashTreeRoot(block);
        _pending = Attest(post, slot, HeadRoot);
        return signed;
    }

    /// <summary>One aggregate per committee of <paramref name="slot"/>, every member voting for <paramref name="blockRoot"/>.</summary>
    public List<Attestation> Attest(CachedBeaconState state, ulong slot, Bytes32 blockRoot)
    {
        var c = Config;
        ulong epoch = Misc.ComputeEpochAtSlot(c, slot);
        ulong epochStart = Misc.ComputeStartSlotAtEpoch(c, epoch);
        var target = new Checkpoint
        {
            Epoch = epoch,
            Root = epochStart == slot ? blockRoot : BeaconStateAccessors.GetBlockRootAtSlot(c, state.State, epochStart),
        };
        var domain = BeaconStateAccessors.GetDomain(c, state.State, c.DomainBeaconAttester, epoch);
        var result = new List<Attestation>();
        ulong count = BeaconStateAccessors.GetCommitteeCountPerSlot(state, epoch);
        for (ulong index = 0; index < count; index++)
        {
            var data = new AttestationData
            {
                Slot = slot,
                Index = index,
                BeaconBlockRoot = blockRoot,
                Source = c.Schema.Copy(state.State.CurrentJustifiedCheckpoint),
                Target = target.Copy(),
            };
            var root = Misc.ComputeSigningRoot(c, data, domain);
            var committee = BeaconStateAccessors.GetBeaconCommittee(state, slot, index).ToArray();
            var bits = new Bitlist(committee.Length);
            var sigs = new BlsSignature[committee.Length];
            for (int i = 0; i < committee.Length; i++)
            {
                bits[i] = true;
                sigs[i] = _keys[committee[i]].Sign(root.AsSpan());
            }
            result.Add(new Attestation { AggregationBits = bits, Data = data, Signature = Bytes96.FromSpan(BlsSignature.Aggregate(sigs).ToBytes()) });
        }
        return result;
    }
}
