using Cirrus.Consensus.Config;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Consensus.Transition.Epoch;

/// <summary>Components of the attestation deltas (spec: get_*_deltas).</summary>
[Flags]
public enum DeltaComponents
{
    Source = 1,
    Target = 2,
    Head = 4,
    InclusionDelay = 8,
    InactivityPenalty = 16,
    All = 31,
}

/// <summary>spec: process_epoch and its parts.</summary>
public static class EpochProcessing
{
    /// <summary>spec: process_epoch.</summary>
    public static void ProcessEpoch(CachedBeaconState cs)
    {
        var summary = new EpochSummary(cs);
        ProcessJustificationAndFinalization(cs, summary);
        ProcessRewardsAndPenalties(cs, summary);
        ProcessRegistryUpdates(cs);
        ProcessSlashings(cs, summary);
        ProcessFinalUpdates(cs);
    }

    /// <summary>spec: process_justification_and_finalization.</summary>
    public static void ProcessJustificationAndFinalization(CachedBeaconState cs, EpochSummary? summary = null)
    {
        var c = cs.Config;
        var s = cs.State;
        ulong current = cs.CurrentEpoch;
        if (current <= ChainConfig.GenesisEpoch + 1) return;
        summary ??= new EpochSummary(cs);
        ulong previous = cs.PreviousEpoch;
        var oldPrevious = s.PreviousJustifiedCheckpoint;
        var oldCurrent = s.CurrentJustifiedCheckpoint;

        s.PreviousJustifiedCheckpoint = s.CurrentJustifiedCheckpoint.Copy();
        var bits = s.JustificationBits;
        for (int i = ChainConfig.JustificationBitsLength - 1; i > 0; i--) bits[i] = bits[i - 1];
        bits[0] = false;
        ulong total = summary.TotalActiveBalance;
        if (summary.PrevTargetBalance * 3 >= total * 2)
        {
            s.CurrentJustifiedCheckpoint = new Checkpoint { Epoch = previous, Root = BeaconStateAccessors.GetBlockRoot(c, s, previous) };
            bits[1] = true;
        }
        if (summary.CurrTargetBalance * 3 >= total * 2)
        {
            s.CurrentJustifiedCheckpoint = new Checkpoint { Epoch = current, Root = BeaconStateAccessors.GetBlockRoot(c, s, current) };
            bits[0] = true;
        }

        // The 2nd/3rd/4th most recent epochs are justified, the 2nd using the 4th as source
        if (bits[1] && bits[2] && bits[3] && oldPrevious.Epoch + 3 == current) s.FinalizedCheckpoint = oldPrevious.Copy();
        // The 2nd/3rd most recent epochs are justified, the 2nd using the 3rd as source
        if (bits[1] && bits[2] && oldPrevious.Epoch + 2 == current) s.FinalizedCheckpoint = oldPrevious.Copy();
        // The 1st/2nd/3rd most recent epochs are justified, the 1st using the 3rd as source
        if (bits[0] && bits[1] && bits[2] && oldCurrent.Epoch + 2 == current) s.FinalizedCheckpoint = oldCurrent.Copy();
        // The 1st/2nd most recent epochs are justified, the 1st using the 2nd as source
        if (bits[0] && bits[1] && oldCurrent.Epoch + 1 == current) s.FinalizedCheckpoint = oldCurrent.Copy();
    }

    /// <summary>spec: get_finality_delay.</summary>
    public static ulong GetFinalityDelay(CachedBeaconState cs) => cs.PreviousEpoch - cs.State.FinalizedCheckpoint.Epoch;

    /// <summary>spec: is_in_inactivity_leak.</summary>
    public static bool IsInInactivityLeak(CachedBeaconState cs) => GetFinalityDelay(cs) > cs.Config.MinEpochsToInactivityPenalty;

    /// <summary>
    /// Adds the chosen components of spec get_attestation_deltas into <paramref name="rewards"/> and
    /// <paramref name="penalties"/> (one entry per validator).
    /// </summary>
    public static void ComputeAttestationDeltas(CachedBeaconState cs, EpochSummary summary, DeltaComponents components,
        Span<ulong> rewards, Span<ulong> penalties)
    {
        var c = cs.Config;
        var validators = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(cs.State.Validators);
        int n = validators.Length;
        ulong total = summary.TotalActiveBalance;
        ulong sqrtTotal = MathHelpers.IntegerSquareRoot(total);
        ulong inc = c.EffectiveBalanceIncrement;
        ulong totalIncrements = total / inc;
        bool leak = IsInInactivityLeak(cs);
        ulong finalityDelay = GetFinalityDelay(cs);
        ulong srcInc = summary.PrevSourceBalance / inc, tgtInc = summary.PrevTargetBalance / inc, headInc = summary.PrevHeadBalance / inc;
        bool doSource = (components & DeltaComponents.Source) != 0;
        bool doTarget = (components & DeltaComponents.Target) != 0;
        bool doHead = (components & DeltaComponents.Head) != 0;
        bool doDelay = (components & DeltaComponents.InclusionDelay) != 0;
        bool doInactivity = (components & DeltaComponents.InactivityPenalty) != 0;
        var flags = summary.Flags;
        // Everything below depends on the validator only through its effective balance, which is
        // the same for almost all validators: compute per distinct value, reuse while it repeats.
        ulong lastEb = ulong.MaxValue;
        ulong baseReward = 0, srcReward = 0, tgtReward = 0, headReward = 0, proposerReward = 0, leakPenalty = 0, inactivityPenalty = 0;
        for (int i = 0; i < n; i++)
        {
            var f = flags[i];
            bool unslashed = (f & ValidatorFlags.Slashed) == 0;
            bool eligible = (f & ValidatorFlags.Eligible) != 0;
            bool srcAttester = unslashed && (f & ValidatorFlags.PrevSource) != 0;
            if (!eligible && !(doDelay && srcAttester)) continue;
            ulong eb = validators[i].EffectiveBalance;
            if (eb != lastEb)
            {
                lastEb = eb;
                // spec: get_base_reward
                baseReward = eb * c.BaseRewardFactor / sqrtTotal / ChainConfig.BaseRewardsPerEpoch;
                // spec: get_attestation_component_deltas (rewards for attesters outside a leak)
                srcReward = leak ? baseReward : baseReward * srcInc / totalIncrements;
                tgtReward = leak ? baseReward : baseReward * tgtInc / totalIncrements;
                headReward = leak ? baseReward : baseReward * headInc / totalIncrements;
                // spec: get_proposer_reward
                proposerReward = baseReward / c.ProposerRewardQuotient;
                // spec: get_inactivity_penalty_deltas
                leakPenalty = ChainConfig.BaseRewardsPerEpoch * baseReward - proposerReward;
                inactivityPenalty = eb * finalityDelay / c.InactivityPenaltyQuotient;
            }
            if (eligible)
            {
                bool target = unslashed && (f & ValidatorFlags.PrevTarget) != 0;
                if (doSource)
                {
                    if (srcAttester) rewards[i] += srcReward;
                    else penalties[i] += baseReward;
                }
                if (doTarget)
                {
                    if (target) rewards[i] += tgtReward;
                    else penalties[i] += baseReward;
                }
                if (doHead)
                {
                    if (unslashed && (f & ValidatorFlags.PrevHead) != 0) rewards[i] += headReward;
                    else penalties[i] += baseReward;
                }
                if (doInactivity && leak)
                {
                    penalties[i] += leakPenalty;
                    if (!target) penalties[i] += inactivityPenalty;
                }
            }
            if (doDelay && srcAttester)
            {
                rewards[(int)summary.InclusionProposer[i]] += proposerReward;
                ulong delay = summary.InclusionDelay[i];
                rewards[i] += delay == 1 ? baseReward - proposerReward : (baseReward - proposerReward) / delay;
            }
        }
    }

    /// <summary>spec: get_source_deltas (rewards, penalties).</summary>
    public static (ulong[] Rewards, ulong[] Penalties) GetSourceDeltas(CachedBeaconState cs) => Deltas(cs, DeltaComponents.Source);

    /// <summary>spec: get_target_deltas.</summary>
    public static (ulong[] Rewards, ulong[] Penalties) GetTargetDeltas(CachedBeaconState cs) => Deltas(cs, DeltaComponents.Target);

    /// <summary>spec: get_head_deltas.</summary>
    public static (ulong[] Rewards, ulong[] Penalties) GetHeadDeltas(CachedBeaconState cs) => Deltas(cs, DeltaComponents.Head);

    /// <summary>spec: get_inclusion_delay_deltas.</summary>
    public static (ulong[] Rewards, ulong[] Penalties) GetInclusionDelayDeltas(CachedBeaconState cs) => Deltas(cs, DeltaComponents.InclusionDelay);

    /// <summary>spec: get_inactivity_penalty_deltas.</summary>
    public static (ulong[] Rewards, ulong[] Penalties) GetInactivityPenaltyDeltas(CachedBeaconState cs) => Deltas(cs, DeltaComponents.InactivityPenalty);

    /// <summary>spec: get_attestation_deltas (the sum of the five components).</summary>
    public static (ulong[] Rewards, ulong[] Penalties) GetAttestationDeltas(CachedBeaconState cs) => Deltas(cs, DeltaComponents.All);

    private static (ulong[] Rewards, ulong[] Penalties) Deltas(CachedBeaconState cs, DeltaComponents components)
    {
        int n = cs.State.Validators.Count;
        var rewards = new ulong[n];
        var penalties = new ulong[n];
        ComputeAttestationDeltas(cs, new EpochSummary(cs), components, rewards, penalties);
        return (rewards, penalties);
    }

    /// <summary>spec: process_rewards_and_penalties.</summary>
    public static void ProcessRewardsAndPenalties(CachedBeaconState cs, EpochSummary? summary = null)
    {
        if (cs.CurrentEpoch == ChainConfig.GenesisEpoch) return;
        summary ??= new EpochSummary(cs);
        var balances = cs.State.Balances;
        int n = balances.Count;
        ulong[] rewards = System.Buffers.ArrayPool<ulong>.Shared.Rent(n);
        ulong[] penalties = System.Buffers.ArrayPool<ulong>.Shared.Rent(n);
        try
        {
            Array.Clear(rewards, 0, n);
            Array.Clear(penalties, 0, n);
            ComputeAttestationDeltas(cs, summary, DeltaComponents.All, rewards.AsSpan(0, n), penalties.AsSpan(0, n));
            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(balances);
            for (int i = 0; i < n; i++)
            {
                ulong b = span[i] + rewards[i];
                span[i] = penalties[i] > b ? 0 : b - penalties[i];
            }
        }
        finally
        {
            System.Buffers.ArrayPool<ulong>.Shared.Return(rewards);
            System.Buffers.ArrayPool<ulong>.Shared.Return(penalties);
        }
    }

    /// <summary>spec: process_registry_updates.</summary>
    public static void ProcessRegistryUpdates(CachedBeaconState cs)
    {
        var c = cs.Config;
        var s = cs.State;
        var validators = s.Validators;
        ulong current = cs.CurrentEpoch;
        for (int i = 0; i < validators.Count; i++)
        {
            var v = validators[i];
            if (Predicates.IsEligibleForActivationQueue(c, v)) Mutators.MutableValidator(c, s, i).ActivationEligibilityEpoch = current + 1;
            if (Predicates.IsActiveValidator(v, current) && v.EffectiveBalance <= c.EjectionBalance)
                Mutators.InitiateValidatorExit(cs, (ulong)i);
        }
        var queue = new List<(ulong Eligibility, int Index)>();
        ulong finalized = s.FinalizedCheckpoint.Epoch;
        for (int i = 0; i < validators.Count; i++)
        {
            var v = validators[i];
            if (v.ActivationEligibilityEpoch <= finalized && v.ActivationEpoch == ChainConfig.FarFutureEpoch)
                queue.Add((v.ActivationEligibilityEpoch, i));
        }
        if (queue.Count == 0) return;
        queue.Sort();
        ulong churn = BeaconStateAccessors.GetValidatorChurnLimit(cs);
        ulong activation = Misc.ComputeActivationExitEpoch(c, current);
        for (int k = 0; k < queue.Count && (ulong)k < churn; k++)
            Mutators.MutableValidator(c, s, queue[k].Index).ActivationEpoch = activation;
    }

    /// <summary>spec: process_slashings.</summary>
    public static void ProcessSlashings(CachedBeaconState cs, EpochSummary? summary = null)
    {
        var c = cs.Config;
        var s = cs.State;
        ulong epoch = cs.CurrentEpoch;
        ulong total = summary?.TotalActiveBalance ?? BeaconStateAccessors.GetTotalActiveBalance(cs);
        ulong sum = 0;
        foreach (ulong x in s.Slashings) sum += x;
        ulong adjusted = Math.Min(sum * c.ProportionalSlashingMultiplier, total);
        ulong inc = c.EffectiveBalanceIncrement;
        ulong target = epoch + c.EpochsPerSlashingsVector / 2;
        var validators = s.Validators;
        for (int i = 0; i < validators.Count; i++)
        {
            var v = validators[i];
            if (v.Slashed && target == v.WithdrawableEpoch)
            {
                ulong penaltyNumerator = v.EffectiveBalance / inc * adjusted;
                ulong penalty = penaltyNumerator / total * inc;
                Mutators.DecreaseBalance(cs, (ulong)i, penalty);
            }
        }
    }

    /// <summary>spec: process_final_updates.</summary>
    public static void ProcessFinalUpdates(CachedBeaconState cs)
    {
        var c = cs.Config;
        var s = cs.State;
        ulong current = cs.CurrentEpoch;
        ulong next = current + 1;
        if (next % c.EpochsPerEth1VotingPeriod == 0) s.Eth1DataVotes = [];
        ulong hysteresisIncrement = c.EffectiveBalanceIncrement / c.HysteresisQuotient;
        ulong down = hysteresisIncrement * c.HysteresisDownwardMultiplier;
        ulong up = hysteresisIncrement * c.HysteresisUpwardMultiplier;
        var validators = s.Validators;
        var balances = s.Balances;
        for (int i = 0; i < validators.Count; i++)
        {
            var v = validators[i];
            ulong balance = balances[i];
            if (balance + down < v.EffectiveBalance || v.EffectiveBalance + up < balance)
                Mutators.MutableValidator(c, s, i).EffectiveBalance = Math.Min(balance - balance % c.EffectiveBalanceIncrement, c.MaxEffectiveBalance);
        }
        s.Slashings[(int)(next % c.EpochsPerSlashingsVector)] = 0;
        s.RandaoMixes[(int)(next % c.EpochsPerHistoricalVector)] = BeaconStateAccessors.GetRandaoMix(c, s, current);
        if (next % (c.SlotsPerHistoricalRoot / c.SlotsPerEpoch) == 0)
        {
            var batch = new HistoricalBatch { BlockRoots = s.BlockRoots, StateRoots = s.StateRoots };
            s.HistoricalRoots.Add(c.Schema.HashTreeRoot(batch));
        }
        s.PreviousEpochAttestations = s.CurrentEpochAttestations;
        s.CurrentEpochAttestations = [];
    }
}
