using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Transition.Epoch;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using static Cirrus.SpecTests.StateTransitionVectors;

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
        var summary = new EpochSummary(cs);
        int n = cs.State.Validators.Count;
        var failures = new List<string>();
        foreach (var (file, component) in new[]
                 {
                     ("source_deltas.ssz", DeltaComponents.Source), ("target_deltas.ssz", DeltaComponents.Target),
                     ("head_deltas.ssz", DeltaComponents.Head), ("inclusion_delay_deltas.ssz", DeltaComponents.InclusionDelay),
                     ("inactivity_penalty_deltas.ssz", DeltaComponents.InactivityPenalty),
                 })
        {
            var expected = Load<Deltas>(c, dir, file);
            var rewards = new ulong[n];
            var penalties = new ulong[n];
            Consensus.Transition.Epoch.EpochProcessing.ComputeAttestationDeltas(cs, summary, component, rewards, penalties);
            if (!expected.Rewards.SequenceEqual(rewards)) failures.Add(file + " rewards");
            if (!expected.Penalties.SequenceEqual(penalties)) failures.Add(file + " penalties");
        }
        Assert.True(failures.Count == 0, "mismatch in " + string.Join(", ", failures));
    }
}
