using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;

namespace Cirrus.Ssz;

/// <summary>Shared encoding of sequences (vectors and lists) of any element type.</summary>
internal static class Sequence
{
    /// <summary>Element roots at or above this count are hashed on several cores.</summary>
    private const int ParallelThreshold = 2048;

    public static int Size<T>(SszType<T> elem, ReadOnlySpan<T> items)
    {
        if (elem.IsFixedSize) return checked(items.Length * elem.FixedSize);
        long total = 4L * items.Length;
        foreach (var item in items) total += elem.GetSize(item);
        return checked((int)total);
    }

    public static void Serialize<T>(SszType<T> elem, ReadOnlySpan<T> items, Span<byte> dest)
    {
        if (elem is SszBasicType<T> basic)
        {
            basic.WritePacked(items, dest);
            return;
        }
        if (elem.IsFixedSize)
        {
            int s = elem.FixedSize;
            for (int i = 0; i < items.Length; i++) elem.Serialize(items[i], dest.Slice(i * s, s));
            return;
        }
        int offset = 4 * items.Length;
        for (int i = 0; i < items.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(dest[(4 * i)..], (uint)offset);
            int size = elem.GetSize(items[i]);
            elem.Serialize(items[i], dest.Slice(offset, size));
            offset += size;
        }
    }

    /// <summary>Number of elements encoded in <paramref name="src"/>, validated against <paramref name="max"/>.</summary>
    public static int Count<T>(SszType<T> elem, ReadOnlySpan<byte> src, ulong max, string name)
    {
        if (elem.IsFixedSize)
        {
            int s = elem.FixedSize;
            if (src.Length % s != 0) throw new SszException($"{name}: {src.Length} bytes is not a multiple of the element size {s}");
            int n = src.Length / s;
            if ((ulong)n > max) throw new SszException($"{name}: {n} elements exceed the limit {max}");
            return n;
        }
        if (src.Length == 0) return 0;
        if (src.Length < 4) throw new SszException($"{name}: truncated offset");
        uint first = BinaryPrimitives.ReadUInt32LittleEndian(src);
        if (first % 4 != 0 || first == 0) throw new SszException($"{name}: first offset {first} is not a positive multiple of 4");
        if (first > src.Length) throw new SszException($"{name}: first offset {first} is past the end ({src.Length} bytes)");
        ulong count = first / 4;
        if (count > max) throw new SszException($"{name}: {count} elements exceed the limit {max}");
        return (int)count;
    }

    public static void Deserialize<T>(SszType<T> elem, ReadOnlySpan<byte> src, Span<T> dest, string name)
    {
        if (elem is SszBasicType<T> basic)
        {
            basic.ReadPacked(src, dest);
            return;
        }
        if (elem.IsFixedSize)
        {
            int s = elem.FixedSize;
            for (int i = 0; i < dest.Length; i++) dest[i] = elem.Deserialize(src.Slice(i * s, s));
            return;
        }
        int n = dest.Length;
        if (n == 0)
        {
            if (src.Length != 0) throw new SszException($"{name}: {src.Length} trailing bytes");
            return;
        }
        if (src.Length < 4 * n) throw new SszException($"{name}: truncated offsets");
        uint first = BinaryPrimitives.ReadUInt32LittleEndian(src);
        if (first != 4u * (uint)n) throw new SszException($"{name}: first offset {first} should be {4 * n}");
        for (int i = 0; i < n; i++)
        {
            uint start = BinaryPrimitives.ReadUInt32LittleEndian(src[(4 * i)..]);
            uint end = i + 1 < n ? BinaryPrimitives.ReadUInt32LittleEndian(src[(4 * (i + 1))..]) : (uint)src.Length;
            if (start > end) throw new SszException($"{name}: offsets decrease at element {i}");
            if (end > src.Length) throw new SszException($"{name}: offset {end} is past the end ({src.Length} bytes)");
            dest[i] = elem.Deserialize(src[(int)start..(int)end]);
        }
    }

    /// <summary>Root of the elements padded to <paramref name="limitElements"/> (no length mix-in).</summary>
    public static void Root<T>(SszType<T> elem, ReadOnlySpan<T> items, ulong limitElements, Span<byte> dest32)
    {
        if (elem is SszBasicType<T> basic)
        {
            int size = basic.FixedSize;
            int bytes = items.Length * size;
            int chunkBytes = (bytes + 31) / 32 * 32;
            ulong limitChunks = (limitElements * (ulong)size + 31) / 32;
            byte[] buf = ArrayPool<byte>.Shared.Rent(Math.Max(chunkBytes, 32));
            try
            {
                Span<byte> span = buf.AsSpan(0, chunkBytes);
                basic.WritePacked(items, span);
                span[bytes..].Clear();
                Merkle.MerkleizeInPlace(span, limitChunks, dest32);
            }
            finally { ArrayPool<byte>.Shared.Return(buf); }
            return;
        }
        byte[] roots = ArrayPool<byte>.Shared.Rent(Math.Max(items.Length * 32, 32));
        try
        {
            if (elem is FixedBytesType<Bytes32>)
                System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(
                    ref System.Runtime.CompilerServices.Unsafe.As<T, byte>(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(items)),
                    items.Length * 32).CopyTo(roots);
            else HashElements(elem, items, roots);
            Merkle.MerkleizeInPlace(roots.AsSpan(0, items.Length * 32), limitElements, dest32);
        }
        finally { ArrayPool<byte>.Shared.Return(roots); }
    }

    private static void HashElements<T>(SszType<T> elem, ReadOnlySpan<T> items, byte[] roots)
    {
        if (elem is IBatchRoots<T> batch && items.Length >= 16)
        {
            BatchRoots(batch, items, roots);
            return;
        }
        if (items.Length < ParallelThreshold)
        {
            for (int i = 0; i < items.Length; i++) elem.HashTreeRoot(items[i], roots.AsSpan(i * 32, 32));
            return;
        }
        T[] arr = items.ToArray();
        int parts = Environment.ProcessorCount * 4;
        int per = (arr.Length + parts - 1) / parts;
        Parallel.For(0, parts, p =>
        {
            int end = Math.Min(arr.Length, (p + 1) * per);
            for (int i = p * per; i < end; i++) elem.HashTreeRoot(arr[i], roots.AsSpan(i * 32, 32));
        });
    }

    /// <summary>
    /// Roots of many same-shaped containers: all their leaf chunks side by side, then each tree level
    /// hashed for every element at once (so the batched SHA-256 runs full lanes).
    /// </summary>
    private static void BatchRoots<T>(IBatchRoots<T> batch, ReadOnlySpan<T> items, byte[] roots)
    {
        int width = batch.LeafChunks;
        const int Block = 1024;
        int blocks = (items.Length + Block - 1) / Block;
        T[]? arr = blocks > 1 ? items.ToArray() : null;
        int k = batch.DeferredHashes;
        void RunBlock(ReadOnlySpan<T> part, Span<byte> dest)
        {
            byte[] buf = ArrayPool<byte>.Shared.Rent(part.Length * width * 32);
            byte[] deferred = ArrayPool<byte>.Shared.Rent(Math.Max(1, part.Length * k * 64));
            int[] deferredAt = ArrayPool<int>.Shared.Rent(Math.Max(1, part.Length * k));
            try
            {
                Span<byte> leaves = buf.AsSpan(0, part.Length * width * 32);
                for (int i = 0; i < part.Length; i++)
                    batch.WriteLeafChunks(part[i], leaves.Slice(i * width * 32, width * 32),
                        deferred.AsSpan(i * k * 64, k * 64), deferredAt.AsSpan(i * k, k));
                if (k > 0)
                {
                    Span<byte> d = deferred.AsSpan(0, part.Length * k * 64);
                    Sha256Batch.Hash64(d, d);
                    for (int j = 0; j < part.Length * k; j++)
                        d.Slice(j * 32, 32).CopyTo(leaves.Slice(((j / k) * width + deferredAt[j]) * 32, 32));
                }
                for (int n = part.Length * width; n > part.Length; n >>= 1)
                    Sha256Batch.Hash64(leaves[..(n * 32)], leaves);
                leaves[..(part.Length * 32)].CopyTo(dest);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buf);
                ArrayPool<byte>.Shared.Return(deferred);
                ArrayPool<int>.Shared.Return(deferredAt);
            }
        }
        if (arr is null)
        {
            RunBlock(items, roots);
            return;
        }
        Parallel.For(0, blocks, b =>
        {
            int start = b * Block, count = Math.Min(Block, arr.Length - start);
            RunBlock(arr.AsSpan(start, count), roots.AsSpan(start * 32, count * 32));
        });
    }

    public static void WriteJson<T>(SszType<T> elem, Utf8JsonWriter w, ReadOnlySpan<T> items)
    {
        if (elem is UInt8Type)
        {
            w.WriteStringValue(FixedBytesHelpers.ToHex((byte[])(object)items.ToArray()));
            return;
        }
        w.WriteStartArray();
        foreach (var item in items) elem.WriteJson(w, item);
        w.WriteEndArray();
    }

    public static T[] ReadJson<T>(SszType<T> elem, JsonElement e, ulong max, string name)
    {
        if (elem is UInt8Type && e.ValueKind == JsonValueKind.String)
        {
            string s = JsonNumbers.ReadString(e, name);
            if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) s = s[2..];
            if ((ulong)s.Length / 2 > max) throw new SszException($"{name}: too many bytes");
            try { return (T[])(object)Convert.FromHexString(s); }
            catch (FormatException) { throw new SszException($"{name}: invalid hex"); }
        }
        if (e.ValueKind != JsonValueKind.Array) throw new SszException($"{name}: expected an array, got {e.ValueKind}");
        int n = e.GetArrayLength();
        if ((ulong)n > max) throw new SszException($"{name}: {n} elements exceed the limit {max}");
        var result = new T[n];
        int i = 0;
        foreach (var item in e.EnumerateArray()) result[i++] = elem.ReadJson(item);
        return result;
    }
}

/// <summary>SSZ Vector[T, N] as a T[] of exactly N elements.</summary>
public sealed class VectorType<T>(SszType<T> element, int length) : SszType<T[]>
{
    public SszType<T> Element { get; } = length > 0 ? element : throw new ArgumentException("a vector needs at least one element");
    public int Length { get; } = length;
    public override bool IsFixedSize => Element.IsFixedSize;
    public override int FixedSize => Element.IsFixedSize ? Element.FixedSize * Length : 4;
    public override ulong MaxSize => Element.IsFixedSize ? (ulong)FixedSize : (ulong)Length * (4 + Element.MaxSize);
    public override string Name => $"Vector[{Element.Name}, {Length}]";

    private void CheckLength(T[] value)
    {
        if (value.Length != Length) throw new SszException($"{Name}: value has {value.Length} elements");
    }

    public override int GetSize(T[] value)
    {
        CheckLength(value);
        return Sequence.Size(Element, value);
    }

    public override void Serialize(T[] value, Span<byte> dest)
    {
        CheckLength(value);
        Sequence.Serialize(Element, value, dest);
    }

    public override T[] Deserialize(ReadOnlySpan<byte> src)
    {
        if (IsFixedSize) CheckFixedLength(src);
        var result = new T[Length];
        Sequence.Deserialize(Element, src, result, Name);
        return result;
    }

    public override void HashTreeRoot(T[] value, Span<byte> dest32)
    {
        CheckLength(value);
        Sequence.Root(Element, value, (ulong)Length, dest32);
    }

    public override void WriteJson(Utf8JsonWriter w, T[] value) => Sequence.WriteJson(Element, w, value);

    public override T[] ReadJson(JsonElement e)
    {
        var r = Sequence.ReadJson(Element, e, (ulong)Length, Name);
        if (r.Length != Length) throw new SszException($"{Name}: expected {Length} elements, got {r.Length}");
        return r;
    }

    public override T[] Default()
    {
        var r = new T[Length];
        for (int i = 0; i < r.Length; i++) r[i] = Element.Default();
        return r;
    }

    public override T[] Copy(T[] value)
    {
        var r = new T[value.Length];
        for (int i = 0; i < r.Length; i++) r[i] = Element.Copy(value[i]);
        return r;
    }
}

/// <summary>SSZ List[T, limit] as a List&lt;T&gt;.</summary>
public sealed class ListType<T>(SszType<T> element, ulong limit) : SszType<List<T>>
{
    public SszType<T> Element { get; } = element;
    public ulong Limit { get; } = limit;
    public override bool IsFixedSize => false;
    public override int FixedSize => 4;
    public override ulong MaxSize => Element.IsFixedSize ? SatMul(Limit, (ulong)Element.FixedSize) : SatMul(Limit, 4 + Element.MaxSize);
    public override string Name => $"List[{Element.Name}, {Limit}]";

    internal static ulong SatMul(ulong a, ulong b) => b != 0 && a > ulong.MaxValue / b ? ulong.MaxValue : a * b;

    private void CheckLimit(List<T> value)
    {
        if ((ulong)value.Count > Limit) throw new SszException($"{Name}: {value.Count} elements exceed the limit");
    }

    public override int GetSize(List<T> value)
    {
        CheckLimit(value);
        return Sequence.Size(Element, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(value));
    }

    public override void Serialize(List<T> value, Span<byte> dest)
    {
        CheckLimit(value);
        Sequence.Serialize(Element, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(value), dest);
    }

    public override List<T> Deserialize(ReadOnlySpan<byte> src)
    {
        int n = Sequence.Count(Element, src, Limit, Name);
        var list = new List<T>(n);
        System.Runtime.InteropServices.CollectionsMarshal.SetCount(list, n);
        Sequence.Deserialize(Element, src, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list), Name);
        return list;
    }

    public override void HashTreeRoot(List<T> value, Span<byte> dest32)
    {
        CheckLimit(value);
        Sequence.Root(Element, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(value), Limit, dest32);
        Merkle.MixInLength(dest32, (ulong)value.Count);
    }

    public override void WriteJson(Utf8JsonWriter w, List<T> value) =>
        Sequence.WriteJson(Element, w, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(value));

    public override List<T> ReadJson(JsonElement e) => [.. Sequence.ReadJson(Element, e, Limit, Name)];

    public override List<T> Default() => [];

    public override List<T> Copy(List<T> value)
    {
        var r = new List<T>(value.Count);
        foreach (var v in value) r.Add(Element.Copy(v));
        return r;
    }
}

/// <summary>SSZ Bitvector[N].</summary>
public sealed class BitvectorType(int length) : SszType<Bitvector>
{
    public int Length { get; } = length > 0 ? length : throw new ArgumentException("a bitvector needs at least one bit");
    public override bool IsFixedSize => true;
    public override int FixedSize => (Length + 7) / 8;
    public override ulong MaxSize => (ulong)FixedSize;
    public override string Name => $"Bitvector[{Length}]";

    private void CheckLength(Bitvector v)
    {
        if (v.Count != Length) throw new SszException($"{Name}: value has {v.Count} bits");
    }

    public override int GetSize(Bitvector value) => FixedSize;

    public override void Serialize(Bitvector value, Span<byte> dest)
    {
        CheckLength(value);
        value.Bytes.CopyTo(dest);
    }

    public override Bitvector Deserialize(ReadOnlySpan<byte> src)
    {
        CheckFixedLength(src);
        return Bitvector.FromBytes(src, Length);
    }

    public override void HashTreeRoot(Bitvector value, Span<byte> dest32)
    {
        CheckLength(value);
        Merkle.Merkleize(Pad(value.Bytes), (ulong)((Length + 255) / 256), dest32);
    }

    internal static byte[] Pad(ReadOnlySpan<byte> bytes)
    {
        var b = new byte[(bytes.Length + 31) / 32 * 32];
        bytes.CopyTo(b);
        return b;
    }

    public override void WriteJson(Utf8JsonWriter w, Bitvector value) => w.WriteStringValue(FixedBytesHelpers.ToHex(value.Bytes));

    public override Bitvector ReadJson(JsonElement e)
    {
        var b = new byte[FixedSize];
        FixedBytesHelpers.ParseHex(JsonNumbers.ReadString(e, Name), b);
        return Bitvector.FromBytes(b, Length);
    }

    public override Bitvector Default() => new(Length);
    public override Bitvector Copy(Bitvector value) => value.Clone();
}

/// <summary>SSZ Bitlist[N]: encoded with a delimiter bit after the last element.</summary>
public sealed class BitlistType(ulong limit) : SszType<Bitlist>
{
    public ulong Limit { get; } = limit;
    public override bool IsFixedSize => false;
    public override int FixedSize => 4;
    public override ulong MaxSize => Limit / 8 + 1;
    public override string Name => $"Bitlist[{Limit}]";

    private void CheckLimit(Bitlist v)
    {
        if ((ulong)v.Count > Limit) throw new SszException($"{Name}: {v.Count} bits exceed the limit");
    }

    public override int GetSize(Bitlist value)
    {
        CheckLimit(value);
        return value.Count / 8 + 1;
    }

    public override void Serialize(Bitlist value, Span<byte> dest)
    {
        CheckLimit(value);
        int n = value.Count / 8 + 1;
        dest[..n].Clear();
        value.Bytes.CopyTo(dest);
        dest[value.Count / 8] |= (byte)(1 << (value.Count % 8));
    }

    public override Bitlist Deserialize(ReadOnlySpan<byte> src)
    {
        if (src.Length == 0) throw new SszException($"{Name}: empty encoding (no delimiter bit)");
        byte last = src[^1];
        if (last == 0) throw new SszException($"{Name}: last byte has no delimiter bit");
        int count = (src.Length - 1) * 8 + (7 - System.Numerics.BitOperations.LeadingZeroCount((uint)last) + 24);
        if ((ulong)count > Limit) throw new SszException($"{Name}: {count} bits exceed the limit");
        var packed = src.ToArray();
        packed[^1] &= (byte)~(1 << (count % 8));
        return Bitlist.FromBits(packed.AsSpan(0, (count + 7) / 8), count);
    }

    public override void HashTreeRoot(Bitlist value, Span<byte> dest32)
    {
        CheckLimit(value);
        Merkle.Merkleize(BitvectorType.Pad(value.Bytes), (Limit + 255) / 256, dest32);
        Merkle.MixInLength(dest32, (ulong)value.Count);
    }

    public override void WriteJson(Utf8JsonWriter w, Bitlist value) => w.WriteStringValue(FixedBytesHelpers.ToHex(Serialize(value)));

    public override Bitlist ReadJson(JsonElement e)
    {
        string s = JsonNumbers.ReadString(e, Name);
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) s = s[2..];
        if ((ulong)s.Length / 2 > MaxSize) throw new SszException($"{Name}: too long");
        byte[] b;
        try { b = Convert.FromHexString(s); }
        catch (FormatException) { throw new SszException($"{Name}: invalid hex"); }
        return Deserialize(b);
    }

    public override Bitlist Default() => new(0);
    public override Bitlist Copy(Bitlist value) => value.Clone();
}
