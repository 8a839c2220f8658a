namespace Cirrus.SpecTests;

public class SpecTestPathsTests
{
    [Fact]
    public void VectorsArePresent()
    {
        Assert.True(SpecTestPaths.Root is not null, "Spec vectors are missing: run scripts/fetch-spec-tests.sh");
        Assert.True(File.Exists(Path.Combine(SpecTestPaths.Root!, "minimal", "config", "phase0.yaml")));
    }
}
