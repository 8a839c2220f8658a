using static Cirrus.SpecTests.StateTransitionVectors;

namespace Cirrus.SpecTests.Finality;

public class FinalityTests
{
    public static IEnumerable<object[]> Cases() => Both("finality/finality");

    [Theory, MemberData(nameof(Cases))]
    public void finality(string caseRow) => Sanity.SanityTests.RunBlocks(caseRow);
}
