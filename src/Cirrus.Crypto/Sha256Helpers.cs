using System.Security.Cryptography;

namespace Cirrus.Crypto;

/// <summary>SHA-256 one-shots used across the client.</summary>
public static class Sha256Helpers
{
    public static byte[] Hash(ReadOnlySpan<byte> data) => SHA256.HashData(data);

    public static void Hash(ReadOnlySpan<byte> data, Span<byte> dest32) => SHA256.HashData(data, dest32);
}
