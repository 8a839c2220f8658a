using Cirrus.Consensus.Transition.Epoch;
using static Cirrus.SpecTests.StateTransitionVectors;

namespace Cirrus.SpecTests.EpochProcessing;

public class EpochProcessingTests
{
    public static IEnumerable<object[]> JustificationAndFinalization() => Both("epoch_processing/justification_and_finalization");
    public static IEnumerable<object[]> RewardsAndPenalties() => Both("epoch_processing/rewards_and_penalties");
    public static IEnumerable<object[]> RegistryUpdates() => Both("epoch_processing/registry_updates");
    public static IEnumerable<object[]> Slashings() => Both("epoch_processing/slashings");
    public static IEnumerable<object[]> FinalUpdates() => Both("epoch_processing/final_updates");

    [Theory, MemberData(nameof(JustificationAndFinalization))]
    public void justification_and_finalization(string caseRow) =>
        RunPrePost(caseRow, (cs, _, _) => Consensus.Transition.Epoch.EpochProcessing.ProcessJustificationAndFinalization(cs));

    [Theory, MemberData(nameof(RewardsAndPenalties))]
    public void rewards_and_penalties(string caseRow) =>
        RunPrePost(caseRow, (cs, _, _) => Consensus.Transition.Epoch.EpochProcessing.ProcessRewardsAndPenalties(cs));

    [Theory, MemberData(nameof(RegistryUpdates))]
    public void registry_updates(string caseRow) =>
        RunPrePost(caseRow, (cs, _, _) => Consensus.Transition.Epoch.EpochProcessing.ProcessRegistryUpdates(cs));

    [Theory, MemberData(nameof(Slashings))]
    public void slashings(string caseRow) =>
        RunPrePost(caseRow, (cs, _, _) => Consensus.Transition.Epoch.EpochProcessing.ProcessSlashings(cs));

    [Theory, MemberData(nameof(FinalUpdates))]
    public void final_updates(string caseRow) =>
        RunPrePost(caseRow, (cs, _, _) => Consensus.Transition.Epoch.EpochProcessing.ProcessFinalUpdates(cs));
}
