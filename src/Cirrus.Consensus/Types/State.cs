using Cirrus.Ssz;

namespace Cirrus.Consensus.Types;

// spec v0.12.3 beacon-chain.md "BeaconState". Vectors start empty here; the schema's
// Default() (or deserialization) gives them their preset length.
public sealed class BeaconState
{
    // Versioning
    public ulong GenesisTime { get; set; }
    public Bytes32 GenesisValidatorsRoot { get; set; }
    public ulong Slot { get; set; }
    public Fork Fork { get; set; } = new();
    // History
    public BeaconBlockHeader LatestBlockHeader { get; set; } = new();
    [SszVector("SLOTS_PER_HISTORICAL_ROOT")] public Bytes32[] BlockRoots { get; set; } = [];
    [SszVector("SLOTS_PER_HISTORICAL_ROOT")] public Bytes32[] StateRoots { get; set; } = [];
    [SszList("HISTORICAL_ROOTS_LIMIT")] public List<Bytes32> HistoricalRoots { get; set; } = [];
    // Eth1
    public Eth1Data Eth1Data { get; set; } = new();
    [SszList("EPOCHS_PER_ETH1_VOTING_PERIOD*SLOTS_PER_EPOCH")] public List<Eth1Data> Eth1DataVotes { get; set; } = [];
    public ulong Eth1DepositIndex { get; set; }
    // Registry
    [SszList("VALIDATOR_REGISTRY_LIMIT")] public List<Validator> Validators { get; set; } = [];
    [SszList("VALIDATOR_REGISTRY_LIMIT")] public List<ulong> Balances { get; set; } = [];
    // Randomness
    [SszVector("EPOCHS_PER_HISTORICAL_VECTOR")] public Bytes32[] RandaoMixes { get; set; } = [];
    // Slashings
    [SszVector("EPOCHS_PER_SLASHINGS_VECTOR")] public ulong[] Slashings { get; set; } = [];
    // Attestations
    [SszList("MAX_ATTESTATIONS*SLOTS_PER_EPOCH")] public List<PendingAttestation> PreviousEpochAttestations { get; set; } = [];
    [SszList("MAX_ATTESTATIONS*SLOTS_PER_EPOCH")] public List<PendingAttestation> CurrentEpochAttestations { get; set; } = [];
    // Finality
    [SszVector("JUSTIFICATION_BITS_LENGTH")] public Bitvector JustificationBits { get; set; } = new(4);
    public Checkpoint PreviousJustifiedCheckpoint { get; set; } = new();
    public Checkpoint CurrentJustifiedCheckpoint { get; set; } = new();
    public Checkpoint FinalizedCheckpoint { get; set; } = new();
}
