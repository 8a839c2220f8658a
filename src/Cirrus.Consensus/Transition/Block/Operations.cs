using Cirrus.Consensus.Config;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using static Cirrus.Consensus.Transition.StateTransitionException;

namespace Cirrus.Consensus.Transition.Block;

public static partial class BlockProcessing
{
    /// <summary>spec: process_proposer_slashing.</summary>
    public static void ProcessProposerSlashing(CachedBeaconState cs, ProposerSlashing ps, SignatureCollector? sigs, int opIndex = 0)
    {
        var c = cs.Config;
        var s = cs.State;
        var h1 = ps.SignedHeader1.Message;
        var h2 = ps.SignedHeader2.Message;
        Check(h1.Slot == h2.Slot, TransitionError.ProposerSlashingSlotMismatch, $"proposer slashing {opIndex}: header slots differ");
        Check(h1.ProposerIndex == h2.ProposerIndex, TransitionError.ProposerSlashingProposerMismatch,
            $"proposer slashing {opIndex}: header proposers differ");
        Check(!Predicates.BlockHeaderEquals(h1, h2), TransitionError.ProposerSlashingHeadersEqual, $"proposer slashing {opIndex}: headers are equal");
        Check(h1.ProposerIndex < (ulong)s.Validators.Count, TransitionError.ProposerSlashingUnknownValidator,
            $"proposer slashing {opIndex}: validator {h1.ProposerIndex} does not exist");
        var proposer = s.Validators[(int)h1.ProposerIndex];
        Check(Predicates.IsSlashableValidator(proposer, cs.CurrentEpoch), TransitionError.ProposerSlashingNotSlashable,
            $"proposer slashing {opIndex}: validator {h1.ProposerIndex} is not slashable");
        if (sigs != null)
        {
            foreach (var sh in (ReadOnlySpan<SignedBeaconBlockHeader>)[ps.SignedHeader1, ps.SignedHeader2])
            {
                var domain = BeaconStateAccessors.GetDomain(c, s, c.DomainBeaconProposer, Misc.ComputeEpochAtSlot(c, sh.Message.Slot));
                var root = Misc.ComputeSigningRoot(c, sh.Message, domain);
                sigs.Add(new SignatureSet(SignatureKind.ProposerSlashing, opIndex, h1.ProposerIndex, root, sh.Signature));
            }
        }
        Mutators.SlashValidator(cs, h1.ProposerIndex);
    }

    /// <summary>spec: process_attester_slashing.</summary>
    public static void ProcessAttesterSlashing(CachedBeaconState cs, AttesterSlashing slashing, SignatureCollector? sigs, int opIndex = 0)
    {
        var s = cs.State;
        var a1 = slashing.Attestation1;
        var a2 = slashing.Attestation2;
        Check(Predicates.IsSlashableAttestationData(a1.Data, a2.Data), TransitionError.AttesterSlashingNotSlashableData,
            $"attester slashing {opIndex}: attestation data are not slashable");
        IsValidIndexedAttestation(cs, a1, sigs, SignatureKind.AttesterSlashing, opIndex);
        IsValidIndexedAttestation(cs, a2, sigs, SignatureKind.AttesterSlashing, opIndex);
        bool slashedAny = false;
        ulong epoch = cs.CurrentEpoch;
        // Both lists are sorted and unique (checked above): intersect by merging, in ascending order.
        var l1 = a1.AttestingIndices;
        var l2 = a2.AttestingIndices;
        int i = 0, j = 0;
        while (i < l1.Count && j < l2.Count)
        {
            if (l1[i] < l2[j]) i++;
            else if (l1[i] > l2[j]) j++;
            else
            {
                ulong index = l1[i];
                if (Predicates.IsSlashableValidator(s.Validators[(int)index], epoch))
                {
                    Mutators.SlashValidator(cs, index);
                    slashedAny = true;
                }
                i++;
                j++;
            }
        }
        Check(slashedAny, TransitionError.AttesterSlashingNoneSlashed, $"attester slashing {opIndex}: no validator was slashed");
    }

    /// <summary>
    /// spec: is_valid_indexed_attestation. Throws when the structure is invalid; the signature goes
    /// to <paramref name="sigs"/> (checked later) unless it is null.
    /// </summary>
    public static void IsValidIndexedAttestation(CachedBeaconState cs, IndexedAttestation ia, SignatureCollector? sigs,
        SignatureKind kind = SignatureKind.Attestation, int opIndex = 0)
    {
        var indices = ia.AttestingIndices;
        Check(indices.Count > 0, TransitionError.IndexedAttestationEmpty, $"{kind} {opIndex}: no attesting indices");
        ulong n = (ulong)cs.State.Validators.Count;
        for (int k = 0; k < indices.Count; k++)
        {
            if (k > 0 && indices[k] <= indices[k - 1])
                throw new StateTransitionException(TransitionError.IndexedAttestationNotSortedUnique, $"{kind} {opIndex}: attesting indices are not sorted and unique");
            if (indices[k] >= n)
                throw new StateTransitionException(TransitionError.IndexedAttestationUnknownValidator, $"{kind} {opIndex}: validator {indices[k]} does not exist");
        }
        if (sigs != null)
        {
            var c = cs.Config;
            var domain = BeaconStateAccessors.GetDomain(c, cs.State, c.DomainBeaconAttester, ia.Data.Target.Epoch);
            var root = Misc.ComputeSigningRoot(c, ia.Data, domain);
            sigs.Add(new SignatureSet(kind, opIndex, indices, root, ia.Signature));
        }
    }

    /// <summary>spec: process_attestation.</summary>
    public static void ProcessAttestation(CachedBeaconState cs, Attestation attestation, SignatureCollector? sigs, int opIndex = 0)
    {
        var c = cs.Config;
        var s = cs.State;
        var data = attestation.Data;
        ulong current = cs.CurrentEpoch;
        ulong previous = cs.PreviousEpoch;
        Check(data.Target.Epoch == previous || data.Target.Epoch == current, TransitionError.AttestationTargetEpochNotRecent,
            $"attestation {opIndex}: target epoch {data.Target.Epoch} is neither the previous nor the current epoch");
        Check(data.Target.Epoch == Misc.ComputeEpochAtSlot(c, data.Slot), TransitionError.AttestationTargetEpochSlotMismatch,
            $"attestation {opIndex}: target epoch {data.Target.Epoch} does not contain slot {data.Slot}");
        Check(data.Slot + c.MinAttestationInclusionDelay <= s.Slot, TransitionError.AttestationInclusionTooEarly,
            $"attestation {opIndex}: slot {data.Slot} is too recent for inclusion at {s.Slot}");
        Check(s.Slot <= data.Slot + c.SlotsPerEpoch, TransitionError.AttestationInclusionTooLate,
            $"attestation {opIndex}: slot {data.Slot} is too old for inclusion at {s.Slot}");
        var shuffling = cs.GetShuffling(data.Target.Epoch);
        Check(data.Index < shuffling.CommitteesPerSlot, TransitionError.AttestationCommitteeIndexTooHigh,
            $"attestation {opIndex}: committee index {data.Index} is not below {shuffling.CommitteesPerSlot}");
        var committee = shuffling.Committee(data.Slot, data.Index);
        Check(attestation.AggregationBits.Count == committee.Length, TransitionError.AttestationBitsLengthMismatch,
            $"attestation {opIndex}: {attestation.AggregationBits.Count} aggregation bits for a committee of {committee.Length}");
        var pending = new PendingAttestation
        {
            Data = data,
            AggregationBits = attestation.AggregationBits,
            InclusionDelay = s.Slot - data.Slot,
            ProposerIndex = cs.GetBeaconProposerIndex(),
        };
        if (data.Target.Epoch == current)
        {
            Check(data.Source.Equals(s.CurrentJustifiedCheckpoint), TransitionError.AttestationSourceMismatch,
                $"attestation {opIndex}: source is not the current justified checkpoint");
            s.CurrentEpochAttestations.Add(pending);
        }
        else
        {
            Check(data.Source.Equals(s.PreviousJustifiedCheckpoint), TransitionError.AttestationSourceMismatch,
                $"attestation {opIndex}: source is not the previous justified checkpoint");
            s.PreviousEpochAttestations.Add(pending);
        }
        // get_indexed_attestation: committee members are distinct, so sorting the set bits' members gives sorted(set(...)).
        var bits = attestation.AggregationBits;
        var indices = new List<ulong>(committee.Length);
        for (int i = 0; i < committee.Length; i++)
            if (bits[i]) indices.Add((ulong)committee[i]);
        indices.Sort();
        var indexed = new IndexedAttestation { AttestingIndices = indices, Data = data, Signature = attestation.Signature };
        IsValidIndexedAttestation(cs, indexed, sigs, SignatureKind.Attestation, opIndex);
    }

    /// <summary>spec: get_validator_from_deposit.</summary>
    public static Validator GetValidatorFromDeposit(ChainConfig c, Deposit deposit)
    {
        ulong amount = deposit.Data.Amount;
        return new Validator
        {
            Pubkey = deposit.Data.Pubkey,
            WithdrawalCredentials = deposit.Data.WithdrawalCredentials,
            ActivationEligibilityEpoch = ChainConfig.FarFutureEpoch,
            ActivationEpoch = ChainConfig.FarFutureEpoch,
            ExitEpoch = ChainConfig.FarFutureEpoch,
            WithdrawableEpoch = ChainConfig.FarFutureEpoch,
            EffectiveBalance = Math.Min(amount - amount % c.EffectiveBalanceIncrement, c.MaxEffectiveBalance),
        };
    }

    /// <summary>
    /// spec: process_deposit. The deposit signature is checked at once through <paramref name="verifier"/>
    /// when <paramref name="verifySignatures"/> (an invalid one skips the deposit, it is not an error).
    /// </summary>
    public static void ProcessDeposit(CachedBeaconState cs, Deposit deposit, ISignatureVerifier? verifier, bool verifySignatures)
    {
        var c = cs.Config;
        var s = cs.State;
        var leaf = c.Schema.HashTreeRoot(deposit.Data);
        Check(Merkle.IsValidMerkleBranch(leaf, deposit.Proof, ChainConfig.DepositContractTreeDepth + 1, s.Eth1DepositIndex, s.Eth1Data.DepositRoot),
            TransitionError.DepositProofInvalid, $"deposit {s.Eth1DepositIndex}: invalid Merkle proof");
        s.Eth1DepositIndex++;
        var pubkey = deposit.Data.Pubkey;
        ulong amount = deposit.Data.Amount;
        int existing = cs.FindValidatorByPubkey(pubkey);
        if (existing < 0)
        {
            if (verifySignatures)
            {
                var message = new DepositMessage { Pubkey = pubkey, WithdrawalCredentials = deposit.Data.WithdrawalCredentials, Amount = amount };
                var domain = Misc.ComputeDomain(c, c.DomainDeposit); // fork-agnostic
                var root = Misc.ComputeSigningRoot(c, message, domain);
                if (verifier is null || !verifier.Verify(pubkey, root, deposit.Data.Signature)) return;
            }
            s.Validators.Add(GetValidatorFromDeposit(c, deposit));
            s.Balances.Add(amount);
            cs.OnValidatorAdded(s.Validators.Count - 1);
        }
        else
        {
            Mutators.IncreaseBalance(cs, (ulong)existing, amount);
        }
    }

    /// <summary>spec: process_voluntary_exit.</summary>
    public static void ProcessVoluntaryExit(CachedBeaconState cs, SignedVoluntaryExit signed, SignatureCollector? sigs, int opIndex = 0)
    {
        var c = cs.Config;
        var s = cs.State;
        var exit = signed.Message;
        Check(exit.ValidatorIndex < (ulong)s.Validators.Count, TransitionError.ExitUnknownValidator,
            $"voluntary exit {opIndex}: validator {exit.ValidatorIndex} does not exist");
        var v = s.Validators[(int)exit.ValidatorIndex];
        ulong current = cs.CurrentEpoch;
        Check(Predicates.IsActiveValidator(v, current), TransitionError.ExitValidatorNotActive,
            $"voluntary exit {opIndex}: validator {exit.ValidatorIndex} is not active");
        Check(v.ExitEpoch == ChainConfig.FarFutureEpoch, TransitionError.ExitAlreadyInitiated,
            $"voluntary exit {opIndex}: validator {exit.ValidatorIndex} is already exiting");
        Check(current >= exit.Epoch, TransitionError.ExitEpochInFuture, $"voluntary exit {opIndex}: epoch {exit.Epoch} is in the future");
        Check(current >= v.ActivationEpoch + c.ShardCommitteePeriod, TransitionError.ExitValidatorTooYoung,
            $"voluntary exit {opIndex}: validator {exit.ValidatorIndex} has not been active long enough");
        if (sigs != null)
        {
            var domain = BeaconStateAccessors.GetDomain(c, s, c.DomainVoluntaryExit, exit.Epoch);
            var root = Misc.ComputeSigningRoot(c, exit, domain);
            sigs.Add(new SignatureSet(SignatureKind.VoluntaryExit, opIndex, exit.ValidatorIndex, root, signed.Signature));
        }
        Mutators.InitiateValidatorExit(cs, exit.ValidatorIndex);
    }
}
