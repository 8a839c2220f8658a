using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Cirrus.Ssz;

internal static class JsonNumbers
{
    /// <summary>Integers arrive as decimal strings (Beacon API) or as JSON numbers.</summary>
    public static ulong ReadUInt(JsonElement e, ulong max, string typeName)
    {
        ulong v;
        if (e.ValueKind == JsonValueKind.String)
        {
            if (!ulong.TryParse(e.GetStringOrNull(), NumberStyles.None, CultureInfo.InvariantCulture, out v))
                throw new SszException($"{typeName}: {e.Describe()} is not a decimal integer");
        }
        else if (e.ValueKind == JsonValueKind.Number)
        {
            if (!e.TryGetUInt64(out v)) throw new SszException($"{typeName}: {e.GetRawText()} is not an unsigned integer");
        }
        else throw new SszException($"{typeName}: expected an integer, got {e.ValueKind}");
        if (v > max) throw new SszException($"{typeName}: {v} is out of range");
        return v;
    }

    public static string ReadString(JsonElement e, string typeName) =>
        e.ValueKind != JsonValueKind.String ? throw new SszException($"{typeName}: expected a string, got {e.ValueKind}")
        : e.GetStringOrNull() ?? throw new SszException($"{typeName}: the string is not valid text");
}

public sealed class UInt8Type : SszBasicType<byte>
{
    public override int FixedSize => 1;
    public override string Name => "uint8";
    public override byte Read(ReadOnlySpan<byte> src) => src[0];
    public override void Write(byte value, Span<byte> dest) => dest[0] = value;
    public override void WritePacked(ReadOnlySpan<byte> values, Span<byte> dest) => values.CopyTo(dest);
    public override void ReadPacked(ReadOnlySpan<byte> src, Span<byte> dest) => src[..dest.Length].CopyTo(dest);
    public override void WriteJson(Utf8JsonWriter w, byte v) => w.WriteStringValue(v.ToString(CultureInfo.InvariantCulture));
    public override byte ReadJson(JsonElement e) => (byte)JsonNumbers.ReadUInt(e, byte.MaxValue, Name);
}

public sealed class UInt16Type : SszBasicType<ushort>
{
    public override int FixedSize => 2;
    public override string Name => "uint16";
    public override ushort Read(ReadOnlySpan<byte> src) => BinaryPrimitives.ReadUInt16LittleEndian(src);
    public override void Write(ushort value, Span<byte> dest) => BinaryPrimitives.WriteUInt16LittleEndian(dest, value);
    public override void WriteJson(Utf8JsonWriter w, ushort v) => w.WriteStringValue(v.ToString(CultureInfo.InvariantCulture));
    public override ushort ReadJson(JsonElement e) => (ushort)JsonNumbers.ReadUInt(e, ushort.MaxValue, Name);
}

public sealed class UInt32Type : SszBasicType<uint>
{
    public override int FixedSize => 4;
    public override string Name => "uint32";
    public override uint Read(ReadOnlySpan<byte> src) => BinaryPrimitives.ReadUInt32LittleEndian(src);
    public override void Write(uint value, Span<byte> dest) => BinaryPrimitives.WriteUInt32LittleEndian(dest, value);
    public override void WriteJson(Utf8JsonWriter w, uint v) => w.WriteStringValue(v.ToString(CultureInfo.InvariantCulture));
    public override uint ReadJson(JsonElement e) => (uint)JsonNumbers.ReadUInt(e, uint.MaxValue, Name);
}

public sealed class UInt64Type : SszBasicType<ulong>
{
    public override int FixedSize => 8;
    public override string Name => "uint64";
    public override ulong Read(ReadOnlySpan<byte> src) => BinaryPrimitives.ReadUInt64LittleEndian(src);
    public override void Write(ulong value, Span<byte> dest) => BinaryPrimitives.WriteUInt64LittleEndian(dest, value);

    public override void WritePacked(ReadOnlySpan<ulong> values, Span<byte> dest)
    {
        if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(values).CopyTo(dest);
        else base.WritePacked(values, dest);
    }

    public override void ReadPacked(ReadOnlySpan<byte> src, Span<ulong> dest)
    {
        if (BitConverter.IsLittleEndian) src[..(dest.Length * 8)].CopyTo(MemoryMarshal.AsBytes(dest));
        else base.ReadPacked(src, dest);
    }

    public override void WriteJson(Utf8JsonWriter w, ulong v) => w.WriteStringValue(v.ToString(CultureInfo.InvariantCulture));
    public override ulong ReadJson(JsonElement e) => JsonNumbers.ReadUInt(e, ulong.MaxValue, Name);
}

public sealed class UInt128Type : SszBasicType<UInt128>
{
    public override int FixedSize => 16;
    public override string Name => "uint128";
    public override UInt128 Read(ReadOnlySpan<byte> src) => BinaryPrimitives.ReadUInt128LittleEndian(src);
    public override void Write(UInt128 value, Span<byte> dest) => BinaryPrimitives.WriteUInt128LittleEndian(dest, value);
    public override void WriteJson(Utf8JsonWriter w, UInt128 v) => w.WriteStringValue(v.ToString(CultureInfo.InvariantCulture));

    public override UInt128 ReadJson(JsonElement e)
    {
        string s = e.ValueKind == JsonValueKind.Number ? e.GetRawText() : JsonNumbers.ReadString(e, Name);
        return UInt128.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw new SszException($"uint128: '{s}' is not a decimal integer");
    }
}

public sealed class UInt256Type : SszBasicType<UInt256>
{
    public override int FixedSize => 32;
    public override string Name => "uint256";
    public override UInt256 Read(ReadOnlySpan<byte> src) => UInt256.FromLittleEndian(src);
    public override void Write(UInt256 value, Span<byte> dest) => value.WriteLittleEndian(dest);
    public override void WriteJson(Utf8JsonWriter w, UInt256 v) => w.WriteStringValue(v.ToString());
    public override UInt256 ReadJson(JsonElement e) =>
        UInt256.Parse(e.ValueKind == JsonValueKind.Number ? e.GetRawText() : JsonNumbers.ReadString(e, Name));
}

public sealed class BooleanType : SszBasicType<bool>
{
    public override int FixedSize => 1;
    public override string Name => "boolean";

    public override bool Read(ReadOnlySpan<byte> src) => src[0] switch
    {
        0 => false,
        1 => true,
        _ => throw new SszException($"boolean: invalid byte 0x{src[0]:x2}"),
    };

    public override void Write(bool value, Span<byte> dest) => dest[0] = value ? (byte)1 : (byte)0;
    public override void WriteJson(Utf8JsonWriter w, bool v) => w.WriteBooleanValue(v);

    public override bool ReadJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String when e.GetStringOrNull() is "true" or "false" => e.GetStringOrNull() == "true",
        _ => throw new SszException($"boolean: expected true or false, got {e.Describe()}"),
    };
}

/// <summary>Fixed byte vectors as value types (Bytes4/32/48/96): JSON as 0x-hex.</summary>
public sealed class FixedBytesType<T> : SszType<T> where T : struct, IFixedBytes<T>
{
    public override bool IsFixedSize => true;
    public override int FixedSize => T.Length;
    public override ulong MaxSize => (ulong)T.Length;
    public override string Name => $"Bytes{T.Length}";
    public override int GetSize(T value) => T.Length;
    public override void Serialize(T value, Span<byte> dest) => value.AsSpan().CopyTo(dest);

    public override T Deserialize(ReadOnlySpan<byte> src)
    {
        CheckFixedLength(src);
        return T.FromSpan(src);
    }

    public override void HashTreeRoot(T value, Span<byte> dest32)
    {
        ReadOnlySpan<byte> b = value.AsSpan();
        if (b.Length <= 32)
        {
            dest32[..32].Clear();
            b.CopyTo(dest32);
            return;
        }
        int chunks = (b.Length + 31) / 32;
        Span<byte> buf = stackalloc byte[chunks * 32];
        buf.Clear();
        b.CopyTo(buf);
        Merkle.MerkleizeInPlace(buf, (ulong)chunks, dest32);
    }

    public override void WriteJson(Utf8JsonWriter w, T value) => w.WriteStringValue(FixedBytesHelpers.ToHex(value.AsSpan()));

    public override T ReadJson(JsonElement e)
    {
        Span<byte> b = stackalloc byte[T.Length];
        FixedBytesHelpers.ParseHex(JsonNumbers.ReadString(e, Name), b);
        return T.FromSpan(b);
    }

    public override T Default() => default;
    public override T Copy(T value) => value;
}
