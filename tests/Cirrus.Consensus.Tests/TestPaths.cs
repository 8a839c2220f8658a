namespace Cirrus.Consensus.Tests;

internal static class TestPaths
{
    /// <summary>../shared/testnets, found by walking up from the test binary.</summary>
    public static string Testnets => Cirrus.Tests.Shared.SharedTestnets.Dir;

    public static string Vectors
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            {
                string c = Path.Combine(d.FullName, "consensus-spec-tests");
                if (File.Exists(Path.Combine(c, ".complete-0.12.3"))) return c;
            }
            throw new InvalidOperationException("consensus-spec-tests missing: run scripts/fetch-spec-tests.sh");
        }
    }

    public static byte[]? ReadIfExists(string path) => File.Exists(path) ? File.ReadAllBytes(path) : null;
}
