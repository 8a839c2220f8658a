using System.Buffers.Binary;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Cirrus.Ssz;

/// <summary>One field of a container: typed accessors, so encoding never boxes.</summary>
internal abstract class ContainerField<TC>(string name, string jsonName)
{
    public string Name { get; } = name;
    public string JsonName { get; } = jsonName;
    public abstract SszType Type { get; }
    public abstract int GetSize(TC owner);
    public abstract void Serialize(TC owner, Span<byte> dest);
    public abstract void DeserializeInto(TC owner, ReadOnlySpan<byte> src);
    public abstract void HashTreeRoot(TC owner, Span<byte> dest32);
    public abstract void WriteJson(Utf8JsonWriter w, TC owner);
    public abstract void ReadJson(TC owner, JsonElement e);
    public abstract void SetDefault(TC owner);
    public abstract void CopyInto(TC from, TC to);

    /// <summary>A byte vector of 33..64 bytes: its root is one SHA-256 of its zero-padded bytes.</summary>
    public bool IsTwoChunkBytes { get; set; }
}

internal sealed class ContainerField<TC, TF>(string name, string jsonName, SszType<TF> type, PropertyInfo prop)
    : ContainerField<TC>(name, jsonName)
{
    private readonly Func<TC, TF> _get = prop.GetMethod!.CreateDelegate<Func<TC, TF>>();
    private readonly Action<TC, TF> _set = prop.SetMethod?.CreateDelegate<Action<TC, TF>>()
        ?? throw new ArgumentException($"{typeof(TC).Name}.{prop.Name} needs a setter");

    public override SszType Type => type;
    public override int GetSize(TC owner) => type.GetSize(_get(owner));
    public override void Serialize(TC owner, Span<byte> dest) => type.Serialize(_get(owner), dest);
    public override void DeserializeInto(TC owner, ReadOnlySpan<byte> src) => _set(owner, type.Deserialize(src));
    public override void HashTreeRoot(TC owner, Span<byte> dest32) => type.HashTreeRoot(_get(owner), dest32);
    public override void WriteJson(Utf8JsonWriter w, TC owner) => type.WriteJson(w, _get(owner));
    public override void ReadJson(TC owner, JsonElement e) => _set(owner, type.ReadJson(e));
    public override void SetDefault(TC owner) => _set(owner, type.Default());
    public override void CopyInto(TC from, TC to) => _set(to, type.Copy(_get(from)));
}

/// <summary>
/// An SSZ Container derived from a class's public properties, in declaration order. Field types come
/// from the property types and their [SszList]/[SszVector] attributes (sizes resolved by the schema).
/// </summary>
public sealed class ContainerType<T> : SszType<T>, IBatchRoots<T> where T : class, new()
{
    private readonly ContainerField<T>[] _fields;
    private readonly int _fixedPart;
    private readonly bool _isFixed;
    private readonly ulong _maxSize;
    private readonly int _twoChunkFields;

    internal ContainerType(SszSchema schema)
    {
        var props = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<SszIgnoreAttribute>() is null && p.GetIndexParameters().Length == 0)
            .OrderBy(p => p.MetadataToken)
            .ToArray();
        if (props.Length == 0) throw new ArgumentException($"{typeof(T).Name} has no SSZ fields");
        _fields = new ContainerField<T>[props.Length];
        for (int i = 0; i < props.Length; i++)
        {
            var p = props[i];
            SszType ft = schema.ResolveProperty(p);
            string json = p.GetCustomAttribute<SszNameAttribute>()?.Name ?? SnakeCase(p.Name);
            var fieldType = typeof(ContainerField<,>).MakeGenericType(typeof(T), p.PropertyType);
            _fields[i] = (ContainerField<T>)Activator.CreateInstance(fieldType, p.Name, json, ft, p)!;
            if (ft.IsFixedSize && ft.FixedSize is > 32 and <= 64 && ft.GetType().IsGenericType
                && ft.GetType().GetGenericTypeDefinition() == typeof(FixedBytesType<>))
            {
                _fields[i].IsTwoChunkBytes = true;
                _twoChunkFields++;
            }
        }
        _isFixed = _fields.All(f => f.Type.IsFixedSize);
        _fixedPart = _fields.Sum(f => f.Type.IsFixedSize ? f.Type.FixedSize : 4);
        ulong max = 0;
        foreach (var f in _fields) max = Sat(max, f.Type.IsFixedSize ? (ulong)f.Type.FixedSize : Sat(4, f.Type.MaxSize));
        _maxSize = max;
    }

    private static ulong Sat(ulong a, ulong b) => a > ulong.MaxValue - b ? ulong.MaxValue : a + b;

    /// <summary>PascalCase to the spec's snake_case: "Eth1DepositIndex" → "eth1_deposit_index".</summary>
    public static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]))) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else if (char.IsDigit(c) && i > 0 && char.IsLetter(name[i - 1]) && !IsEthPrefix(name, i))
            {
                sb.Append('_').Append(c);
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }

    // "Eth1" keeps its digit ("eth1_data"); "SignedHeader1" becomes "signed_header_1" as in the spec.
    private static bool IsEthPrefix(string name, int digitAt) =>
        digitAt >= 3 && name.AsSpan(digitAt - 3, 3).Equals("Eth", StringComparison.OrdinalIgnoreCase);

    public override bool IsFixedSize => _isFixed;
    public override int FixedSize => _isFixed ? _fixedPart : 4;
    public override ulong MaxSize => _maxSize;
    public override string Name => typeof(T).Name;

    public IEnumerable<(string Name, string JsonName, SszType Type)> Fields => _fields.Select(f => (f.Name, f.JsonName, f.Type));

    public override int GetSize(T value)
    {
        if (_isFixed) return _fixedPart;
        long size = _fixedPart;
        foreach (var f in _fields)
            if (!f.Type.IsFixedSize) size += f.GetSize(value);
        return checked((int)size);
    }

    public override void Serialize(T value, Span<byte> dest)
    {
        int fixedAt = 0;
        int varAt = _fixedPart;
        foreach (var f in _fields)
        {
            if (f.Type.IsFixedSize)
            {
                f.Serialize(value, dest.Slice(fixedAt, f.Type.FixedSize));
                fixedAt += f.Type.FixedSize;
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(dest[fixedAt..], (uint)varAt);
                fixedAt += 4;
                int size = f.GetSize(value);
                f.Serialize(value, dest.Slice(varAt, size));
                varAt += size;
            }
        }
    }

    public override T Deserialize(ReadOnlySpan<byte> src)
    {
        if (_isFixed) CheckFixedLength(src);
        else if (src.Length < _fixedPart)
            throw new SszException($"{Name}: {src.Length} bytes is shorter than its fixed part ({_fixedPart})");
        if ((ulong)src.Length > _maxSize) throw new SszException($"{Name}: {src.Length} bytes exceeds the maximum size");
        var value = new T();
        int at = 0;
        // Variable fields: read all offsets first, then slice between consecutive offsets.
        Span<int> offsets = stackalloc int[_fields.Length];
        int nVar = 0;
        int prev = _fixedPart;
        foreach (var f in _fields)
        {
            if (f.Type.IsFixedSize)
            {
                f.DeserializeInto(value, src.Slice(at, f.Type.FixedSize));
                at += f.Type.FixedSize;
            }
            else
            {
                uint off = BinaryPrimitives.ReadUInt32LittleEndian(src[at..]);
                at += 4;
                if (nVar == 0 && off != _fixedPart)
                    throw new SszException($"{Name}: first offset {off} should be {_fixedPart}");
                if (off < prev) throw new SszException($"{Name}.{f.Name}: offset {off} is before the previous one ({prev})");
                if (off > src.Length) throw new SszException($"{Name}.{f.Name}: offset {off} is past the end ({src.Length} bytes)");
                offsets[nVar++] = (int)off;
                prev = (int)off;
            }
        }
        int k = 0;
        foreach (var f in _fields)
        {
            if (f.Type.IsFixedSize) continue;
            int start = offsets[k];
            int end = k + 1 < nVar ? offsets[k + 1] : src.Length;
            f.DeserializeInto(value, src[start..end]);
            k++;
        }
        return value;
    }

    /// <summary>next_pow_of_two(field count): the leaf chunks of one value's tree.</summary>
    public int LeafChunks => 1 << Merkle.DepthFor((ulong)_fields.Length);

    public int DeferredHashes => _twoChunkFields;

    /// <summary>
    /// The field roots, zero-padded to <see cref="LeafChunks"/> chunks. The roots of 33..64-byte fields
    /// are left to the caller: their padded bytes go to <paramref name="deferred"/> (64 bytes each) and
    /// their chunk indexes to <paramref name="deferredAt"/>, so many can be hashed in one batch.
    /// </summary>
    public void WriteLeafChunks(T value, Span<byte> dest, Span<byte> deferred, Span<int> deferredAt)
    {
        int k = 0;
        for (int i = 0; i < _fields.Length; i++)
        {
            var f = _fields[i];
            if (f.IsTwoChunkBytes)
            {
                Span<byte> d = deferred.Slice(k * 64, 64);
                d.Clear();
                f.Serialize(value, d);
                deferredAt[k++] = i;
            }
            else f.HashTreeRoot(value, dest.Slice(i * 32, 32));
        }
        dest[(_fields.Length * 32)..(LeafChunks * 32)].Clear();
    }

    public override void HashTreeRoot(T value, Span<byte> dest32)
    {
        int n = _fields.Length;
        Span<byte> chunks = stackalloc byte[n * 32];
        for (int i = 0; i < n; i++) _fields[i].HashTreeRoot(value, chunks.Slice(i * 32, 32));
        Merkle.MerkleizeInPlace(chunks, (ulong)n, dest32);
    }

    public override void WriteJson(Utf8JsonWriter w, T value)
    {
        w.WriteStartObject();
        foreach (var f in _fields)
        {
            w.WritePropertyName(f.JsonName);
            f.WriteJson(w, value);
        }
        w.WriteEndObject();
    }

    public override T ReadJson(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new SszException($"{Name}: expected an object, got {e.ValueKind}");
        var value = new T();
        foreach (var f in _fields)
        {
            if (!e.TryGetProperty(f.JsonName, out var fe)) throw new SszException($"{Name}: missing field '{f.JsonName}'");
            f.ReadJson(value, fe);
        }
        return value;
    }

    public override T Default()
    {
        var value = new T();
        foreach (var f in _fields) f.SetDefault(value);
        return value;
    }

    public override T Copy(T value)
    {
        var r = new T();
        foreach (var f in _fields) f.CopyInto(value, r);
        return r;
    }
}
