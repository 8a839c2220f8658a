using Cirrus.Consensus.Config;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Consensus.Transition.Epoch;

/// <summary>Per-validator facts for epoch processing, gathered in one pass over the registry and the pending attestations.</summary>
[Flags]
public enum ValidatorFlags : byte
{
    None = 0,
    ActiveCurrent = 1,
    ActivePrevious = 2,
    Slashed = 4,
    Eligible = 8, // spec: get_eligible_validator_indices
    PrevSource = 16, // in get_matching_source_attestations(previous epoch)
    PrevTarget = 32,
    PrevHead = 64,
    CurrTarget = 128,
}

/// <summary>
/// What process_epoch needs from the state before it changes anything (Lighthouse calls this
/// ValidatorStatuses): flags per validator, the minimal inclusion delay of previous-epoch source
/// attesters, and the balance totals. Effective balances do not change until final updates, so
/// one summary serves justification, rewards and slashings.
/// </summary>
public sealed class EpochSummary
{
    public ulong CurrentEpoch { get; }
    public ulong PreviousEpoch { get; }
    public ValidatorFlags[] Flags { get; }
    /// <summary>Minimal inclusion delay among previous-epoch source attestations including the validator (0 when none).</summary>
    public ulong[] InclusionDelay { get; }
    /// <summary>The proposer of the first attestation with that minimal delay.</summary>
    public ulong[] InclusionProposer { get; }

    /// <summary>spec: get_total_active_balance.</summary>
    public ulong TotalActiveBalance { get; }
    /// <summary>Unslashed attesting balances (get_total_balance: at least EFFECTIVE_BALANCE_INCREMENT).</summary>
    public ulong PrevSourceBalance { get; }
    public ulong PrevTargetBalance { get; }
    public ulong PrevHeadBalance { get; }
    public ulong CurrTargetBalance { get; }

    public EpochSummary(CachedBeaconState cs)
    {
        var c = cs.Config;
        var s = cs.State;
        var validators = s.Validators;
        int n = validators.Count;
        CurrentEpoch = cs.CurrentEpoch;
        PreviousEpoch = cs.PreviousEpoch;
        Flags = new ValidatorFlags[n];
        InclusionDelay = new ulong[n];
        InclusionProposer = new ulong[n];
        ulong totalActive = 0;
        for (int i = 0; i < n; i++)
        {
            var v = validators[i];
            ValidatorFlags f = ValidatorFlags.None;
            if (v.ActivationEpoch <= CurrentEpoch && CurrentEpoch < v.ExitEpoch)
            {
                f |= ValidatorFlags.ActiveCurrent;
                totalActive += v.EffectiveBalance;
            }
            if (v.ActivationEpoch <= PreviousEpoch && PreviousEpoch < v.ExitEpoch) f |= ValidatorFlags.ActivePrevious | ValidatorFlags.Eligible;
            if (v.Slashed)
            {
                f |= ValidatorFlags.Slashed;
                if (PreviousEpoch + 1 < v.WithdrawableEpoch) f |= ValidatorFlags.Eligible;
            }
            Flags[i] = f;
        }
        TotalActiveBalance = Math.Max(c.EffectiveBalanceIncrement, totalActive);

        if (s.PreviousEpochAttestations.Count > 0)
        {
            var targetRoot = BeaconStateAccessors.GetBlockRoot(c, s, PreviousEpoch);
            foreach (var a in s.PreviousEpochAttestations)
            {
                var data = a.Data;
                var committee = PendingCommittee(cs, a, n);
                ValidatorFlags add = ValidatorFlags.PrevSource;
                if (data.Target.Root == targetRoot)
                {
                    add |= ValidatorFlags.PrevTarget;
                    if (data.BeaconBlockRoot == BeaconStateAccessors.GetBlockRootAtSlot(c, s, data.Slot)) add |= ValidatorFlags.PrevHead;
                }
                var bits = a.AggregationBits;
                int len = Math.Min(bits.Count, committee.Length);
                for (int k = 0; k < len; k++)
                {
                    if (!bits[k]) continue;
                    int vi = committee[k];
                    Flags[vi] |= add;
                    if (InclusionDelay[vi] == 0 || a.InclusionDelay < InclusionDelay[vi])
                    {
                        InclusionDelay[vi] = a.InclusionDelay;
                        InclusionProposer[vi] = a.ProposerIndex;
                    }
                }
            }
        }
        if (s.CurrentEpochAttestations.Count > 0)
        {
            var targetRoot = BeaconStateAccessors.GetBlockRoot(c, s, CurrentEpoch);
            foreach (var a in s.CurrentEpochAttestations)
            {
                var data = a.Data;
                if (data.Target.Root != targetRoot) continue;
                var committee = PendingCommittee(cs, a, n);
                var bits = a.AggregationBits;
                int len = Math.Min(bits.Count, committee.Length);
                for (int k = 0; k < len; k++)
                    if (bits[k]) Flags[committee[k]] |= ValidatorFlags.CurrTarget;
            }
        }

        ulong src = 0, tgt = 0, head = 0, cur = 0;
        for (int i = 0; i < n; i++)
        {
            var f = Flags[i];
            if ((f & ValidatorFlags.Slashed) != 0) continue;
            ulong eb = validators[i].EffectiveBalance;
            if ((f & ValidatorFlags.PrevSource) != 0) src += eb;
            if ((f & ValidatorFlags.PrevTarget) != 0) tgt += eb;
            if ((f & ValidatorFlags.PrevHead) != 0) head += eb;
            if ((f & ValidatorFlags.CurrTarget) != 0) cur += eb;
        }
        ulong inc = c.EffectiveBalanceIncrement;
        PrevSourceBalance = Math.Max(inc, src);
        PrevTargetBalance = Math.Max(inc, tgt);
        PrevHeadBalance = Math.Max(inc, head);
        CurrTargetBalance = Math.Max(inc, cur);
    }

    // The committee of a pending attestation; a state whose pending attestations could not have
    // been included gives a typed error rather than an index exception.
    private static ReadOnlySpan<int> PendingCommittee(CachedBeaconState cs, PendingAttestation a, int validatorCount)
    {
        var shuffling = cs.GetShuffling(a.Data.Slot / cs.Config.SlotsPerEpoch);
        if (a.Data.Index >= shuffling.CommitteesPerSlot || a.InclusionDelay == 0 || a.ProposerIndex >= (ulong)validatorCount)
            throw new StateTransitionException(TransitionError.InconsistentState, "state holds a pending attestation that cannot be valid");
        return shuffling.Committee(a.Data.Slot, a.Data.Index);
    }
}
