using Cirrus.Ssz;

namespace Cirrus.Storage.CrashWriter;

/// <summary>The SSZ schema of the minimal preset (the size constants the containers use).</summary>
public static class MinimalSchema
{
    private static readonly Dictionary<string, ulong> Sizes = new()
    {
        ["SLOTS_PER_EPOCH"] = 8, ["SLOTS_PER_HISTORICAL_ROOT"] = 64, ["EPOCHS_PER_HISTORICAL_VECTOR"] = 64,
        ["EPOCHS_PER_SLASHINGS_VECTOR"] = 64, ["EPOCHS_PER_ETH1_VOTING_PERIOD"] = 4, ["HISTORICAL_ROOTS_LIMIT"] = 16777216,
        ["VALIDATOR_REGISTRY_LIMIT"] = 1099511627776, ["MAX_VALIDATORS_PER_COMMITTEE"] = 2048, ["MAX_PROPOSER_SLASHINGS"] = 16,
        ["MAX_ATTESTER_SLASHINGS"] = 2, ["MAX_ATTESTATIONS"] = 128, ["MAX_DEPOSITS"] = 16, ["MAX_VOLUNTARY_EXITS"] = 16,
        ["JUSTIFICATION_BITS_LENGTH"] = 4, ["DEPOSIT_CONTRACT_TREE_DEPTH"] = 32,
    };

    public static readonly SszSchema Schema = new(n => Sizes.TryGetValue(n, out var v) ? v : null);
}
