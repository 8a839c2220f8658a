using Cirrus.Ssz;

namespace Cirrus.Consensus.Types;

// spec v0.12.3 beacon-chain.md "Beacon blocks".

public sealed class BeaconBlockBody
{
    public Bytes96 RandaoReveal { get; set; }
    public Eth1Data Eth1Data { get; set; } = new();
    public Bytes32 Graffiti { get; set; }
    [SszList("MAX_PROPOSER_SLASHINGS")] public List<ProposerSlashing> ProposerSlashings { get; set; } = [];
    [SszList("MAX_ATTESTER_SLASHINGS")] public List<AttesterSlashing> AttesterSlashings { get; set; } = [];
    [SszList("MAX_ATTESTATIONS")] public List<Attestation> Attestations { get; set; } = [];
    [SszList("MAX_DEPOSITS")] public List<Deposit> Deposits { get; set; } = [];
    [SszList("MAX_VOLUNTARY_EXITS")] public List<SignedVoluntaryExit> VoluntaryExits { get; set; } = [];
}

public sealed class BeaconBlock
{
    public ulong Slot { get; set; }
    public ulong ProposerIndex { get; set; }
    public Bytes32 ParentRoot { get; set; }
    public Bytes32 StateRoot { get; set; }
    public BeaconBlockBody Body { get; set; } = new();
}

public sealed class SignedBeaconBlock
{
    public BeaconBlock Message { get; set; } = new();
    public Bytes96 Signature { get; set; }
}

public sealed class SignedBeaconBlockHeader
{
    public BeaconBlockHeader Message { get; set; } = new();
    public Bytes96 Signature { get; set; }
}
