using Cirrus.Ssz;
using YamlDotNet.RepresentationModel;
using static Cirrus.SpecTests.StateTransitionVectors;

namespace Cirrus.SpecTests.Shuffling;

public class ShufflingTests
{
    public static IEnumerable<object[]> Cases() => Both("shuffling/core");

    [Theory, MemberData(nameof(Cases))]
    public void shuffle(string caseRow)
    {
        string dir = SpecTestPaths.Resolve(caseRow);
        var c = Config(caseRow);
        var map = (YamlMappingNode)YamlJson.Load(Path.Combine(dir, "mapping.yaml"));
        var seed = Bytes32.FromHex(((YamlScalarNode)map["seed"]).Value!);
        int count = int.Parse(((YamlScalarNode)map["count"]).Value!);
        var mapping = ((YamlSequenceNode)map["mapping"]).Children.Select(n => ulong.Parse(((YamlScalarNode)n).Value!)).ToArray();
        Assert.Equal(count, mapping.Length);
        int rounds = (int)c.ShuffleRoundCount;
        var list = new int[count];
        for (int i = 0; i < count; i++) list[i] = i;
        Consensus.Helpers.Shuffling.ShuffleList(list, seed, rounds);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(mapping[i], (ulong)list[i]);
            if (i < 40 || i % 17 == 0)
                Assert.Equal(mapping[i], Consensus.Helpers.Shuffling.ComputeShuffledIndex((ulong)i, (ulong)count, seed, rounds));
        }
    }
}
