using Cirrus.Consensus.Config;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using static Cirrus.Consensus.Transition.StateTransitionException;

namespace Cirrus.Consensus.Transition.Block;

/// <summary>
/// spec: process_block and its parts. Signatures go to <c>sigs</c> (verified by the caller in one
/// batch); a null collector skips signature checks (including deposits').
/// </summary>
public static partial class BlockProcessing
{
    /// <summary>spec: process_block.</summary>
    public static void ProcessBlock(CachedBeaconState cs, BeaconBlock block, SignatureCollector? sigs)
    {
        ProcessBlockHeader(cs, block);
        ProcessRandao(cs, block.Body, sigs);
        ProcessEth1Data(cs, block.Body);
        ProcessOperations(cs, block.Body, sigs);
    }

    /// <summary>spec: process_block_header.</summary>
    public static void ProcessBlockHeader(CachedBeaconState cs, BeaconBlock block)
    {
        var s = cs.State;
        var c = cs.Config;
        Check(block.Slot == s.Slot, TransitionError.HeaderSlotMismatch, $"block slot {block.Slot} is not the state slot {s.Slot}");
        Check(block.Slot > s.LatestBlockHeader.Slot, TransitionError.HeaderNotNewerThanLatest,
            $"block slot {block.Slot} is not after the latest block header's slot {s.LatestBlockHeader.Slot}");
        ulong proposer = cs.GetBeaconProposerIndex();
        Check(block.ProposerIndex == proposer, TransitionError.HeaderProposerIndexMismatch,
            $"block proposer {block.ProposerIndex} is not the expected proposer {proposer}");
        var parent = c.Schema.HashTreeRoot(s.LatestBlockHeader);
        Check(block.ParentRoot == parent, TransitionError.HeaderParentRootMismatch,
            $"block parent root {block.ParentRoot} is not the latest block header's root {parent}");
        s.LatestBlockHeader = new BeaconBlockHeader
        {
            Slot = block.Slot,
            ProposerIndex = block.ProposerIndex,
            ParentRoot = block.ParentRoot,
            StateRoot = default,
            BodyRoot = c.Schema.HashTreeRoot(block.Body),
        };
        Check(!s.Validators[(int)block.ProposerIndex].Slashed, TransitionError.HeaderProposerSlashed,
            $"block proposer {block.ProposerIndex} is slashed");
    }

    /// <summary>spec: process_randao.</summary>
    public static void ProcessRandao(CachedBeaconState cs, BeaconBlockBody body, SignatureCollector? sigs)
    {
        var c = cs.Config;
        var s = cs.State;
        ulong epoch = cs.CurrentEpoch;
        ulong proposer = cs.GetBeaconProposerIndex();
        if (sigs != null)
        {
            var root = Misc.ComputeSigningRoot(c, Misc.EpochRoot(epoch), BeaconStateAccessors.GetDomain(c, s, c.DomainRandao));
            sigs.Add(new SignatureSet(SignatureKind.Randao, 0, proposer, root, body.RandaoReveal));
        }
        var mix = MathHelpers.Xor(BeaconStateAccessors.GetRandaoMix(c, s, epoch), MathHelpers.Hash(body.RandaoReveal.AsSpan()));
        s.RandaoMixes[(int)(epoch % c.EpochsPerHistoricalVector)] = mix;
    }

    /// <summary>spec: process_eth1_data.</summary>
    public static void ProcessEth1Data(CachedBeaconState cs, BeaconBlockBody body)
    {
        var c = cs.Config;
        var s = cs.State;
        var vote = body.Eth1Data;
        s.Eth1DataVotes.Add(vote);
        ulong count = 0;
        foreach (var v in s.Eth1DataVotes)
            if (v.DepositCount == vote.DepositCount && v.DepositRoot == vote.DepositRoot && v.BlockHash == vote.BlockHash) count++;
        if (count * 2 > c.EpochsPerEth1VotingPeriod * c.SlotsPerEpoch)
            s.Eth1Data = new Eth1Data { DepositRoot = vote.DepositRoot, DepositCount = vote.DepositCount, BlockHash = vote.BlockHash };
    }

    /// <summary>spec: process_operations.</summary>
    public static void ProcessOperations(CachedBeaconState cs, BeaconBlockBody body, SignatureCollector? sigs)
    {
        var c = cs.Config;
        var s = cs.State;
        ulong pendingDeposits = s.Eth1Data.DepositCount > s.Eth1DepositIndex ? s.Eth1Data.DepositCount - s.Eth1DepositIndex : 0;
        ulong expected = Math.Min(c.MaxDeposits, pendingDeposits);
        Check((ulong)body.Deposits.Count == expected, TransitionError.DepositCountMismatch,
            $"block has {body.Deposits.Count} deposits, expected {expected}");
        Check((ulong)body.ProposerSlashings.Count <= c.MaxProposerSlashings && (ulong)body.AttesterSlashings.Count <= c.MaxAttesterSlashings
            && (ulong)body.Attestations.Count <= c.MaxAttestations && (ulong)body.VoluntaryExits.Count <= c.MaxVoluntaryExits,
            TransitionError.TooManyOperations, "block has more operations than allowed");
        for (int i = 0; i < body.ProposerSlashings.Count; i++) ProcessProposerSlashing(cs, body.ProposerSlashings[i], sigs, i);
        for (int i = 0; i < body.AttesterSlashings.Count; i++) ProcessAttesterSlashing(cs, body.AttesterSlashings[i], sigs, i);
        for (int i = 0; i < body.Attestations.Count; i++) ProcessAttestation(cs, body.Attestations[i], sigs, i);
        for (int i = 0; i < body.Deposits.Count; i++) ProcessDeposit(cs, body.Deposits[i], sigs?.Verifier, verifySignatures: sigs != null);
        for (int i = 0; i < body.VoluntaryExits.Count; i++) ProcessVoluntaryExit(cs, body.VoluntaryExits[i], sigs, i);
    }

    /// <summary>spec: verify_block_signature (collected into <paramref name="sigs"/>).</summary>
    public static void VerifyBlockSignature(CachedBeaconState cs, SignedBeaconBlock signed, SignatureCollector sigs)
    {
        var c = cs.Config;
        var s = cs.State;
        var block = signed.Message;
        Check(block.ProposerIndex < (ulong)s.Validators.Count, TransitionError.HeaderProposerIndexMismatch,
            $"block proposer {block.ProposerIndex} is not a validator");
        var domain = BeaconStateAccessors.GetDomain(c, s, c.DomainBeaconProposer, Misc.ComputeEpochAtSlot(c, block.Slot));
        var root = Misc.ComputeSigningRoot(c, block, domain);
        sigs.Add(new SignatureSet(SignatureKind.BlockProposal, 0, block.ProposerIndex, root, signed.Signature));
    }
}
