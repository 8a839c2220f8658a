using Cirrus.Consensus.Types;

namespace Cirrus.Node;

/// <summary>The Beacon API's validator status names (pending_*, active_*, exited_*, withdrawal_*).</summary>
public static class ValidatorStatus
{
    private const ulong FarFuture = ulong.MaxValue;

    public static string Of(Validator v, ulong slotsPerEpoch, ulong slot)
    {
        ulong epoch = slot / slotsPerEpoch;
        if (v.ActivationEpoch > epoch)
            return v.ActivationEligibilityEpoch == FarFuture ? "pending_initialized" : "pending_queued";
        if (epoch < v.ExitEpoch)
            return v.ExitEpoch == FarFuture ? "active_ongoing" : v.Slashed ? "active_slashed" : "active_exiting";
        if (epoch < v.WithdrawableEpoch)
            return v.Slashed ? "exited_slashed" : "exited_unslashed";
        return v.EffectiveBalance != 0 ? "withdrawal_possible" : "withdrawal_done";
    }
}
