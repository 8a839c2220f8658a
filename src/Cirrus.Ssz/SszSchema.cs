using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;

namespace Cirrus.Ssz;

/// <summary>
/// Derives SSZ types from CLR types, with the sizes in [SszList]/[SszVector] expressions resolved by
/// a name resolver (a preset). One schema per preset; codecs are built once and cached; thread-safe.
/// </summary>
public sealed class SszSchema
{
    private readonly Func<string, ulong?> _resolveSize;
    private readonly ConcurrentDictionary<Type, SszType> _types = new();

    public static readonly UInt8Type UInt8 = new();
    public static readonly UInt16Type UInt16 = new();
    public static readonly UInt32Type UInt32 = new();
    public static readonly UInt64Type UInt64 = new();
    public static readonly UInt128Type UInt128 = new();
    public static readonly UInt256Type UInt256 = new();
    public static readonly BooleanType Boolean = new();

    public SszSchema(Func<string, ulong?> resolveSize) => _resolveSize = resolveSize;

    /// <summary>The SSZ type of <typeparamref name="T"/>: a container class, a basic type or a BytesN.</summary>
    public SszType<T> Get<T>() => (SszType<T>)Get(typeof(T));

    public SszType Get(Type t)
    {
        if (_types.TryGetValue(t, out var cached)) return cached;
        var built = Build(t, null);
        return _types.GetOrAdd(t, built);
    }

    public byte[] Serialize<T>(T value) => Get<T>().Serialize(value);

    public T Deserialize<T>(ReadOnlySpan<byte> bytes) => Get<T>().Deserialize(bytes);

    public Bytes32 HashTreeRoot<T>(T value) => Get<T>().HashTreeRoot(value);

    public T Default<T>() where T : class => Get<T>().Default();

    public T Copy<T>(T value) => Get<T>().Copy(value);

    internal SszType ResolveProperty(PropertyInfo p)
    {
        var vec = p.GetCustomAttribute<SszVectorAttribute>();
        var list = p.GetCustomAttribute<SszListAttribute>();
        if (vec != null && list != null) throw new ArgumentException($"{p.DeclaringType?.Name}.{p.Name}: both [SszVector] and [SszList]");
        string where = $"{p.DeclaringType?.Name}.{p.Name}";
        if (vec != null) return Build(p.PropertyType, (false, Evaluate(vec.Size, where)), where);
        if (list != null) return Build(p.PropertyType, (true, Evaluate(list.Size, where)), where);
        return Get(p.PropertyType);
    }

    private SszType Build(Type t, (bool IsList, ulong Size)? size, string? where = null)
    {
        where ??= t.Name;
        if (size is null)
        {
            if (t == typeof(byte)) return UInt8;
            if (t == typeof(ushort)) return UInt16;
            if (t == typeof(uint)) return UInt32;
            if (t == typeof(ulong)) return UInt64;
            if (t == typeof(System.UInt128)) return UInt128;
            if (t == typeof(Cirrus.Ssz.UInt256)) return UInt256;
            if (t == typeof(bool)) return Boolean;
            if (t.IsValueType && t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IFixedBytes<>)))
                return (SszType)Activator.CreateInstance(typeof(FixedBytesType<>).MakeGenericType(t))!;
            if (t.IsClass && !t.IsArray && !t.IsGenericType && t != typeof(Bitlist) && t != typeof(Bitvector) && t != typeof(string))
            {
                try
                {
                    return (SszType)Activator.CreateInstance(typeof(ContainerType<>).MakeGenericType(t),
                        BindingFlags.NonPublic | BindingFlags.Instance, null, [this], null)!;
                }
                catch (TargetInvocationException e) when (e.InnerException is ArgumentException inner)
                {
                    throw inner;
                }
            }
            throw new ArgumentException($"{where}: {t.Name} needs an [SszList] or [SszVector] size");
        }
        var (isList, n) = size.Value;
        if (t == typeof(Bitvector) && !isList) return new BitvectorType(checked((int)n));
        if (t == typeof(Bitlist) && isList) return new BitlistType(n);
        if (t.IsArray && !isList)
        {
            var elem = t.GetElementType()!;
            return (SszType)Activator.CreateInstance(typeof(VectorType<>).MakeGenericType(elem), Get(elem), checked((int)n))!;
        }
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>) && isList)
        {
            var elem = t.GetGenericArguments()[0];
            return (SszType)Activator.CreateInstance(typeof(ListType<>).MakeGenericType(elem), Get(elem), n)!;
        }
        throw new ArgumentException($"{where}: {t.Name} cannot be an SSZ {(isList ? "List" : "Vector")}");
    }

    /// <summary>Evaluates "A", "123", "A*B", "A+1" (sums of products of names and numbers).</summary>
    public ulong Evaluate(string expression, string where = "")
    {
        ulong sum = 0;
        foreach (string term in expression.Split('+'))
        {
            ulong product = 1;
            foreach (string raw in term.Split('*'))
            {
                string f = raw.Trim();
                ulong v = ulong.TryParse(f, NumberStyles.None, CultureInfo.InvariantCulture, out ulong num)
                    ? num
                    : _resolveSize(f) ?? throw new ArgumentException($"{where}: unknown size constant '{f}'");
                product = checked(product * v);
            }
            sum = checked(sum + product);
        }
        return sum;
    }
}
