namespace Cirrus.Tests.Shared;

/// <summary>Compiled into several test projects (linked): where the real testnet files are.</summary>
internal static class SharedTestnets
{
    /// <summary>../shared/testnets, found by walking up from the test binary.</summary>
    public static string Dir
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            {
                string c = Path.Combine(d.FullName, "shared", "testnets");
                if (Directory.Exists(c)) return c;
                c = Path.Combine(d.FullName, "..", "shared", "testnets");
                if (Directory.Exists(c)) return Path.GetFullPath(c);
            }
            throw new InvalidOperationException("shared/testnets not found next to the repository");
        }
    }
}
