using Cirrus.Ssz;

namespace Cirrus.Node.Monitoring;

/// <summary>How one monitored validator did in one epoch, as the chain recorded it.</summary>
/// <param name="Attested">An attestation of the epoch including it reached the chain.</param>
/// <param name="InclusionDistance">Slots from the attestation's slot to the block that first included it.</param>
/// <param name="Head">Its vote's head block was the chain's block at the attestation's slot (likewise Target and Source).</param>
/// <param name="BalanceDeltaGwei">Balance at the start of the next epoch minus at the start of this one (null until known).</param>
public sealed record MonitoredEpoch(ulong Epoch, bool Active, bool Attested, ulong? InclusionDistance, bool? Head, bool? Target, bool? Source,
    int ProposalsDue, int ProposalsMade, long? BalanceDeltaGwei);

/// <summary>A monitored validator now: its last completed epoch's record, status and balance in the head state.</summary>
public sealed record MonitoredValidator(Bytes48 Pubkey, ulong? Index, string? Status, ulong? BalanceGwei, MonitoredEpoch? LastEpoch);

/// <summary>One duty of a monitored validator and what became of it (for the status page).</summary>
public sealed record MonitoredDuty(ulong Epoch, ulong? Slot, ulong Index, string Duty, string Result, bool Ok);
