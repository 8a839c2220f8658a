// TEMPORARY contract stub: replaced by the node-validation branch.
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Types;

namespace Cirrus.Node.Validation;

public enum ValidationAction { Accept, Ignore, Reject }
public enum GossipError { None, FutureSlot, UnknownParent, Other }

public readonly record struct ValidationOutcome(ValidationAction Action, GossipError Error, string Message)
{
    public static ValidationOutcome Accept() => new(ValidationAction.Accept, GossipError.None, "");
    public static ValidationOutcome Ignore(GossipError e, string m) => new(ValidationAction.Ignore, e, m);
    public static ValidationOutcome Reject(GossipError e, string m) => new(ValidationAction.Reject, e, m);
    public bool IsAccept => Action == ValidationAction.Accept;
}

public sealed class MessageValidator(BeaconChain chain)
{
    public ValidationOutcome ValidateBlock(SignedBeaconBlock block)
    {
        if (block.Message.Slot > chain.CurrentSlot) return ValidationOutcome.Ignore(GossipError.FutureSlot, "future");
        if (chain.GetBlock(block.Message.ParentRoot) is null) return ValidationOutcome.Ignore(GossipError.UnknownParent, "parent");
        return ValidationOutcome.Accept();
    }
    public ValidationOutcome ProcessAttestation(Attestation a, ulong? subnetId) => Apply(a);
    public ValidationOutcome ProcessAggregateAndProof(SignedAggregateAndProof s) => Apply(s.Message.Aggregate);
    private ValidationOutcome Apply(Attestation a)
    {
        if (chain.GetBlock(a.Data.BeaconBlockRoot) is null) return ValidationOutcome.Ignore(GossipError.UnknownParent, "unknown block");
        chain.Attestations.Add(a);
        chain.OnVerifiedAttestation(a);
        return ValidationOutcome.Accept();
    }
    public ValidationOutcome ProcessVoluntaryExit(SignedVoluntaryExit e) => ValidationOutcome.Accept();
    public ValidationOutcome ProcessProposerSlashing(ProposerSlashing s) => ValidationOutcome.Accept();
    public ValidationOutcome ProcessAttesterSlashing(AttesterSlashing s) => ValidationOutcome.Accept();
    public static ulong ComputeSubnetForAttestation(ChainConfig config, ulong committeesPerSlot, ulong slot, ulong committeeIndex)
    {
        ulong slotsSinceEpochStart = slot % config.SlotsPerEpoch;
        return (committeesPerSlot * slotsSinceEpochStart + committeeIndex) % 64;
    }
}
