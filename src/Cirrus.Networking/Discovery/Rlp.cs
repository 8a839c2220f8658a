using System.Buffers.Binary;

namespace Cirrus.Networking.Discovery;

/// <summary>Thrown for any malformed RLP input. The only exception type RLP decoding throws.</summary>
public sealed class RlpException(string message) : Exception(message);

/// <summary>Recursive Length Prefix encoding (yellow paper, appendix B). Canonical forms only.</summary>
public static class Rlp
{
    public static byte[] EncodeBytes(ReadOnlySpan<byte> value)
    {
        if (value.Length == 1 && value[0] < 0x80) return [value[0]];
        var prefix = Prefix(0x80, value.Length);
        var result = new byte[prefix.Length + value.Length];
        prefix.CopyTo(result, 0);
        value.CopyTo(result.AsSpan(prefix.Length));
        return result;
    }

    public static byte[] EncodeString(string ascii) => EncodeBytes(System.Text.Encoding.ASCII.GetBytes(ascii));

    public static byte[] EncodeUInt(ulong value)
    {
        Span<byte> buf = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(buf, value);
        int skip = 0;
        while (skip < 8 && buf[skip] == 0) skip++;
        return EncodeBytes(buf[skip..]);
    }

    /// <summary>Encodes a list whose items are already RLP-encoded.</summary>
    public static byte[] EncodeList(params IReadOnlyList<byte[]> encodedItems)
    {
        int total = 0;
        foreach (var item in encodedItems) total += item.Length;
        var prefix = Prefix(0xc0, total);
        var result = new byte[prefix.Length + total];
        prefix.CopyTo(result, 0);
        int off = prefix.Length;
        foreach (var item in encodedItems) { item.CopyTo(result, off); off += item.Length; }
        return result;
    }

    private static byte[] Prefix(byte offset, int length)
    {
        if (length <= 55) return [(byte)(offset + length)];
        Span<byte> buf = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(buf, length);
        int skip = 0;
        while (buf[skip] == 0) skip++;
        var result = new byte[1 + 4 - skip];
        result[0] = (byte)(offset + 55 + 4 - skip);
        buf[skip..].CopyTo(result.AsSpan(1));
        return result;
    }

    /// <summary>Canonical unsigned integer from big-endian bytes (no leading zeros, at most 8 bytes).</summary>
    public static ulong ToUInt64(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 8) throw new RlpException("integer too long");
        if (bytes.Length > 0 && bytes[0] == 0) throw new RlpException("integer has leading zero");
        ulong v = 0;
        foreach (var b in bytes) v = (v << 8) | b;
        return v;
    }
}

/// <summary>Strict, allocation-free RLP reader over a span. Throws <see cref="RlpException"/> on any malformed input.</summary>
public ref struct RlpReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _pos;

    public RlpReader(ReadOnlySpan<byte> data) { _data = data; _pos = 0; }

    public readonly bool HasMore => _pos < _data.Length;
    public readonly int Position => _pos;

    public readonly bool NextIsList
    {
        get
        {
            if (_pos >= _data.Length) throw new RlpException("unexpected end of input");
            return _data[_pos] >= 0xc0;
        }
    }

    /// <summary>Reads one item's header; returns (isList, payloadOffset, payloadLength, totalLength).</summary>
    private readonly (bool IsList, int PayloadStart, int PayloadLength) PeekHeader()
    {
        if (_pos >= _data.Length) throw new RlpException("unexpected end of input");
        byte b = _data[_pos];
        int remaining = _data.Length - _pos;
        if (b < 0x80) return (false, _pos, 1);
        if (b <= 0xb7)
        {
            int len = b - 0x80;
            if (1 + len > remaining) throw new RlpException("string exceeds input");
            if (len == 1 && _data[_pos + 1] < 0x80) throw new RlpException("non-canonical single byte");
            return (false, _pos + 1, len);
        }
        if (b <= 0xbf)
        {
            int lenOfLen = b - 0xb7;
            int len = ReadLength(lenOfLen, remaining);
            return (false, _pos + 1 + lenOfLen, len);
        }
        if (b <= 0xf7)
        {
            int len = b - 0xc0;
            if (1 + len > remaining) throw new RlpException("list exceeds input");
            return (true, _pos + 1, len);
        }
        {
            int lenOfLen = b - 0xf7;
            int len = ReadLength(lenOfLen, remaining);
            return (true, _pos + 1 + lenOfLen, len);
        }
    }

    private readonly int ReadLength(int lenOfLen, int remaining)
    {
        if (lenOfLen > 4 || 1 + lenOfLen > remaining) throw new RlpException("bad long length");
        var lenBytes = _data.Slice(_pos + 1, lenOfLen);
        if (lenBytes[0] == 0) throw new RlpException("length has leading zero");
        long len = 0;
        foreach (var x in lenBytes) len = (len << 8) | x;
        if (len <= 55) throw new RlpException("non-canonical long length");
        if (1 + lenOfLen + len > remaining) throw new RlpException("item exceeds input");
        return (int)len;
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        var (isList, start, len) = PeekHeader();
        if (isList) throw new RlpException("expected string, found list");
        _pos = start + len;
        return _data.Slice(start, len);
    }

    public ulong ReadUInt64() => Rlp.ToUInt64(ReadBytes());

    public RlpReader ReadList()
    {
        var (isList, start, len) = PeekHeader();
        if (!isList) throw new RlpException("expected list, found string");
        _pos = start + len;
        return new RlpReader(_data.Slice(start, len));
    }

    /// <summary>Returns the full encoding (header included) of the next item and advances past it.</summary>
    public ReadOnlySpan<byte> ReadRawItem()
    {
        int begin = _pos;
        var (_, start, len) = PeekHeader();
        _pos = start + len;
        return _data[begin.._pos];
    }

    public readonly void EnsureEnd()
    {
        if (_pos != _data.Length) throw new RlpException("trailing bytes");
    }
}
