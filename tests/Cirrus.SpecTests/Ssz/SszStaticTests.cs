using System.Reflection;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.SpecTests.Ssz;

/// <summary>Schemas of the spec-test presets (the built-in configs, checked against the vectors' config files).</summary>
public static class TestSchemas
{
    public static SszSchema For(string preset) =>
        Cirrus.Consensus.Config.Networks.Preset(preset)?.Schema ?? throw new InvalidOperationException("unknown preset " + preset);
}

public class SszStaticTests
{
    public static IEnumerable<object[]> Minimal()
    {
        string? root = SpecTestPaths.Root;
        string dir = root is null ? "" : Path.Combine(root, "minimal/phase0/ssz_static");
        if (!Directory.Exists(dir))
        {
            yield return [SpecTestPaths.Missing];
            yield break;
        }
        foreach (string type in Directory.GetDirectories(dir).Order(StringComparer.Ordinal))
            foreach (var row in SpecTestPaths.Cases("minimal/phase0/ssz_static/" + Path.GetFileName(type)))
                yield return row;
    }

    [Theory, MemberData(nameof(Minimal))]
    public void ssz_static(string caseRow)
    {
        string dir = SpecTestPaths.Resolve(caseRow);
        string[] parts = caseRow.Split('/');
        string preset = parts[0], typeName = parts[3];
        Type type = typeof(BeaconState).Assembly.GetType("Cirrus.Consensus.Types." + typeName)
            ?? throw new InvalidOperationException($"no container type {typeName}");
        var method = typeof(SszStaticTests).GetMethod(nameof(Check), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(type);
        try
        {
            method.Invoke(null, [TestSchemas.For(preset), dir]);
        }
        catch (TargetInvocationException e) when (e.InnerException != null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
        }
    }

    private static void Check<T>(SszSchema schema, string dir)
    {
        byte[] serialized = File.ReadAllBytes(Path.Combine(dir, "serialized.ssz"));
        string root = YamlJson.LoadMap(Path.Combine(dir, "roots.yaml"))["root"];
        var type = schema.Get<T>();
        T value = type.Deserialize(serialized);
        Assert.Equal(Convert.ToHexString(serialized), Convert.ToHexString(type.Serialize(value)));
        Assert.Equal(root, type.HashTreeRoot(value).ToString());
        T copy = type.Copy(value);
        Assert.Equal(root, type.HashTreeRoot(copy).ToString());
        T fromJson = type.FromJson(type.ToJson(value));
        Assert.Equal(Convert.ToHexString(serialized), Convert.ToHexString(type.Serialize(fromJson)));
    }

    /// <summary>
    /// The v0.12.3 vector package has no mainnet ssz_static; mainnet-sized types are checked through the
    /// mainnet sanity vectors instead: every state and block round-trips, and the last block's
    /// state_root equals hash_tree_root of the post state.
    /// </summary>
    public static IEnumerable<object[]> MainnetSanityBlocks() => SpecTestPaths.Cases("mainnet/phase0/sanity/blocks");

    [Theory, MemberData(nameof(MainnetSanityBlocks))]
    public void mainnet_states_and_blocks(string caseRow)
    {
        string dir = SpecTestPaths.Resolve(caseRow);
        var schema = TestSchemas.For("mainnet");
        var stateType = schema.Get<BeaconState>();
        var blockType = schema.Get<SignedBeaconBlock>();
        byte[] pre = File.ReadAllBytes(Path.Combine(dir, "pre.ssz"));
        Assert.Equal(Convert.ToHexString(pre), Convert.ToHexString(stateType.Serialize(stateType.Deserialize(pre))));
        var blocks = Directory.GetFiles(dir, "blocks_*.ssz").Order(StringComparer.Ordinal).ToArray();
        SignedBeaconBlock? last = null;
        foreach (string b in blocks)
        {
            byte[] bytes = File.ReadAllBytes(b);
            last = blockType.Deserialize(bytes);
            Assert.Equal(Convert.ToHexString(bytes), Convert.ToHexString(blockType.Serialize(last)));
        }
        string postPath = Path.Combine(dir, "post.ssz");
        if (File.Exists(postPath) && last != null)
        {
            byte[] post = File.ReadAllBytes(postPath);
            BeaconState state = stateType.Deserialize(post);
            Assert.Equal(Convert.ToHexString(post), Convert.ToHexString(stateType.Serialize(state)));
            Assert.Equal(last.Message.StateRoot, stateType.HashTreeRoot(state));
        }
    }
}
