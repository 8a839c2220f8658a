using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cirrus.Ssz;

/// <summary>SSZ Vector[byte, 4] (Version, DomainType).</summary>
[InlineArray(4)]
public struct Bytes4 : IFixedBytes<Bytes4>
{
    private byte _b0;

    public static int Length => 4;

    public readonly ReadOnlySpan<byte> AsSpan() =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<Bytes4, byte>(ref Unsafe.AsRef(in this)), 4);

    public Span<byte> AsWritableSpan() => MemoryMarshal.CreateSpan(ref Unsafe.As<Bytes4, byte>(ref this), 4);

    public static Bytes4 FromSpan(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 4) throw new SszException($"expected 4 bytes, got {bytes.Length}");
        Bytes4 v = default;
        bytes.CopyTo(v.AsWritableSpan());
        return v;
    }

    public static Bytes4 FromHex(string hex)
    {
        Bytes4 v = default;
        FixedBytesHelpers.ParseHex(hex, v.AsWritableSpan());
        return v;
    }

    public readonly bool IsZero => AsSpan().IndexOfAnyExcept((byte)0) < 0;
    public readonly bool Equals(Bytes4 other) => AsSpan().SequenceEqual(other.AsSpan());
    public override readonly bool Equals(object? obj) => obj is Bytes4 o && Equals(o);
    public override readonly int GetHashCode() => BitConverter.ToInt32(AsSpan());
    public static bool operator ==(Bytes4 a, Bytes4 b) => a.Equals(b);
    public static bool operator !=(Bytes4 a, Bytes4 b) => !a.Equals(b);
    public override readonly string ToString() => FixedBytesHelpers.ToHex(AsSpan());
}

/// <summary>SSZ Vector[byte, 32] (Root, Domain, Hash32).</summary>
[InlineArray(32)]
public struct Bytes32 : IFixedBytes<Bytes32>
{
    private byte _b0;

    public static int Length => 32;

    public readonly ReadOnlySpan<byte> AsSpan() =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<Bytes32, byte>(ref Unsafe.AsRef(in this)), 32);

    public Span<byte> AsWritableSpan() => MemoryMarshal.CreateSpan(ref Unsafe.As<Bytes32, byte>(ref this), 32);

    public static Bytes32 FromSpan(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 32) throw new SszException($"expected 32 bytes, got {bytes.Length}");
        Bytes32 v = default;
        bytes.CopyTo(v.AsWritableSpan());
        return v;
    }

    public static Bytes32 FromHex(string hex)
    {
        Bytes32 v = default;
        FixedBytesHelpers.ParseHex(hex, v.AsWritableSpan());
        return v;
    }

    public readonly bool IsZero => AsSpan().IndexOfAnyExcept((byte)0) < 0;
    public readonly bool Equals(Bytes32 other) => AsSpan().SequenceEqual(other.AsSpan());
    public override readonly bool Equals(object? obj) => obj is Bytes32 o && Equals(o);
    public override readonly int GetHashCode() => BitConverter.ToInt32(AsSpan()) ^ BitConverter.ToInt32(AsSpan()[4..]);
    public static bool operator ==(Bytes32 a, Bytes32 b) => a.Equals(b);
    public static bool operator !=(Bytes32 a, Bytes32 b) => !a.Equals(b);
    public override readonly string ToString() => FixedBytesHelpers.ToHex(AsSpan());
}

/// <summary>SSZ Vector[byte, 48] (BLSPubkey).</summary>
[InlineArray(48)]
public struct Bytes48 : IFixedBytes<Bytes48>
{
    private byte _b0;

    public static int Length => 48;

    public readonly ReadOnlySpan<byte> AsSpan() =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<Bytes48, byte>(ref Unsafe.AsRef(in this)), 48);

    public Span<byte> AsWritableSpan() => MemoryMarshal.CreateSpan(ref Unsafe.As<Bytes48, byte>(ref this), 48);

    public static Bytes48 FromSpan(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 48) throw new SszException($"expected 48 bytes, got {bytes.Length}");
        Bytes48 v = default;
        bytes.CopyTo(v.AsWritableSpan());
        return v;
    }

    public static Bytes48 FromHex(string hex)
    {
        Bytes48 v = default;
        FixedBytesHelpers.ParseHex(hex, v.AsWritableSpan());
        return v;
    }

    public readonly bool IsZero => AsSpan().IndexOfAnyExcept((byte)0) < 0;
    public readonly bool Equals(Bytes48 other) => AsSpan().SequenceEqual(other.AsSpan());
    public override readonly bool Equals(object? obj) => obj is Bytes48 o && Equals(o);
    public override readonly int GetHashCode() => BitConverter.ToInt32(AsSpan()) ^ BitConverter.ToInt32(AsSpan()[4..]);
    public static bool operator ==(Bytes48 a, Bytes48 b) => a.Equals(b);
    public static bool operator !=(Bytes48 a, Bytes48 b) => !a.Equals(b);
    public override readonly string ToString() => FixedBytesHelpers.ToHex(AsSpan());
}

/// <summary>SSZ Vector[byte, 96] (BLSSignature).</summary>
[InlineArray(96)]
public struct Bytes96 : IFixedBytes<Bytes96>
{
    private byte _b0;

    public static int Length => 96;

    public readonly ReadOnlySpan<byte> AsSpan() =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<Bytes96, byte>(ref Unsafe.AsRef(in this)), 96);

    public Span<byte> AsWritableSpan() => MemoryMarshal.CreateSpan(ref Unsafe.As<Bytes96, byte>(ref this), 96);

    public static Bytes96 FromSpan(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 96) throw new SszException($"expected 96 bytes, got {bytes.Length}");
        Bytes96 v = default;
        bytes.CopyTo(v.AsWritableSpan());
        return v;
    }

    public static Bytes96 FromHex(string hex)
    {
        Bytes96 v = default;
        FixedBytesHelpers.ParseHex(hex, v.AsWritableSpan());
        return v;
    }

    public readonly bool IsZero => AsSpan().IndexOfAnyExcept((byte)0) < 0;
    public readonly bool Equals(Bytes96 other) => AsSpan().SequenceEqual(other.AsSpan());
    public override readonly bool Equals(object? obj) => obj is Bytes96 o && Equals(o);
    public override readonly int GetHashCode() => BitConverter.ToInt32(AsSpan()) ^ BitConverter.ToInt32(AsSpan()[4..]);
    public static bool operator ==(Bytes96 a, Bytes96 b) => a.Equals(b);
    public static bool operator !=(Bytes96 a, Bytes96 b) => !a.Equals(b);
    public override readonly string ToString() => FixedBytesHelpers.ToHex(AsSpan());
}
