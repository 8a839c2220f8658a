using Cirrus.Ssz;

namespace Cirrus.Cli;

/// <summary>SSZ schemas of the built-in presets, for the ncli tools.</summary>
internal static class PresetSchemas
{
    // The size constants the containers use; the two presets differ only in these.
    private static readonly Dictionary<string, Dictionary<string, ulong>> Sizes = new()
    {
        ["mainnet"] = new()
        {
            ["SLOTS_PER_EPOCH"] = 32, ["SLOTS_PER_HISTORICAL_ROOT"] = 8192, ["EPOCHS_PER_HISTORICAL_VECTOR"] = 65536,
            ["EPOCHS_PER_SLASHINGS_VECTOR"] = 8192, ["EPOCHS_PER_ETH1_VOTING_PERIOD"] = 32, ["HISTORICAL_ROOTS_LIMIT"] = 16777216,
            ["VALIDATOR_REGISTRY_LIMIT"] = 1099511627776, ["MAX_VALIDATORS_PER_COMMITTEE"] = 2048, ["MAX_PROPOSER_SLASHINGS"] = 16,
            ["MAX_ATTESTER_SLASHINGS"] = 2, ["MAX_ATTESTATIONS"] = 128, ["MAX_DEPOSITS"] = 16, ["MAX_VOLUNTARY_EXITS"] = 16,
            ["JUSTIFICATION_BITS_LENGTH"] = 4, ["DEPOSIT_CONTRACT_TREE_DEPTH"] = 32,
        },
        ["minimal"] = new()
        {
            ["SLOTS_PER_EPOCH"] = 8, ["SLOTS_PER_HISTORICAL_ROOT"] = 64, ["EPOCHS_PER_HISTORICAL_VECTOR"] = 64,
            ["EPOCHS_PER_SLASHINGS_VECTOR"] = 64, ["EPOCHS_PER_ETH1_VOTING_PERIOD"] = 4, ["HISTORICAL_ROOTS_LIMIT"] = 16777216,
            ["VALIDATOR_REGISTRY_LIMIT"] = 1099511627776, ["MAX_VALIDATORS_PER_COMMITTEE"] = 2048, ["MAX_PROPOSER_SLASHINGS"] = 16,
            ["MAX_ATTESTER_SLASHINGS"] = 2, ["MAX_ATTESTATIONS"] = 128, ["MAX_DEPOSITS"] = 16, ["MAX_VOLUNTARY_EXITS"] = 16,
            ["JUSTIFICATION_BITS_LENGTH"] = 4, ["DEPOSIT_CONTRACT_TREE_DEPTH"] = 32,
        },
    };

    private static readonly Dictionary<string, SszSchema> Schemas = new();

    public static SszSchema? For(string preset)
    {
        lock (Schemas)
        {
            if (Schemas.TryGetValue(preset, out var s)) return s;
            if (!Sizes.TryGetValue(preset, out var sizes)) return null;
            s = new SszSchema(n => sizes.TryGetValue(n, out var v) ? v : null);
            Schemas[preset] = s;
            return s;
        }
    }
}
