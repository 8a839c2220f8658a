using System.Text.Json;

namespace Cirrus.Ssz;

/// <summary>An SSZ type: how values of a CLR type serialize, deserialize and hash.</summary>
public abstract class SszType
{
    /// <summary>True when every value has the same encoded size (<see cref="FixedSize"/>).</summary>
    public abstract bool IsFixedSize { get; }

    /// <summary>Encoded size of fixed-size values; meaningless for variable-size types.</summary>
    public abstract int FixedSize { get; }

    /// <summary>Upper bound on encoded size: inputs longer than this are rejected before parsing.</summary>
    public abstract ulong MaxSize { get; }

    /// <summary>A short human description, e.g. "List[uint64, 1024]".</summary>
    public abstract string Name { get; }

    public override string ToString() => Name;
}

public abstract class SszType<T> : SszType
{
    public abstract int GetSize(T value);

    /// <summary>Writes exactly <see cref="GetSize"/> bytes into <paramref name="dest"/>.</summary>
    public abstract void Serialize(T value, Span<byte> dest);

    /// <summary>Strict decode of exactly the given bytes; throws <see cref="SszException"/> only.</summary>
    public abstract T Deserialize(ReadOnlySpan<byte> src);

    public abstract void HashTreeRoot(T value, Span<byte> dest32);

    public abstract void WriteJson(Utf8JsonWriter writer, T value);

    /// <summary>Reads the Beacon API JSON form (also accepts plain numbers); throws <see cref="SszException"/>.</summary>
    public abstract T ReadJson(JsonElement element);

    public abstract T Default();

    public abstract T Copy(T value);

    public byte[] Serialize(T value)
    {
        var buf = new byte[GetSize(value)];
        Serialize(value, buf);
        return buf;
    }

    public Bytes32 HashTreeRoot(T value)
    {
        Bytes32 r = default;
        HashTreeRoot(value, r.AsWritableSpan());
        return r;
    }

    public string ToJson(T value, bool indented = false)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = indented }))
            WriteJson(w, value);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    public T FromJson(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return ReadJson(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new SszException("invalid JSON: " + e.Message);
        }
    }

    protected void CheckFixedLength(ReadOnlySpan<byte> src)
    {
        if (src.Length != FixedSize)
            throw new SszException($"{Name}: expected {FixedSize} bytes, got {src.Length}");
    }
}

/// <summary>Basic types (uintN, boolean) pack several values into one chunk inside vectors and lists.</summary>
public abstract class SszBasicType<T> : SszType<T>
{
    public override bool IsFixedSize => true;
    public override ulong MaxSize => (ulong)FixedSize;
    public override int GetSize(T value) => FixedSize;
    public override T Copy(T value) => value;
    public override T Default() => default!;

    public override void HashTreeRoot(T value, Span<byte> dest32)
    {
        dest32[..32].Clear();
        Serialize(value, dest32);
    }

    public override T Deserialize(ReadOnlySpan<byte> src)
    {
        CheckFixedLength(src);
        return Read(src);
    }

    public override void Serialize(T value, Span<byte> dest) => Write(value, dest);

    /// <summary>Reads FixedSize bytes (length already checked).</summary>
    public abstract T Read(ReadOnlySpan<byte> src);

    public abstract void Write(T value, Span<byte> dest);

    /// <summary>Writes many values packed (used by vector/list packing); may be overridden with a bulk copy.</summary>
    public virtual void WritePacked(ReadOnlySpan<T> values, Span<byte> dest)
    {
        int size = FixedSize;
        for (int i = 0; i < values.Length; i++) Write(values[i], dest.Slice(i * size, size));
    }

    public virtual void ReadPacked(ReadOnlySpan<byte> src, Span<T> dest)
    {
        int size = FixedSize;
        for (int i = 0; i < dest.Length; i++) dest[i] = Read(src.Slice(i * size, size));
    }
}

/// <summary>Types whose roots can be computed for many values at once from fixed-width leaf chunks.</summary>
internal interface IBatchRoots<T>
{
    int LeafChunks { get; }
    int DeferredHashes { get; }
    void WriteLeafChunks(T value, Span<byte> dest, Span<byte> deferred, Span<int> deferredAt);
}
