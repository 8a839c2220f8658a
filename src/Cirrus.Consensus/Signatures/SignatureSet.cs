using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Consensus.Signatures;

/// <summary>What a collected signature signs (for error messages).</summary>
public enum SignatureKind
{
    BlockProposal,
    Randao,
    ProposerSlashing,
    AttesterSlashing,
    Attestation,
    VoluntaryExit,
}

/// <summary>
/// One signature to check: by one validator, or an aggregate by several (FastAggregateVerify),
/// over a signing root. Validators are named by registry index; the verifier resolves pubkeys.
/// </summary>
public sealed class SignatureSet
{
    public SignatureSet(SignatureKind kind, int operationIndex, ulong validatorIndex, Bytes32 signingRoot, Bytes96 signature)
    {
        Kind = kind;
        OperationIndex = operationIndex;
        ValidatorIndex = validatorIndex;
        SigningRoot = signingRoot;
        Signature = signature;
    }

    public SignatureSet(SignatureKind kind, int operationIndex, IReadOnlyList<ulong> validatorIndices, Bytes32 signingRoot, Bytes96 signature)
    {
        Kind = kind;
        OperationIndex = operationIndex;
        ValidatorIndices = validatorIndices;
        SigningRoot = signingRoot;
        Signature = signature;
    }

    public SignatureKind Kind { get; }
    /// <summary>Position of the operation in its block list (0 for the proposal and RANDAO).</summary>
    public int OperationIndex { get; }
    /// <summary>The single signer (when <see cref="ValidatorIndices"/> is null).</summary>
    public ulong ValidatorIndex { get; }
    /// <summary>The signers of an aggregate, or null for a single signer.</summary>
    public IReadOnlyList<ulong>? ValidatorIndices { get; }
    public Bytes32 SigningRoot { get; }
    public Bytes96 Signature { get; }

    public override string ToString() => Kind switch
    {
        SignatureKind.BlockProposal => "block proposer signature",
        SignatureKind.Randao => "RANDAO reveal",
        _ => $"{Kind} {OperationIndex} signature",
    };
}

/// <summary>Checks BLS signatures for the transition (implemented over Cirrus.Crypto's BLS).</summary>
public interface ISignatureVerifier
{
    /// <summary>
    /// Verifies all sets together (one batch). Returns -1 when all are valid, otherwise the
    /// position of an invalid set. Pubkeys come from <paramref name="validators"/> by index.
    /// </summary>
    int VerifyBatch(IReadOnlyList<SignatureSet> sets, IReadOnlyList<Validator> validators);

    /// <summary>A single signature by a pubkey that may not be in the registry (deposits).</summary>
    bool Verify(Bytes48 pubkey, Bytes32 signingRoot, Bytes96 signature);
}

/// <summary>
/// The signatures of one block (or operation), collected while processing it and verified at the
/// end in one batch. Deposit signatures are checked at once, through <see cref="Verifier"/>,
/// because an invalid one is not a block error.
/// </summary>
public sealed class SignatureCollector(ISignatureVerifier verifier)
{
    private readonly List<SignatureSet> _sets = [];

    public ISignatureVerifier Verifier { get; } = verifier;
    public IReadOnlyList<SignatureSet> Sets => _sets;

    public void Add(SignatureSet set) => _sets.Add(set);

    public void Clear() => _sets.Clear();

    /// <summary>Verifies everything collected and clears; throws naming the first invalid signature.</summary>
    public void VerifyAndClear(IReadOnlyList<Validator> validators)
    {
        if (_sets.Count == 0) return;
        int bad = Verifier.VerifyBatch(_sets, validators);
        if (bad >= 0)
        {
            var set = _sets[bad];
            _sets.Clear();
            throw new StateTransitionException(ErrorFor(set.Kind), $"invalid {set}");
        }
        _sets.Clear();
    }

    private static TransitionError ErrorFor(SignatureKind kind) => kind switch
    {
        SignatureKind.BlockProposal => TransitionError.BlockSignatureInvalid,
        SignatureKind.Randao => TransitionError.RandaoRevealInvalid,
        SignatureKind.ProposerSlashing => TransitionError.ProposerSlashingSignatureInvalid,
        SignatureKind.AttesterSlashing => TransitionError.IndexedAttestationSignatureInvalid,
        SignatureKind.Attestation => TransitionError.IndexedAttestationSignatureInvalid,
        SignatureKind.VoluntaryExit => TransitionError.ExitSignatureInvalid,
        _ => TransitionError.SignatureBatchInvalid,
    };
}
