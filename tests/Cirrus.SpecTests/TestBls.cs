using Cirrus.Consensus.Signatures;

namespace Cirrus.SpecTests;

/// <summary>The signature verifier the vectors run with.</summary>
public static class TestBls
{
    // TODO(bls): replace with the real BLS verifier when Cirrus.Crypto's BLS lands.
    public static ISignatureVerifier Verifier { get; } = new AcceptAll();

    private sealed class AcceptAll : ISignatureVerifier
    {
        public int VerifyBatch(IReadOnlyList<SignatureSet> sets, IReadOnlyList<Cirrus.Consensus.Types.Validator> validators) => -1;
        public bool Verify(Cirrus.Ssz.Bytes48 pubkey, Cirrus.Ssz.Bytes32 signingRoot, Cirrus.Ssz.Bytes96 signature) => true;
    }
}
