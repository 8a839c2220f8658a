using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using static Cirrus.SpecTests.StateTransitionVectors;

namespace Cirrus.SpecTests.Sanity;

public class SanityTests
{
    public static IEnumerable<object[]> Slots() => Both("sanity/slots");
    public static IEnumerable<object[]> Blocks() => Both("sanity/blocks");

    [Theory, MemberData(nameof(Slots))]
    public void slots(string caseRow) => RunPrePost(caseRow, (cs, _, dir) =>
        StateTransition.ProcessSlots(cs, cs.State.Slot + LoadUInt64(dir, "slots")));

    [Theory, MemberData(nameof(Blocks))]
    public void blocks(string caseRow) => RunBlocks(caseRow);

    /// <summary>Applies blocks_0..blocks_{n-1} with full validation (shared with the finality vectors).</summary>
    internal static void RunBlocks(string caseRow) => RunPrePost(caseRow, (cs, c, dir) =>
    {
        int count = int.Parse(Meta(dir)["blocks_count"]);
        var verifier = Verifier(dir);
        for (int i = 0; i < count; i++)
            StateTransition.Apply(cs, Load<SignedBeaconBlock>(c, dir, $"blocks_{i}.ssz"), verifier, validateResult: true);
    });
}
