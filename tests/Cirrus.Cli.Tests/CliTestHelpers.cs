namespace Cirrus.Cli.Tests;

internal static class Cli
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>../shared/testnets, found by walking up from the test binary.</summary>
    public static string Testnets
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
