using Org.BouncyCastle.Crypto.Digests;

namespace Cirrus.Networking.Discovery;

/// <summary>Hash helpers used by the v4 identity scheme and discv5.</summary>
public static class DiscoveryHash
{
    public static byte[] Keccak256(ReadOnlySpan<byte> data)
    {
        var d = new KeccakDigest(256);
        d.BlockUpdate(data);
        var output = new byte[32];
        d.DoFinal(output);
        return output;
    }
}
