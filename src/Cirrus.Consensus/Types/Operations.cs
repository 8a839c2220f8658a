using Cirrus.Ssz;

namespace Cirrus.Consensus.Types;

// spec v0.12.3 beacon-chain.md "Beacon operations".

public sealed class ProposerSlashing
{
    public SignedBeaconBlockHeader SignedHeader1 { get; set; } = new();
    public SignedBeaconBlockHeader SignedHeader2 { get; set; } = new();
}

public sealed class AttesterSlashing
{
    public IndexedAttestation Attestation1 { get; set; } = new();
    public IndexedAttestation Attestation2 { get; set; } = new();
}

public sealed class Attestation
{
    [SszList("MAX_VALIDATORS_PER_COMMITTEE")] public Bitlist AggregationBits { get; set; } = new(0);
    public AttestationData Data { get; set; } = new();
    public Bytes96 Signature { get; set; }
}

public sealed class Deposit
{
    [SszVector("DEPOSIT_CONTRACT_TREE_DEPTH+1")] public Bytes32[] Proof { get; set; } = [];
    public DepositData Data { get; set; } = new();
}

public sealed class VoluntaryExit
{
    public ulong Epoch { get; set; }
    public ulong ValidatorIndex { get; set; }
}

public sealed class SignedVoluntaryExit
{
    public VoluntaryExit Message { get; set; } = new();
    public Bytes96 Signature { get; set; }
}

// spec: validator.md "Aggregation"
public sealed class AggregateAndProof
{
    public ulong AggregatorIndex { get; set; }
    public Attestation Aggregate { get; set; } = new();
    public Bytes96 SelectionProof { get; set; }
}

public sealed class SignedAggregateAndProof
{
    public AggregateAndProof Message { get; set; } = new();
    public Bytes96 Signature { get; set; }
}
