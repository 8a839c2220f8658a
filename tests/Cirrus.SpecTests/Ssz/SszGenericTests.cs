using System.Globalization;
using System.Text.Json;
using Cirrus.Ssz;

namespace Cirrus.SpecTests.Ssz;

// The test containers of general/phase0/ssz_generic/containers (field names as in the YAML).
public sealed class SingleFieldTestStruct { [SszName("A")] public byte A { get; set; } }

public sealed class SmallTestStruct
{
    [SszName("A")] public ushort A { get; set; }
    [SszName("B")] public ushort B { get; set; }
}

public sealed class FixedTestStruct
{
    [SszName("A")] public byte A { get; set; }
    [SszName("B")] public ulong B { get; set; }
    [SszName("C")] public uint C { get; set; }
}

public sealed class VarTestStruct
{
    [SszName("A")] public ushort A { get; set; }
    [SszName("B"), SszList(1024)] public List<ushort> B { get; set; } = [];
    [SszName("C")] public byte C { get; set; }
}

public sealed class ComplexTestStruct
{
    [SszName("A")] public ushort A { get; set; }
    [SszName("B"), SszList(128)] public List<ushort> B { get; set; } = [];
    [SszName("C")] public byte C { get; set; }
    [SszName("D"), SszList(256)] public List<byte> D { get; set; } = [];
    [SszName("E")] public VarTestStruct E { get; set; } = new();
    [SszName("F"), SszVector(4)] public FixedTestStruct[] F { get; set; } = [];
    [SszName("G"), SszVector(2)] public VarTestStruct[] G { get; set; } = [];
}

public sealed class BitsStruct
{
    [SszName("A"), SszList(5)] public Bitlist A { get; set; } = new(0);
    [SszName("B"), SszVector(2)] public Bitvector B { get; set; } = new(2);
    [SszName("C"), SszVector(1)] public Bitvector C { get; set; } = new(1);
    [SszName("D"), SszList(6)] public Bitlist D { get; set; } = new(0);
    [SszName("E"), SszVector(8)] public Bitvector E { get; set; } = new(8);
}

/// <summary>Runs one case against a concretely typed SSZ type.</summary>
internal interface ICaseRunner
{
    void Valid(byte[] serialized, string expectedRoot, JsonElement value);
    void Invalid(byte[] serialized);
}

internal sealed class CaseRunner<T>(SszType<T> type) : ICaseRunner
{
    public void Valid(byte[] serialized, string expectedRoot, JsonElement value)
    {
        T decoded = type.Deserialize(serialized);
        Assert.Equal(Convert.ToHexString(serialized), Convert.ToHexString(type.Serialize(decoded)));
        Assert.Equal(expectedRoot, type.HashTreeRoot(decoded).ToString());
        // The YAML value, read through our JSON reader, must encode to the same bytes.
        T fromYaml = type.ReadJson(value);
        Assert.Equal(Convert.ToHexString(serialized), Convert.ToHexString(type.Serialize(fromYaml)));
        // And our JSON form must read back to the same value.
        Assert.Equal(Convert.ToHexString(serialized), Convert.ToHexString(type.Serialize(type.FromJson(type.ToJson(decoded)))));
    }

    public void Invalid(byte[] serialized)
    {
        var e = Assert.Throws<SszException>(() => type.Deserialize(serialized));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }
}

public class SszGenericTests
{
    private static readonly SszSchema Schema = new(_ => null);

    public static IEnumerable<object[]> BasicVector => SpecTestPaths.Cases("general/phase0/ssz_generic/basic_vector");
    public static IEnumerable<object[]> Bitlist => SpecTestPaths.Cases("general/phase0/ssz_generic/bitlist");
    public static IEnumerable<object[]> Bitvector => SpecTestPaths.Cases("general/phase0/ssz_generic/bitvector");
    public static IEnumerable<object[]> Boolean => SpecTestPaths.Cases("general/phase0/ssz_generic/boolean");
    public static IEnumerable<object[]> Uints => SpecTestPaths.Cases("general/phase0/ssz_generic/uints");
    public static IEnumerable<object[]> Containers => SpecTestPaths.Cases("general/phase0/ssz_generic/containers");

    [Theory, MemberData(nameof(BasicVector))] public void basic_vector(string c) => Run(c);
    [Theory, MemberData(nameof(Bitlist))] public void bitlist(string c) => Run(c);
    [Theory, MemberData(nameof(Bitvector))] public void bitvector(string c) => Run(c);
    [Theory, MemberData(nameof(Boolean))] public void boolean(string c) => Run(c);
    [Theory, MemberData(nameof(Uints))] public void uints(string c) => Run(c);
    [Theory, MemberData(nameof(Containers))] public void containers(string c) => Run(c);

    private static void Run(string caseRow)
    {
        string dir = SpecTestPaths.Resolve(caseRow);
        string[] parts = caseRow.Split('/');
        string handler = parts[^3], suite = parts[^2], name = parts[^1];
        byte[] serialized = File.ReadAllBytes(Path.Combine(dir, "serialized.ssz"));
        ICaseRunner runner;
        try
        {
            runner = RunnerFor(handler, name);
        }
        catch (ArgumentException) when (suite == "invalid")
        {
            return; // the type itself is illegal (e.g. a zero-length vector): nothing can decode as it
        }
        if (suite == "valid")
        {
            string root = YamlJson.LoadMap(Path.Combine(dir, "meta.yaml"))["root"];
            using var value = YamlJson.ToJson(YamlJson.Load(Path.Combine(dir, "value.yaml")));
            runner.Valid(serialized, root, value.RootElement);
        }
        else
        {
            Assert.Equal("invalid", suite);
            runner.Invalid(serialized);
        }
    }

    private static ICaseRunner Make<T>(SszType<T> t) => new CaseRunner<T>(t);

    private static ICaseRunner RunnerFor(string handler, string name)
    {
        string[] p = name.Split('_');
        return handler switch
        {
            "boolean" => Make(SszSchema.Boolean),
            "uints" => UintRunner(int.Parse(p[1], CultureInfo.InvariantCulture)),
            "bitvector" => Make(new BitvectorType(int.Parse(p[1], CultureInfo.InvariantCulture))),
            // "bitlist_no_delimiter_*" names no limit: no limit makes those bytes valid.
            "bitlist" => Make(new BitlistType(ulong.TryParse(p[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong l) ? l : 8)),
            "basic_vector" => VectorRunner(p[1], int.Parse(p[2], CultureInfo.InvariantCulture)),
            "containers" => p[0] switch
            {
                "SingleFieldTestStruct" => Make(Schema.Get<SingleFieldTestStruct>()),
                "SmallTestStruct" => Make(Schema.Get<SmallTestStruct>()),
                "FixedTestStruct" => Make(Schema.Get<FixedTestStruct>()),
                "VarTestStruct" => Make(Schema.Get<VarTestStruct>()),
                "ComplexTestStruct" => Make(Schema.Get<ComplexTestStruct>()),
                "BitsStruct" => Make(Schema.Get<BitsStruct>()),
                _ => throw new InvalidOperationException("unknown container " + p[0]),
            },
            _ => throw new InvalidOperationException("unknown handler " + handler),
        };
    }

    private static ICaseRunner UintRunner(int bits) => bits switch
    {
        8 => Make(SszSchema.UInt8),
        16 => Make(SszSchema.UInt16),
        32 => Make(SszSchema.UInt32),
        64 => Make(SszSchema.UInt64),
        128 => Make(SszSchema.UInt128),
        256 => Make(SszSchema.UInt256),
        _ => throw new InvalidOperationException("unknown uint size " + bits),
    };

    private static ICaseRunner VectorRunner(string elem, int n) => elem switch
    {
        "bool" => Make(new VectorType<bool>(SszSchema.Boolean, n)),
        "uint8" => Make(new VectorType<byte>(SszSchema.UInt8, n)),
        "uint16" => Make(new VectorType<ushort>(SszSchema.UInt16, n)),
        "uint32" => Make(new VectorType<uint>(SszSchema.UInt32, n)),
        "uint64" => Make(new VectorType<ulong>(SszSchema.UInt64, n)),
        "uint128" => Make(new VectorType<UInt128>(SszSchema.UInt128, n)),
        "uint256" => Make(new VectorType<UInt256>(SszSchema.UInt256, n)),
        _ => throw new InvalidOperationException("unknown element type " + elem),
    };
}
