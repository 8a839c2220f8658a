using Cirrus.Ssz;

namespace Cirrus.Differential;

/// <summary>
/// Mismatches that a known difference between spec v0.12.3 (Cirrus) and Lodestar 1.5.1 (v1.x) explains,
/// each with its spec reference. Only a mechanical check counts: anything not matched here is a finding.
/// </summary>
public static class Explanations
{
    public const string InfinityDepositKey =
        "deposit with the infinity public key: v0.12.3's BLS (IETF draft-02, vector general/phase0/bls/verify/small/" +
        "verify_infinity_pubkey_and_infinity_signature: true) verifies the infinity signature under it, so process_deposit " +
        "adds the validator; v1.0's BLS (draft-04 KeyValidate) refuses the key, so Lodestar skips the deposit. " +
        "Cirrus's post-state with those validators removed has exactly Lodestar's root";

    public static string? Explain(BaseChain chain, Case k, Outcome cirrus, Outcome lodestar)
    {
        // Cirrus processed the block and added infinity-key validators; without them its post-state is Lodestar's.
        if (cirrus.RootWithoutInfinityKeys is { } alt
            && cirrus.Verdict is Verdict.Accept or Verdict.StateRootMismatch
            && lodestar.Verdict is Verdict.Accept or Verdict.StateRootMismatch
            && alt == lodestar.Root)
            return InfinityDepositKey;
        return null;
    }

    public static bool IsInfinity(Bytes48 pubkey)
    {
        var b = pubkey.AsSpan();
        if (b[0] != 0xc0) return false;
        for (int i = 1; i < b.Length; i++) if (b[i] != 0) return false;
        return true;
    }
}
