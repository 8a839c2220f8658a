using Cirrus.Consensus.Signatures;

namespace Cirrus.SpecTests;

/// <summary>The signature verifier the vectors run with: real BLS12-381, batched.</summary>
public static class TestBls
{
    public static ISignatureVerifier Verifier => new BlsSignatureVerifier();
}
