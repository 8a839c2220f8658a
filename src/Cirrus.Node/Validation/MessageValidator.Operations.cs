using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Node.Pools;
using Cirrus.Ssz;

namespace Cirrus.Node.Validation;

// Topics voluntary_exit, proposer_slashing and attester_slashing: a seen cache, then the
// operation's own process_* run on a copy of the current state (OperationPool.Check*).
public sealed partial class MessageValidator
{
    private readonly Lock _opStateLock = new();
    private (Bytes32 Head, ulong Slot, CachedBeaconState State)? _opState;

    public ValidationOutcome ValidateVoluntaryExit(SignedVoluntaryExit exit) =>
        FirstPerValidator(_seenExits, exit.Message.ValidatorIndex, AlreadySeenExit,
            s => OperationPool.CheckVoluntaryExit(s, exit, _chain.SignatureVerifier), GossipError.InvalidVoluntaryExit, "process_voluntary_exit");

    public ValidationOutcome ValidateProposerSlashing(ProposerSlashing slashing) =>
        FirstPerValidator(_seenProposerSlashings, slashing.SignedHeader1.Message.ProposerIndex, AlreadySeenProposerSlashing,
            s => OperationPool.CheckProposerSlashing(s, slashing, _chain.SignatureVerifier), GossipError.InvalidProposerSlashing, "process_proposer_slashing");

    public ValidationOutcome ValidateAttesterSlashing(AttesterSlashing slashing)
    {
        // An empty intersection fails the spec's any(...) too: IGNORE, as the condition says.
        var slashable = slashing.Attestation1.AttestingIndices.Intersect(slashing.Attestation2.AttestingIndices).ToList();
        if (_seenSlashedAttesters.ContainsAll(0, slashable))
            return ValidationOutcome.Ignore(GossipError.SlashedIndicesAlreadySeen,
                "at least one index in the intersection of the attesting indices of each attestation has not yet been seen in any prior attester_slashing");
        var outcome = CheckOperation(s => OperationPool.CheckAttesterSlashing(s, slashing, _chain.SignatureVerifier),
            GossipError.InvalidAttesterSlashing, "process_attester_slashing");
        if (outcome.IsAccept) _seenSlashedAttesters.AddRange(0, slashable);
        return outcome;
    }

    /// <summary>Validates and, on Accept, adds the exit to <see cref="BeaconChain.Operations"/>.</summary>
    public ValidationOutcome ProcessVoluntaryExit(SignedVoluntaryExit exit)
    {
        var outcome = ValidateVoluntaryExit(exit);
        if (outcome.IsAccept) _chain.Operations.AddValidated(exit);
        return outcome;
    }

    public ValidationOutcome ProcessProposerSlashing(ProposerSlashing slashing)
    {
        var outcome = ValidateProposerSlashing(slashing);
        if (outcome.IsAccept) _chain.Operations.AddValidated(slashing);
        return outcome;
    }

    public ValidationOutcome ProcessAttesterSlashing(AttesterSlashing slashing)
    {
        var outcome = ValidateAttesterSlashing(slashing);
        if (outcome.IsAccept) _chain.Operations.AddValidated(slashing);
        return outcome;
    }

    /// <summary>[IGNORE] the first valid one for the validator, then [REJECT] process_* on the current state.</summary>
    private ValidationOutcome FirstPerValidator(SeenCache<ulong> seen, ulong validator, Func<ulong, ValidationOutcome> alreadySeen,
        Action<CachedBeaconState> check, GossipError invalid, string process)
    {
        if (seen.Contains(0, validator)) return alreadySeen(validator);
        var outcome = CheckOperation(check, invalid, process);
        if (!outcome.IsAccept) return outcome;
        return seen.TryAdd(0, validator) ? outcome : alreadySeen(validator);
    }

    /// <summary>[REJECT] All of the conditions within process_* pass validation, on the current state.</summary>
    private ValidationOutcome CheckOperation(Action<CachedBeaconState> check, GossipError invalid, string process)
    {
        var state = CurrentState();
        if (state is null)
            return ValidationOutcome.Ignore(GossipError.StateUnavailable, "the node's head is too far behind its clock to check operations");
        try
        {
            check(state);
        }
        catch (StateTransitionException e)
        {
            return ValidationOutcome.Reject(IsSignatureError(e) ? GossipError.InvalidSignature : invalid,
                $"all of the conditions within {process} pass validation: {e.Message}");
        }
        return ValidationOutcome.Accept();
    }

    /// <summary>The head state advanced to the current slot (read-only; the checks copy it), kept per (head, slot).</summary>
    private CachedBeaconState? CurrentState()
    {
        var head = _chain.Head;
        ulong slot = Math.Max(_chain.CurrentSlot, _chain.HeadSlot);
        lock (_opStateLock)
        {
            if (_opState is { } cached && cached.Head == head && cached.Slot == slot) return cached.State;
        }
        var state = _chain.GetCanonicalState(slot)?.State;
        if (state is null) return null;
        lock (_opStateLock) _opState = (head, slot, state);
        return state;
    }

    private static ValidationOutcome AlreadySeenExit(ulong v) => ValidationOutcome.Ignore(GossipError.AlreadySeen,
        $"the voluntary exit is the first valid voluntary exit received for the validator with index {v}");

    private static ValidationOutcome AlreadySeenProposerSlashing(ulong p) => ValidationOutcome.Ignore(GossipError.AlreadySeen,
        $"the proposer slashing is the first valid proposer slashing received for the proposer with index {p}");
}
