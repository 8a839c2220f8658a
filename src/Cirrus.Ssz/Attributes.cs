namespace Cirrus.Ssz;

/// <summary>
/// Length of an SSZ Vector (or Bitvector) field: a number, or a size expression over named
/// constants such as "SLOTS_PER_HISTORICAL_ROOT" or "DEPOSIT_CONTRACT_TREE_DEPTH+1", resolved
/// by the <see cref="SszSchema"/> the container is used with (so one type serves every preset).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SszVectorAttribute : Attribute
{
    public SszVectorAttribute(long length) => Size = length.ToString(System.Globalization.CultureInfo.InvariantCulture);
    public SszVectorAttribute(string size) => Size = size;
    public string Size { get; }
}

/// <summary>Limit of an SSZ List (or Bitlist) field; same size expressions as <see cref="SszVectorAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SszListAttribute : Attribute
{
    public SszListAttribute(long limit) => Size = limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
    public SszListAttribute(string size) => Size = size;
    public string Size { get; }
}

/// <summary>Overrides the snake_case name derived from the property name (JSON/YAML field name).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SszNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>Excludes a property from the SSZ container (e.g. a cache).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SszIgnoreAttribute : Attribute;
