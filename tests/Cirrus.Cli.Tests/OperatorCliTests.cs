namespace Cirrus.Cli.Tests;

/// <summary>The operator flags: bad values are one-line errors with exit code 2, and the help names them.</summary>
public class OperatorCliTests
{
    [Theory]
    [InlineData("0x12")]
    [InlineData("0xzz")]
    [InlineData("abc,0x" + "aa")]
    public void BadMonitorPubkeysExitTwo(string keys)
    {
        var (code, _, err) = Cli.Run("beacon-node", "--network", "minimal", "--rest-port", "0", "--validator-monitor-pubkeys", keys);
        Assert.Equal(2, code);
        Assert.StartsWith("error: option --validator-monitor-pubkeys: '", err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
    }

    [Theory]
    [InlineData("devnet", "--metrics-port", "0")]
    [InlineData("devnet", "--metrics-port", "65534")] // P .. P+3 must all be ports
    [InlineData("devnet", "--metrics-port", "x")]
    [InlineData("validator-client", "--network", "minimal", "--data-dir", "d", "--beacon-node", "http://127.0.0.1:1", "--no-doppelganger-protection=yes")]
    [InlineData("beacon-node", "--network", "minimal", "--rest-port", "0", "--no-validator-monitor-auto=1")]
    public void BadOperatorFlagsExitTwo(params string[] args)
    {
        var (code, _, err) = Cli.Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
    }

    [Theory]
    [InlineData("validator-client", "--no-doppelganger-protection")]
    [InlineData("beacon-node", "--validator-monitor-pubkeys")]
    [InlineData("beacon-node", "--no-validator-monitor-auto")]
    [InlineData("devnet", "--metrics-port")]
    public void HelpNamesTheFlags(string command, string flag)
    {
        var (code, output, _) = Cli.Run(command, "--help");
        Assert.Equal(0, code);
        Assert.Contains(flag, output);
    }
}
