namespace Cirrus.Networking;

/// <summary>Unsigned LEB128 varints as used by multiformats and protobuf (max 9 bytes per multiformats, 10 for protobuf).</summary>
public static class Varint
{
    public static int Size(ulong value)
    {
        int n = 1;
        while (value >= 0x80) { value >>= 7; n++; }
        return n;
    }

    public static int Write(Span<byte> dst, ulong value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            dst[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        dst[i++] = (byte)value;
        return i;
    }

    public static byte[] Encode(ulong value)
    {
        var b = new byte[Size(value)];
        Write(b, value);
        return b;
    }

    /// <summary>Reads a varint; returns false if the input ends first. Throws <see cref="P2pException"/> if it is longer than 10 bytes.</summary>
    public static bool TryRead(ReadOnlySpan<byte> src, out ulong value, out int consumed)
    {
        value = 0;
        int shift = 0;
        for (int i = 0; i < src.Length; i++)
        {
            if (i >= 10) throw new P2pException("varint too long");
            byte b = src[i];
            if (i == 9 && b > 1) throw new P2pException("varint overflows 64 bits");
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                consumed = i + 1;
                return true;
            }
            shift += 7;
        }
        if (src.Length >= 10) throw new P2pException("varint too long");
        consumed = 0;
        return false;
    }

    public static ulong Read(ReadOnlySpan<byte> src, out int consumed)
    {
        if (!TryRead(src, out var v, out consumed)) throw new P2pException("truncated varint");
        return v;
    }
}
