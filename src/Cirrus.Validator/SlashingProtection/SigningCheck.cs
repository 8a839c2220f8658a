namespace Cirrus.Validator.SlashingProtection;

/// <summary>What the slashing-protection database says about a message the validator wants to sign.</summary>
public enum SigningOutcome
{
    /// <summary>New and safe: the record is now stored (durably) and the message may be signed.</summary>
    Safe,

    /// <summary>The identical message (same signing root) was signed before: signing it again is harmless.</summary>
    SameData,

    /// <summary>The public key was never registered with this database.</summary>
    UnregisteredValidator,

    /// <summary>Another block was already signed for this slot.</summary>
    DoubleProposal,

    /// <summary>Another attestation was already signed for this target epoch.</summary>
    DoubleVote,

    /// <summary>The new attestation surrounds one already signed.</summary>
    SurroundingVote,

    /// <summary>The new attestation is surrounded by one already signed.</summary>
    SurroundedVote,

    /// <summary>
    /// At or below the low watermark: a block slot ≤ the lowest stored slot, an attestation source
    /// below the lowest stored source, or a target ≤ the lowest stored target (EIP-3076 conditions 2, 4, 5).
    /// </summary>
    BelowLowWatermark,

    /// <summary>The attestation's source epoch is greater than its target epoch.</summary>
    SourceExceedsTarget,
}

/// <summary>The verdict of one check-and-insert call; sign only when <see cref="IsAllowed"/>.</summary>
public readonly record struct SigningCheck(SigningOutcome Outcome, string Message)
{
    /// <summary>True for <see cref="SigningOutcome.Safe"/> and <see cref="SigningOutcome.SameData"/>.</summary>
    public bool IsAllowed => Outcome is SigningOutcome.Safe or SigningOutcome.SameData;

    internal static SigningCheck Safe { get; } = new(SigningOutcome.Safe, "safe");

    internal static SigningCheck Same { get; } = new(SigningOutcome.SameData, "identical message signed before");

    internal static SigningCheck Refuse(SigningOutcome o, string message) => new(o, message);

    public override string ToString() => $"{Outcome}: {Message}";
}
