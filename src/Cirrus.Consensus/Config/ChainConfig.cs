using System.Globalization;
using Cirrus.Ssz;
using YamlDotNet.RepresentationModel;

namespace Cirrus.Consensus.Config;

/// <summary>Thrown when a config file is malformed or a value is out of range.</summary>
public sealed class ConfigException(string message) : Exception(message);

/// <summary>
/// Every phase0 (spec v0.12.3) configuration value as a typed property, plus lookup by spec name
/// (for SSZ size expressions). Built from the spec's YAML format; unknown keys are kept but ignored,
/// missing keys take the mainnet value.
/// </summary>
public sealed class ChainConfig
{
    // Constants (not configurable).
    public const ulong GenesisSlot = 0;
    public const ulong GenesisEpoch = 0;
    public const ulong FarFutureEpoch = ulong.MaxValue;
    public const ulong BaseRewardsPerEpoch = 4;
    public const int DepositContractTreeDepth = 32;
    public const int JustificationBitsLength = 4;

    private readonly Dictionary<string, string> _raw;
    private readonly Lazy<SszSchema> _schema;

    public string ConfigName { get; }

    // Misc
    public ulong MaxCommitteesPerSlot { get; }
    public ulong TargetCommitteeSize { get; }
    public ulong MaxValidatorsPerCommittee { get; }
    public ulong MinPerEpochChurnLimit { get; }
    public ulong ChurnLimitQuotient { get; }
    public ulong ShuffleRoundCount { get; }
    public ulong MinGenesisActiveValidatorCount { get; }
    public ulong MinGenesisTime { get; }
    public ulong HysteresisQuotient { get; }
    public ulong HysteresisDownwardMultiplier { get; }
    public ulong HysteresisUpwardMultiplier { get; }
    public ulong ProportionalSlashingMultiplier { get; }
    // Fork choice
    public ulong SafeSlotsToUpdateJustified { get; }
    // Validator
    public ulong Eth1FollowDistance { get; }
    public ulong TargetAggregatorsPerCommittee { get; }
    public ulong RandomSubnetsPerValidator { get; }
    public ulong EpochsPerRandomSubnetSubscription { get; }
    public ulong SecondsPerEth1Block { get; }
    // Deposit contract
    public ulong DepositChainId { get; }
    public ulong DepositNetworkId { get; }
    public byte[] DepositContractAddress { get; }
    // Gwei values
    public ulong MinDepositAmount { get; }
    public ulong MaxEffectiveBalance { get; }
    public ulong EjectionBalance { get; }
    public ulong EffectiveBalanceIncrement { get; }
    // Initial values
    public Bytes4 GenesisForkVersion { get; }
    public byte BlsWithdrawalPrefix { get; }
    // Time parameters
    public ulong GenesisDelay { get; }
    public ulong SecondsPerSlot { get; }
    public ulong MinAttestationInclusionDelay { get; }
    public ulong SlotsPerEpoch { get; }
    public ulong MinSeedLookahead { get; }
    public ulong MaxSeedLookahead { get; }
    public ulong EpochsPerEth1VotingPeriod { get; }
    public ulong SlotsPerHistoricalRoot { get; }
    public ulong MinValidatorWithdrawabilityDelay { get; }
    public ulong ShardCommitteePeriod { get; }
    public ulong MinEpochsToInactivityPenalty { get; }
    // State list lengths
    public ulong EpochsPerHistoricalVector { get; }
    public ulong EpochsPerSlashingsVector { get; }
    public ulong HistoricalRootsLimit { get; }
    public ulong ValidatorRegistryLimit { get; }
    // Rewards and penalties
    public ulong BaseRewardFactor { get; }
    public ulong WhistleblowerRewardQuotient { get; }
    public ulong ProposerRewardQuotient { get; }
    public ulong InactivityPenaltyQuotient { get; }
    public ulong MinSlashingPenaltyQuotient { get; }
    // Max operations per block
    public ulong MaxProposerSlashings { get; }
    public ulong MaxAttesterSlashings { get; }
    public ulong MaxAttestations { get; }
    public ulong MaxDeposits { get; }
    public ulong MaxVoluntaryExits { get; }
    // Signature domains
    public Bytes4 DomainBeaconProposer { get; }
    public Bytes4 DomainBeaconAttester { get; }
    public Bytes4 DomainRandao { get; }
    public Bytes4 DomainDeposit { get; }
    public Bytes4 DomainVoluntaryExit { get; }
    public Bytes4 DomainSelectionProof { get; }
    public Bytes4 DomainAggregateAndProof { get; }

    private ChainConfig(Dictionary<string, string> raw)
    {
        _raw = raw;
        ConfigName = raw.TryGetValue("CONFIG_NAME", out var n) ? n : "custom";
        MaxCommitteesPerSlot = U("MAX_COMMITTEES_PER_SLOT");
        TargetCommitteeSize = U("TARGET_COMMITTEE_SIZE");
        MaxValidatorsPerCommittee = U("MAX_VALIDATORS_PER_COMMITTEE");
        MinPerEpochChurnLimit = U("MIN_PER_EPOCH_CHURN_LIMIT");
        ChurnLimitQuotient = U("CHURN_LIMIT_QUOTIENT");
        ShuffleRoundCount = U("SHUFFLE_ROUND_COUNT");
        MinGenesisActiveValidatorCount = U("MIN_GENESIS_ACTIVE_VALIDATOR_COUNT");
        MinGenesisTime = U("MIN_GENESIS_TIME");
        HysteresisQuotient = U("HYSTERESIS_QUOTIENT");
        HysteresisDownwardMultiplier = U("HYSTERESIS_DOWNWARD_MULTIPLIER");
        HysteresisUpwardMultiplier = U("HYSTERESIS_UPWARD_MULTIPLIER");
        ProportionalSlashingMultiplier = U("PROPORTIONAL_SLASHING_MULTIPLIER");
        SafeSlotsToUpdateJustified = U("SAFE_SLOTS_TO_UPDATE_JUSTIFIED");
        Eth1FollowDistance = U("ETH1_FOLLOW_DISTANCE");
        TargetAggregatorsPerCommittee = U("TARGET_AGGREGATORS_PER_COMMITTEE");
        RandomSubnetsPerValidator = U("RANDOM_SUBNETS_PER_VALIDATOR");
        EpochsPerRandomSubnetSubscription = U("EPOCHS_PER_RANDOM_SUBNET_SUBSCRIPTION");
        SecondsPerEth1Block = U("SECONDS_PER_ETH1_BLOCK");
        DepositChainId = U("DEPOSIT_CHAIN_ID");
        DepositNetworkId = U("DEPOSIT_NETWORK_ID");
        DepositContractAddress = Hex("DEPOSIT_CONTRACT_ADDRESS", 20);
        MinDepositAmount = U("MIN_DEPOSIT_AMOUNT");
        MaxEffectiveBalance = U("MAX_EFFECTIVE_BALANCE");
        EjectionBalance = U("EJECTION_BALANCE");
        EffectiveBalanceIncrement = U("EFFECTIVE_BALANCE_INCREMENT");
        GenesisForkVersion = Bytes4.FromSpan(Hex("GENESIS_FORK_VERSION", 4));
        BlsWithdrawalPrefix = Hex("BLS_WITHDRAWAL_PREFIX", 1)[0];
        GenesisDelay = U("GENESIS_DELAY");
        SecondsPerSlot = U("SECONDS_PER_SLOT");
        MinAttestationInclusionDelay = U("MIN_ATTESTATION_INCLUSION_DELAY");
        SlotsPerEpoch = U("SLOTS_PER_EPOCH");
        MinSeedLookahead = U("MIN_SEED_LOOKAHEAD");
        MaxSeedLookahead = U("MAX_SEED_LOOKAHEAD");
        EpochsPerEth1VotingPeriod = U("EPOCHS_PER_ETH1_VOTING_PERIOD");
        SlotsPerHistoricalRoot = U("SLOTS_PER_HISTORICAL_ROOT");
        MinValidatorWithdrawabilityDelay = U("MIN_VALIDATOR_WITHDRAWABILITY_DELAY");
        ShardCommitteePeriod = U("SHARD_COMMITTEE_PERIOD");
        MinEpochsToInactivityPenalty = U("MIN_EPOCHS_TO_INACTIVITY_PENALTY");
        EpochsPerHistoricalVector = U("EPOCHS_PER_HISTORICAL_VECTOR");
        EpochsPerSlashingsVector = U("EPOCHS_PER_SLASHINGS_VECTOR");
        HistoricalRootsLimit = U("HISTORICAL_ROOTS_LIMIT");
        ValidatorRegistryLimit = U("VALIDATOR_REGISTRY_LIMIT");
        BaseRewardFactor = U("BASE_REWARD_FACTOR");
        WhistleblowerRewardQuotient = U("WHISTLEBLOWER_REWARD_QUOTIENT");
        ProposerRewardQuotient = U("PROPOSER_REWARD_QUOTIENT");
        InactivityPenaltyQuotient = U("INACTIVITY_PENALTY_QUOTIENT");
        MinSlashingPenaltyQuotient = U("MIN_SLASHING_PENALTY_QUOTIENT");
        MaxProposerSlashings = U("MAX_PROPOSER_SLASHINGS");
        MaxAttesterSlashings = U("MAX_ATTESTER_SLASHINGS");
        MaxAttestations = U("MAX_ATTESTATIONS");
        MaxDeposits = U("MAX_DEPOSITS");
        MaxVoluntaryExits = U("MAX_VOLUNTARY_EXITS");
        DomainBeaconProposer = Bytes4.FromSpan(Hex("DOMAIN_BEACON_PROPOSER", 4));
        DomainBeaconAttester = Bytes4.FromSpan(Hex("DOMAIN_BEACON_ATTESTER", 4));
        DomainRandao = Bytes4.FromSpan(Hex("DOMAIN_RANDAO", 4));
        DomainDeposit = Bytes4.FromSpan(Hex("DOMAIN_DEPOSIT", 4));
        DomainVoluntaryExit = Bytes4.FromSpan(Hex("DOMAIN_VOLUNTARY_EXIT", 4));
        DomainSelectionProof = Bytes4.FromSpan(Hex("DOMAIN_SELECTION_PROOF", 4));
        DomainAggregateAndProof = Bytes4.FromSpan(Hex("DOMAIN_AGGREGATE_AND_PROOF", 4));
        Validate();
        _schema = new Lazy<SszSchema>(() => new SszSchema(Get), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    private void Validate()
    {
        void NonZero(ulong v, string name)
        {
            if (v == 0) throw new ConfigException($"{name} must not be 0");
        }
        NonZero(SlotsPerEpoch, "SLOTS_PER_EPOCH");
        NonZero(TargetCommitteeSize, "TARGET_COMMITTEE_SIZE");
        NonZero(MaxCommitteesPerSlot, "MAX_COMMITTEES_PER_SLOT");
        NonZero(EffectiveBalanceIncrement, "EFFECTIVE_BALANCE_INCREMENT");
        NonZero(EpochsPerHistoricalVector, "EPOCHS_PER_HISTORICAL_VECTOR");
        NonZero(EpochsPerSlashingsVector, "EPOCHS_PER_SLASHINGS_VECTOR");
        NonZero(SlotsPerHistoricalRoot, "SLOTS_PER_HISTORICAL_ROOT");
        NonZero(ChurnLimitQuotient, "CHURN_LIMIT_QUOTIENT");
        NonZero(HysteresisQuotient, "HYSTERESIS_QUOTIENT");
        NonZero(ProposerRewardQuotient, "PROPOSER_REWARD_QUOTIENT");
        NonZero(WhistleblowerRewardQuotient, "WHISTLEBLOWER_REWARD_QUOTIENT");
        NonZero(InactivityPenaltyQuotient, "INACTIVITY_PENALTY_QUOTIENT");
        NonZero(MinSlashingPenaltyQuotient, "MIN_SLASHING_PENALTY_QUOTIENT");
        NonZero(EpochsPerEth1VotingPeriod, "EPOCHS_PER_ETH1_VOTING_PERIOD");
        if (SlotsPerHistoricalRoot % SlotsPerEpoch != 0)
            throw new ConfigException("SLOTS_PER_HISTORICAL_ROOT must be a multiple of SLOTS_PER_EPOCH");
        if (SlotsPerEpoch > int.MaxValue || EpochsPerHistoricalVector > int.MaxValue || SlotsPerHistoricalRoot > int.MaxValue
            || EpochsPerSlashingsVector > int.MaxValue)
            throw new ConfigException("vector lengths must fit in 31 bits");
        if (ShuffleRoundCount > 256) throw new ConfigException("SHUFFLE_ROUND_COUNT must be at most 256");
    }

    private ulong U(string name)
    {
        string v = _raw.TryGetValue(name, out var s) ? s : throw new ConfigException($"missing config value {name}");
        if (v.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(v.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong h)
            : ulong.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out h))
            return h;
        throw new ConfigException($"config value {name}: '{v}' is not an unsigned 64-bit integer");
    }

    private byte[] Hex(string name, int length)
    {
        string v = _raw.TryGetValue(name, out var s) ? s : throw new ConfigException($"missing config value {name}");
        ReadOnlySpan<char> h = v;
        if (h.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) h = h[2..];
        if (h.Length != length * 2) throw new ConfigException($"config value {name}: expected {length} bytes of hex, got '{v}'");
        try { return Convert.FromHexString(h); }
        catch (FormatException) { throw new ConfigException($"config value {name}: '{v}' is not hex"); }
    }

    /// <summary>The raw value of a config key as written in the YAML (null when absent).</summary>
    public string? Raw(string name) => _raw.TryGetValue(name, out var v) ? v : null;

    /// <summary>All keys and raw values (for the /config/spec API and dumping).</summary>
    public IReadOnlyDictionary<string, string> Values => _raw;

    /// <summary>A numeric value by its spec name, including the spec constants; null when unknown or not a number.</summary>
    public ulong? Get(string name)
    {
        switch (name)
        {
            case "JUSTIFICATION_BITS_LENGTH": return JustificationBitsLength;
            case "DEPOSIT_CONTRACT_TREE_DEPTH": return DepositContractTreeDepth;
            case "BASE_REWARDS_PER_EPOCH": return BaseRewardsPerEpoch;
            case "GENESIS_SLOT": return GenesisSlot;
            case "GENESIS_EPOCH": return GenesisEpoch;
            case "FAR_FUTURE_EPOCH": return FarFutureEpoch;
        }
        if (!_raw.TryGetValue(name, out var v)) return null;
        return ulong.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out ulong r) ? r : null;
    }

    /// <summary>The SSZ schema of this preset (vector lengths and list limits from these values).</summary>
    public SszSchema Schema => _schema.Value;

    /// <summary>
    /// Parses the spec's config YAML (a flat mapping); absent keys take <paramref name="baseConfig"/>'s values
    /// (when null: the preset named by a PRESET_BASE key, mainnet or minimal, else mainnet).
    /// </summary>
    public static ChainConfig FromYaml(string yaml, ChainConfig? baseConfig = null)
    {
        var parsed = ParseYaml(yaml);
        if (baseConfig is null && parsed.TryGetValue("PRESET_BASE", out var presetBase))
            baseConfig = presetBase.Trim('\'', '"') switch
            {
                "mainnet" => Mainnet,
                "minimal" => Minimal,
                _ => throw new ConfigException($"unknown PRESET_BASE '{presetBase}' (expected mainnet or minimal)"),
            };
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in (baseConfig ?? Mainnet)._raw) values[k] = v;
        values.Remove("CONFIG_NAME");
        foreach (var (k, v) in parsed) values[k] = v;
        return new ChainConfig(values);
    }

    internal static Dictionary<string, string> ParseYaml(string yaml)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        var stream = new YamlStream();
        try
        {
            using var reader = new StringReader(yaml);
            stream.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new ConfigException("invalid config YAML: " + e.Message);
        }
        if (stream.Documents.Count == 0) return d;
        if (stream.Documents[0].RootNode is not YamlMappingNode map) throw new ConfigException("config YAML must be a mapping");
        foreach (var (k, v) in map.Children)
        {
            if (k is not YamlScalarNode ks || v is not YamlScalarNode vs)
                throw new ConfigException("config YAML must map names to scalar values");
            d[ks.Value ?? ""] = vs.Value ?? "";
        }
        return d;
    }

    private static ChainConfig Build(string yaml, Dictionary<string, string>? baseValues)
    {
        var values = baseValues is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new(baseValues, StringComparer.Ordinal);
        foreach (var (k, v) in ParseYaml(yaml)) values[k] = v;
        return new ChainConfig(values);
    }

    private static readonly Lazy<ChainConfig> MainnetLazy = new(() => Build(BuiltinConfigs.Mainnet, null));
    private static readonly Lazy<ChainConfig> MinimalLazy = new(() => Build(BuiltinConfigs.Minimal, Mainnet._raw));

    /// <summary>The phase0 v0.12.3 mainnet preset.</summary>
    public static ChainConfig Mainnet => MainnetLazy.Value;

    /// <summary>The phase0 v0.12.3 minimal (test) preset.</summary>
    public static ChainConfig Minimal => MinimalLazy.Value;

    internal static ChainConfig FromOverrides(string yaml) => Build(yaml, Mainnet._raw);

    public override string ToString() => ConfigName;
}
