using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cirrus.Ssz;

/// <summary>A fixed-length byte vector value type (Bytes4, Bytes32, Bytes48, Bytes96).</summary>
public interface IFixedBytes<TSelf> : IEquatable<TSelf> where TSelf : struct, IFixedBytes<TSelf>
{
    static abstract int Length { get; }
    ReadOnlySpan<byte> AsSpan();
    static abstract TSelf FromSpan(ReadOnlySpan<byte> bytes);
}

internal static class FixedBytesHelpers
{
    public static string ToHex(ReadOnlySpan<byte> b) => "0x" + Convert.ToHexStringLower(b);

    public static void ParseHex(string hex, Span<byte> dest)
    {
        ReadOnlySpan<char> s = hex;
        if (s.StartsWith("0x") || s.StartsWith("0X")) s = s[2..];
        if (s.Length != dest.Length * 2)
            throw new SszException($"expected {dest.Length} bytes of hex, got {s.Length / 2.0} bytes");
        if (Convert.FromHexString(s, dest, out _, out _) != System.Buffers.OperationStatus.Done)
            throw new SszException("invalid hex string");
    }
}
