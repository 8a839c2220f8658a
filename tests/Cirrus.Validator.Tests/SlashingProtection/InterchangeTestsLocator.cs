namespace Cirrus.Validator.Tests.SlashingProtection;

/// <summary>shared/slashing-protection-interchange-tests, found by walking up from the test binary.</summary>
internal static class InterchangeTestsLocator
{
    private const string Folder = "slashing-protection-interchange-tests";

    public static string Dir
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            {
                string c = Path.Combine(d.FullName, "shared", Folder);
                if (Directory.Exists(c)) return c;
            }
            throw new InvalidOperationException(
                $"shared/{Folder} not found above {AppContext.BaseDirectory}: it holds the EIP-3076 test suite (eth-clients/{Folder} release v5.3.0, folder tests/)");
        }
    }

    public static string Generated => Path.Combine(Dir, "tests", "generated");
}
