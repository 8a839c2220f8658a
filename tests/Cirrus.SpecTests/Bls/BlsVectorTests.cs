using Cirrus.Crypto;
using YamlDotNet.RepresentationModel;

namespace Cirrus.SpecTests.Bls;

/// <summary>general/phase0/bls: sign, verify, aggregate, fast_aggregate_verify, aggregate_verify.</summary>
public class BlsVectorTests
{
    public static IEnumerable<object[]> SignCases() => SpecTestPaths.Cases("general/phase0/bls/sign");
    public static IEnumerable<object[]> VerifyCases() => SpecTestPaths.Cases("general/phase0/bls/verify");
    public static IEnumerable<object[]> AggregateCases() => SpecTestPaths.Cases("general/phase0/bls/aggregate");
    public static IEnumerable<object[]> FastAggregateVerifyCases() => SpecTestPaths.Cases("general/phase0/bls/fast_aggregate_verify");
    public static IEnumerable<object[]> AggregateVerifyCases() => SpecTestPaths.Cases("general/phase0/bls/aggregate_verify");

    private static YamlMappingNode Load(string caseRow)
    {
        string dir = SpecTestPaths.Resolve(caseRow);
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(dir, "data.yaml"))) yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static YamlNode Get(YamlNode node, string key) => ((YamlMappingNode)node).Children[new YamlScalarNode(key)];

    private static string? Scalar(YamlNode node)
    {
        string? v = ((YamlScalarNode)node).Value;
        return string.IsNullOrEmpty(v) || v == "null" || v == "~" ? null : v;
    }

    private static byte[] Hex(YamlNode node)
    {
        string s = Scalar(node) ?? throw new InvalidOperationException("expected a hex value");
        return Convert.FromHexString(s.StartsWith("0x", StringComparison.Ordinal) ? s[2..] : s);
    }

    private static bool Bool(YamlNode node) => bool.Parse(Scalar(node)!);

    private static List<byte[]> HexList(YamlNode node)
    {
        var r = new List<byte[]>();
        foreach (YamlNode n in (YamlSequenceNode)node) r.Add(Hex(n));
        return r;
    }

    private static bool TryKeys(List<byte[]> raw, out BlsPublicKey[] keys)
    {
        keys = new BlsPublicKey[raw.Count];
        for (int i = 0; i < raw.Count; i++)
        {
            if (!BlsPublicKey.TryFromBytes(raw[i], out BlsPublicKey? k)) return false;
            keys[i] = k!;
        }
        return true;
    }

    [Theory]
    [MemberData(nameof(SignCases))]
    public void Sign(string caseRow)
    {
        var doc = Load(caseRow);
        var input = Get(doc, "input");
        byte[] sk = Hex(Get(input, "privkey"));
        byte[] msg = Hex(Get(input, "message"));
        string? expected = Scalar(Get(doc, "output"));
        if (expected is null)
        {
            Assert.Throws<BlsException>(() => BlsSecretKey.FromBytes(sk).Sign(msg));
            return;
        }
        using var key = BlsSecretKey.FromBytes(sk);
        byte[] sig = key.Sign(msg).ToBytes();
        Assert.Equal(Hex(Get(doc, "output")), sig);
        Assert.True(Crypto.Bls.Verify(key.PublicKey, msg, BlsSignature.FromBytes(sig)));
    }

    [Theory]
    [MemberData(nameof(VerifyCases))]
    public void Verify(string caseRow)
    {
        var doc = Load(caseRow);
        var input = Get(doc, "input");
        bool ok = Crypto.Bls.Verify(Hex(Get(input, "pubkey")), Hex(Get(input, "message")), Hex(Get(input, "signature")));
        Assert.Equal(Bool(Get(doc, "output")), ok);
    }

    [Theory]
    [MemberData(nameof(AggregateCases))]
    public void Aggregate(string caseRow)
    {
        var doc = Load(caseRow);
        List<byte[]> raw = HexList(Get(doc, "input"));
        string? expected = Scalar(Get(doc, "output"));
        var sigs = new List<BlsSignature>();
        bool decoded = true;
        foreach (byte[] r in raw)
        {
            if (BlsSignature.TryFromBytes(r, out BlsSignature? s)) sigs.Add(s!);
            else decoded = false;
        }
        if (expected is null)
        {
            Assert.True(!decoded || Assert.Throws<BlsException>(() => BlsSignature.Aggregate(sigs.ToArray())) is not null);
            return;
        }
        Assert.True(decoded);
        Assert.Equal(Hex(Get(doc, "output")), BlsSignature.Aggregate(sigs.ToArray()).ToBytes());
    }

    [Theory]
    [MemberData(nameof(FastAggregateVerifyCases))]
    public void FastAggregateVerify(string caseRow)
    {
        var doc = Load(caseRow);
        var input = Get(doc, "input");
        bool expected = Bool(Get(doc, "output"));
        bool ok = TryKeys(HexList(Get(input, "pubkeys")), out BlsPublicKey[] keys)
            && BlsSignature.TryFromBytes(Hex(Get(input, "signature")), out BlsSignature? sig)
            && Crypto.Bls.FastAggregateVerify(keys, Hex(Get(input, "message")), sig!);
        Assert.Equal(expected, ok);
        // The batch verifier must agree with the direct check.
        if (keys.Length > 0 && BlsSignature.TryFromBytes(Hex(Get(input, "signature")), out BlsSignature? s2) && keys.All(k => k is not null))
        {
            var batch = new BlsBatchVerifier();
            batch.AddFastAggregate(keys, Hex(Get(input, "message")), s2!);
            Assert.Equal(expected, batch.Verify());
        }
    }

    [Theory]
    [MemberData(nameof(AggregateVerifyCases))]
    public void AggregateVerify(string caseRow)
    {
        var doc = Load(caseRow);
        var input = Get(doc, "input");
        List<byte[]> msgs = HexList(Get(input, "messages"));
        bool ok = TryKeys(HexList(Get(input, "pubkeys")), out BlsPublicKey[] keys)
            && BlsSignature.TryFromBytes(Hex(Get(input, "signature")), out BlsSignature? sig)
            && Crypto.Bls.AggregateVerify(keys, msgs.ToArray(), sig!);
        Assert.Equal(Bool(Get(doc, "output")), ok);
    }
}
