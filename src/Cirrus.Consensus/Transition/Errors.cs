namespace Cirrus.Consensus.Transition;

/// <summary>Which check of the state transition failed.</summary>
public enum TransitionError
{
    // process_slots
    SlotNotInFuture,
    // state_transition
    BlockSignatureInvalid,
    StateRootMismatch,
    // process_block_header
    HeaderSlotMismatch,
    HeaderNotNewerThanLatest,
    HeaderProposerIndexMismatch,
    HeaderParentRootMismatch,
    HeaderProposerSlashed,
    // process_randao
    RandaoRevealInvalid,
    // process_operations
    DepositCountMismatch,
    TooManyOperations,
    // process_proposer_slashing
    ProposerSlashingSlotMismatch,
    ProposerSlashingProposerMismatch,
    ProposerSlashingHeadersEqual,
    ProposerSlashingUnknownValidator,
    ProposerSlashingNotSlashable,
    ProposerSlashingSignatureInvalid,
    // process_attester_slashing
    AttesterSlashingNotSlashableData,
    AttesterSlashingInvalidAttestation,
    AttesterSlashingNoneSlashed,
    // process_attestation
    AttestationTargetEpochNotRecent,
    AttestationTargetEpochSlotMismatch,
    AttestationInclusionTooEarly,
    AttestationInclusionTooLate,
    AttestationCommitteeIndexTooHigh,
    AttestationBitsLengthMismatch,
    AttestationSourceMismatch,
    AttestationInvalidIndexed,
    // is_valid_indexed_attestation
    IndexedAttestationEmpty,
    IndexedAttestationNotSortedUnique,
    IndexedAttestationUnknownValidator,
    IndexedAttestationSignatureInvalid,
    // process_deposit
    DepositProofInvalid,
    // process_voluntary_exit
    ExitUnknownValidator,
    ExitValidatorNotActive,
    ExitAlreadyInitiated,
    ExitEpochInFuture,
    ExitValidatorTooYoung,
    ExitSignatureInvalid,
    // batch verification
    SignatureBatchInvalid,
    // helpers
    BlockRootOutOfRange,
    NoActiveValidators,
    InvalidEpoch,
    InconsistentState,
}

/// <summary>The one exception the state transition throws for an invalid block, slot target or state.</summary>
public sealed class StateTransitionException(TransitionError error, string message) : Exception(message)
{
    public TransitionError Error { get; } = error;

    public static void Check(bool condition, TransitionError error, string message)
    {
        if (!condition) throw new StateTransitionException(error, message);
    }
}
