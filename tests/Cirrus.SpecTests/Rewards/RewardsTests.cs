using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Transition.Epoch;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using static Cirrus.SpecTests.StateTransitionVectors;
using EP = Cirrus.Consensus.Transition.Epoch.EpochProcessing;

namespace Cirrus.SpecTests.Rewards;

/// <summary>The rewards vectors' Deltas container (spec tests format only).</summary>
public sealed class Deltas
{
    [SszList("VALIDATOR_REGISTRY_LIMIT")] public List<ulong> Rewards { get; set; } = [];
    [SszList("VALIDATOR_REGISTRY_LIMIT")] public List<ulong> Penalties { get; set; } = [];
}

public class RewardsTests
{
    public static IEnumerable<object[]> Cases() =>
        Both("rewards/basic").Concat(Both("rewards/leak")).Concat(Both("rewards/random"));

    [Theory, MemberData(nameof(Cases))]
    public void rewards(string caseRow)
    {
        string dir = SpecTestPaths.Resolve(caseRow);
        var c = Config(caseRow);
        var cs = new CachedBeaconState(c, Load<BeaconState>(c, dir, "pre.ssz"));
        int n = cs.State.Validators.Count;
        var failures = new List<string>();
        foreach (var (file, get) in new (string, Func<CachedBeaconState, (ulong[], ulong[])>)[]
                 {
                     ("source_deltas.ssz", EP.GetSourceDeltas), ("target_deltas.ssz", EP.GetTargetDeltas),
                     ("head_deltas.ssz", EP.GetHeadDeltas), ("inclusion_delay_deltas.ssz", EP.GetInclusionDelayDeltas),
                     ("inactivity_penalty_deltas.ssz", EP.GetInactivityPenaltyDeltas),
                 })
        {
            var expected = Load<Deltas>(c, dir, file);
            var (rewards, penalties) = get(cs);
            Assert.Equal(n, rewards.Length);
            if (!expected.Rewards.SequenceEqual(rewards)) failures.Add(file + " rewards");
            if (!expected.Penalties.SequenceEqual(penalties)) failures.Add(file + " penalties");
        }
        Assert.True(failures.Count == 0, "mismatch in " + string.Join(", ", failures));
    }
}
