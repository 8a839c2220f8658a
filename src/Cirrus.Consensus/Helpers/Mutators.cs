using Cirrus.Consensus.Config;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;

namespace Cirrus.Consensus.Helpers;

/// <summary>spec: beacon-chain.md "Beacon state mutators".</summary>
public static class Mutators
{
    public static void IncreaseBalance(CachedBeaconState cs, ulong index, ulong delta)
    {
        var b = cs.State.Balances;
        b[(int)index] += delta;
    }

    public static void DecreaseBalance(CachedBeaconState cs, ulong index, ulong delta)
    {
        var b = cs.State.Balances;
        ulong cur = b[(int)index];
        b[(int)index] = delta > cur ? 0 : cur - delta;
    }

    /// <summary>
    /// The validator record at <paramref name="index"/>, made private to this state before it is
    /// changed: states copied with <see cref="CachedBeaconState.CopyState"/> share records.
    /// </summary>
    public static Validator MutableValidator(ChainConfig c, BeaconState s, int index)
    {
        var v = c.Schema.Copy(s.Validators[index]);
        s.Validators[index] = v;
        return v;
    }

    /// <summary>spec: initiate_validator_exit.</summary>
    public static void InitiateValidatorExit(CachedBeaconState cs, ulong index)
    {
        var c = cs.Config;
        var v = cs.State.Validators[(int)index];
        if (v.ExitEpoch != ChainConfig.FarFutureEpoch) return;
        var q = cs.Exits;
        ulong exitQueueEpoch = Misc.ComputeActivationExitEpoch(c, cs.CurrentEpoch);
        if (q.Any && q.MaxExitEpoch > exitQueueEpoch) exitQueueEpoch = q.MaxExitEpoch;
        ulong churn = q.Any && q.MaxExitEpoch == exitQueueEpoch ? q.ChurnAtMax : 0;
        if (churn >= BeaconStateAccessors.GetValidatorChurnLimit(cs)) exitQueueEpoch++;
        v = MutableValidator(c, cs.State, (int)index);
        v.ExitEpoch = exitQueueEpoch;
        v.WithdrawableEpoch = exitQueueEpoch + c.MinValidatorWithdrawabilityDelay;
        q.Add(exitQueueEpoch);
    }

    /// <summary>spec: slash_validator.</summary>
    public static void SlashValidator(CachedBeaconState cs, ulong slashedIndex, ulong? whistleblowerIndex = null)
    {
        var c = cs.Config;
        var s = cs.State;
        ulong epoch = cs.CurrentEpoch;
        InitiateValidatorExit(cs, slashedIndex);
        var v = MutableValidator(c, s, (int)slashedIndex);
        v.Slashed = true;
        v.WithdrawableEpoch = Math.Max(v.WithdrawableEpoch, epoch + c.EpochsPerSlashingsVector);
        s.Slashings[(int)(epoch % c.EpochsPerSlashingsVector)] += v.EffectiveBalance;
        DecreaseBalance(cs, slashedIndex, v.EffectiveBalance / c.MinSlashingPenaltyQuotient);
        ulong proposer = cs.GetBeaconProposerIndex();
        ulong whistleblower = whistleblowerIndex ?? proposer;
        ulong whistleblowerReward = v.EffectiveBalance / c.WhistleblowerRewardQuotient;
        ulong proposerReward = whistleblowerReward / c.ProposerRewardQuotient;
        IncreaseBalance(cs, proposer, proposerReward);
        IncreaseBalance(cs, whistleblower, whistleblowerReward - proposerReward);
    }
}
