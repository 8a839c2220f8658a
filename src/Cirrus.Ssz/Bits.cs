namespace Cirrus.Ssz;

/// <summary>
/// A sequence of bits, little-endian within each byte (bit i is byte i/8, bit i%8), as SSZ
/// Bitvector and Bitlist use. Bitlist's delimiter bit is an encoding detail and is not stored.
/// </summary>
public abstract class BitArrayBase : IEquatable<BitArrayBase>
{
    protected byte[] _bytes;

    protected BitArrayBase(int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count));
        Count = count;
        _bytes = new byte[(count + 7) / 8];
    }

    protected BitArrayBase(int count, byte[] bytes)
    {
        Count = count;
        _bytes = bytes;
    }

    public int Count { get; protected set; }

    /// <summary>The packed bits (no delimiter); unused high bits of the last byte are zero.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    public bool this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
            return (_bytes[index >> 3] & (1 << (index & 7))) != 0;
        }
        set
        {
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
            if (value) _bytes[index >> 3] |= (byte)(1 << (index & 7));
            else _bytes[index >> 3] &= (byte)~(1 << (index & 7));
        }
    }

    public int PopCount()
    {
        int n = 0;
        foreach (byte b in _bytes) n += System.Numerics.BitOperations.PopCount(b);
        return n;
    }

    public bool Equals(BitArrayBase? other) =>
        other is not null && other.GetType() == GetType() && other.Count == Count && other._bytes.AsSpan().SequenceEqual(_bytes);

    public override bool Equals(object? obj) => Equals(obj as BitArrayBase);
    public override int GetHashCode() => HashCode.Combine(Count, _bytes.Length > 0 ? _bytes[0] : 0);

    public override string ToString()
    {
        var c = new char[Count];
        for (int i = 0; i < Count; i++) c[i] = this[i] ? '1' : '0';
        return new string(c);
    }
}

/// <summary>SSZ Bitvector[N]: a fixed number of bits.</summary>
public sealed class Bitvector : BitArrayBase
{
    public Bitvector(int length) : base(length) { }

    /// <summary>Wraps packed bytes; throws <see cref="SszException"/> when bits past the length are set.</summary>
    public static Bitvector FromBytes(ReadOnlySpan<byte> bytes, int length)
    {
        if (bytes.Length != (length + 7) / 8)
            throw new SszException($"Bitvector[{length}] needs {(length + 7) / 8} bytes, got {bytes.Length}");
        if (length % 8 != 0 && bytes.Length > 0 && (bytes[^1] >> (length % 8)) != 0)
            throw new SszException($"Bitvector[{length}] has bits set past its length");
        var v = new Bitvector(length);
        bytes.CopyTo(v._bytes);
        return v;
    }

    public Bitvector Clone() => new(Count, (byte[])_bytes.Clone());

    private Bitvector(int count, byte[] bytes) : base(count, bytes) { }
}

/// <summary>SSZ Bitlist[N]: up to N bits; the limit belongs to the schema.</summary>
public sealed class Bitlist : BitArrayBase
{
    public Bitlist(int count) : base(count) { }

    private Bitlist(int count, byte[] bytes) : base(count, bytes) { }

    /// <summary>Wraps packed bits (no delimiter); bits past <paramref name="count"/> must be zero.</summary>
    public static Bitlist FromBits(ReadOnlySpan<byte> packed, int count)
    {
        if (packed.Length != (count + 7) / 8)
            throw new SszException($"Bitlist of {count} bits needs {(count + 7) / 8} bytes, got {packed.Length}");
        if (count % 8 != 0 && packed.Length > 0 && (packed[^1] >> (count % 8)) != 0)
            throw new SszException("Bitlist has bits set past its length");
        return new Bitlist(count, packed.ToArray());
    }

    public Bitlist Clone() => new(Count, (byte[])_bytes.Clone());

    /// <summary>Bitwise OR with a list of the same length (aggregation).</summary>
    public void Or(Bitlist other)
    {
        if (other.Count != Count) throw new ArgumentException("bitlist lengths differ");
        for (int i = 0; i < _bytes.Length; i++) _bytes[i] |= other._bytes[i];
    }

    /// <summary>True when the two share a set bit.</summary>
    public bool Overlaps(Bitlist other)
    {
        int n = Math.Min(_bytes.Length, other._bytes.Length);
        for (int i = 0; i < n; i++) if ((_bytes[i] & other._bytes[i]) != 0) return true;
        return false;
    }
}
