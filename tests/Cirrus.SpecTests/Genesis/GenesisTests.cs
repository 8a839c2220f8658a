using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using static Cirrus.SpecTests.StateTransitionVectors;

namespace Cirrus.SpecTests.Genesis;

public class GenesisTests
{
    public static IEnumerable<object[]> Initialization() => SpecTestPaths.Cases("minimal/phase0/genesis/initialization");
    public static IEnumerable<object[]> Validity() => SpecTestPaths.Cases("minimal/phase0/genesis/validity");

    [Theory, MemberData(nameof(Initialization))]
    public void initialization(string caseRow)
    {
        string dir = SpecTestPaths.Resolve(caseRow);
        var c = Config(caseRow);
        var hash = Bytes32.FromSpan(File.ReadAllBytes(Path.Combine(dir, "eth1_block_hash.ssz")));
        ulong timestamp = LoadUInt64(dir, "eth1_timestamp");
        int count = int.Parse(Meta(dir)["deposits_count"]);
        var deposits = new List<Deposit>();
        for (int i = 0; i < count; i++) deposits.Add(Load<Deposit>(c, dir, $"deposits_{i}.ssz"));
        var state = Eth1Genesis.InitializeBeaconStateFromEth1(c, hash, timestamp, deposits, Verifier(dir));
        AssertStatesEqual(c, Load<BeaconState>(c, dir, "state.ssz"), state);
    }

    [Theory, MemberData(nameof(Validity))]
    public void validity(string caseRow)
    {
        string dir = SpecTestPaths.Resolve(caseRow);
        var c = Config(caseRow);
        var state = Load<BeaconState>(c, dir, "genesis.ssz");
        string text = File.ReadAllText(Path.Combine(dir, "is_valid.yaml")).Replace("...", "").Trim();
        Assert.Equal(bool.Parse(text), Eth1Genesis.IsValidGenesisState(c, state));
    }
}
