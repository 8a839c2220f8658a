namespace Cirrus.Networking;

/// <summary>
/// Minimal protobuf wire-format writer for the handful of libp2p messages (keys, noise payload,
/// identify, gossipsub RPC). Only varint (0) and length-delimited (2) fields are produced.
/// </summary>
public sealed class ProtoWriter
{
    private byte[] _buf;
    private int _len;

    public ProtoWriter(int capacity = 64) => _buf = new byte[capacity];

    public int Length => _len;

    private void Ensure(int extra)
    {
        if (_len + extra <= _buf.Length) return;
        Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _len + extra));
    }

    private void Raw(ulong v)
    {
        Ensure(10);
        _len += Varint.Write(_buf.AsSpan(_len), v);
    }

    public ProtoWriter UInt64(int field, ulong value)
    {
        Raw((ulong)(field << 3));
        Raw(value);
        return this;
    }

    public ProtoWriter Bool(int field, bool value) => UInt64(field, value ? 1UL : 0UL);

    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Raw((ulong)(field << 3 | 2));
        Raw((ulong)value.Length);
        Ensure(value.Length);
        value.CopyTo(_buf.AsSpan(_len));
        _len += value.Length;
        return this;
    }

    public ProtoWriter String(int field, string value) => Bytes(field, System.Text.Encoding.UTF8.GetBytes(value));

    public ProtoWriter Message(int field, ProtoWriter inner) => Bytes(field, inner.AsSpan());

    public ReadOnlySpan<byte> AsSpan() => _buf.AsSpan(0, _len);

    public byte[] ToArray() => _buf.AsSpan(0, _len).ToArray();
}

/// <summary>One protobuf field as read by <see cref="ProtoReader"/>.</summary>
public readonly ref struct ProtoField
{
    public readonly int Number;
    public readonly int WireType;
    public readonly ulong Value;
    public readonly ReadOnlySpan<byte> Data;

    public ProtoField(int number, int wireType, ulong value, ReadOnlySpan<byte> data)
    {
        Number = number; WireType = wireType; Value = value; Data = data;
    }

    public string AsString()
    {
        if (WireType != 2) throw new P2pException($"protobuf field {Number}: expected bytes");
        try { return new System.Text.UTF8Encoding(false, true).GetString(Data); }
        catch (System.Text.DecoderFallbackException) { throw new P2pException($"protobuf field {Number}: invalid utf-8"); }
    }

    public byte[] AsBytes()
    {
        if (WireType != 2) throw new P2pException($"protobuf field {Number}: expected bytes");
        return Data.ToArray();
    }

    public ulong AsVarint()
    {
        if (WireType != 0) throw new P2pException($"protobuf field {Number}: expected varint");
        return Value;
    }
}

/// <summary>Strict forward-only protobuf reader. Malformed input throws <see cref="P2pException"/>. Unknown fields are skipped.</summary>
public ref struct ProtoReader
{
    private readonly ReadOnlySpan<byte> _src;
    private int _pos;

    public ProtoReader(ReadOnlySpan<byte> src) { _src = src; _pos = 0; }

    public bool Next(out ProtoField field)
    {
        if (_pos >= _src.Length) { field = default; return false; }
        ulong key = Varint.Read(_src[_pos..], out int n);
        _pos += n;
        if (key >> 3 == 0 || key >> 3 > int.MaxValue) throw new P2pException("protobuf: invalid field number");
        int number = (int)(key >> 3);
        int wt = (int)(key & 7);
        switch (wt)
        {
            case 0:
                {
                    ulong v = Varint.Read(_src[_pos..], out n);
                    _pos += n;
                    field = new ProtoField(number, 0, v, default);
                    return true;
                }
            case 1:
                if (_src.Length - _pos < 8) throw new P2pException("protobuf: truncated fixed64");
                field = new ProtoField(number, 1, BitConverter.ToUInt64(_src.Slice(_pos, 8)), default);
                _pos += 8;
                return true;
            case 2:
                {
                    ulong len = Varint.Read(_src[_pos..], out n);
                    _pos += n;
                    if (len > (ulong)(_src.Length - _pos)) throw new P2pException("protobuf: length exceeds message");
                    field = new ProtoField(number, 2, len, _src.Slice(_pos, (int)len));
                    _pos += (int)len;
                    return true;
                }
            case 5:
                if (_src.Length - _pos < 4) throw new P2pException("protobuf: truncated fixed32");
                field = new ProtoField(number, 5, BitConverter.ToUInt32(_src.Slice(_pos, 4)), default);
                _pos += 4;
                return true;
            default:
                throw new P2pException($"protobuf: unsupported wire type {wt}");
        }
    }
}
