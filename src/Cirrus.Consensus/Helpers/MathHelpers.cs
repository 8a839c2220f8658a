using System.Buffers.Binary;
using System.Security.Cryptography;
using Cirrus.Ssz;

namespace Cirrus.Consensus.Helpers;

/// <summary>spec: "Math" and "Crypto" helpers.</summary>
public static class MathHelpers
{
    /// <summary>spec: integer_squareroot (largest x with x*x &lt;= n).</summary>
    public static ulong IntegerSquareRoot(ulong n)
    {
        if (n == ulong.MaxValue) return 4294967295UL; // floor(sqrt(2**64 - 1))
        ulong x = (ulong)Math.Sqrt(n);
        while (x * x > n) x--;
        while ((x + 1) * (x + 1) <= n) x++;
        return x;
    }

    /// <summary>spec: xor (of two 32-byte values).</summary>
    public static Bytes32 Xor(Bytes32 a, Bytes32 b)
    {
        Bytes32 r = default;
        var ra = a.AsSpan();
        var rb = b.AsSpan();
        var d = r.AsWritableSpan();
        for (int i = 0; i < 32; i++) d[i] = (byte)(ra[i] ^ rb[i]);
        return r;
    }

    /// <summary>spec: bytes_to_uint64 (little-endian).</summary>
    public static ulong BytesToUInt64(ReadOnlySpan<byte> data) => BinaryPrimitives.ReadUInt64LittleEndian(data);

    /// <summary>spec: hash (SHA-256).</summary>
    public static Bytes32 Hash(ReadOnlySpan<byte> data)
    {
        Bytes32 r = default;
        SHA256.HashData(data, r.AsWritableSpan());
        return r;
    }
}
