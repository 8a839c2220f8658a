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
    public static string Testnets => Cirrus.Tests.Shared.SharedTestnets.Dir;
}
