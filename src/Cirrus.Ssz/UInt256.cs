using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;

namespace Cirrus.Ssz;

/// <summary>An unsigned 256-bit integer (SSZ uint256); a plain value holder, little-endian limbs.</summary>
public readonly struct UInt256(ulong u0, ulong u1, ulong u2, ulong u3) : IEquatable<UInt256>
{
    public readonly ulong U0 = u0, U1 = u1, U2 = u2, U3 = u3;

    public static UInt256 FromLittleEndian(ReadOnlySpan<byte> b) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(b), BinaryPrimitives.ReadUInt64LittleEndian(b[8..]),
        BinaryPrimitives.ReadUInt64LittleEndian(b[16..]), BinaryPrimitives.ReadUInt64LittleEndian(b[24..]));

    public void WriteLittleEndian(Span<byte> b)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(b, U0);
        BinaryPrimitives.WriteUInt64LittleEndian(b[8..], U1);
        BinaryPrimitives.WriteUInt64LittleEndian(b[16..], U2);
        BinaryPrimitives.WriteUInt64LittleEndian(b[24..], U3);
    }

    public static UInt256 Parse(string s)
    {
        if (!BigInteger.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v.GetByteCount(isUnsigned: true) > 32)
            throw new SszException($"'{s}' is not a uint256");
        Span<byte> b = stackalloc byte[32];
        b.Clear();
        v.TryWriteBytes(b, out _, isUnsigned: true, isBigEndian: false);
        return FromLittleEndian(b);
    }

    public override string ToString()
    {
        Span<byte> b = stackalloc byte[32];
        WriteLittleEndian(b);
        return new BigInteger(b, isUnsigned: true, isBigEndian: false).ToString(CultureInfo.InvariantCulture);
    }

    public bool Equals(UInt256 o) => U0 == o.U0 && U1 == o.U1 && U2 == o.U2 && U3 == o.U3;
    public override bool Equals(object? obj) => obj is UInt256 o && Equals(o);
    public override int GetHashCode() => HashCode.Combine(U0, U1, U2, U3);
}
