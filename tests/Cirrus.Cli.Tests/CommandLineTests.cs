using System.CommandLine;
using System.Diagnostics;

namespace Cirrus.Cli.Tests;

/// <summary>The command line as System.CommandLine parses it: help, errors, response files, environment variables, completion.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cirrus-cmdline-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private static string MedallaBlock => Path.Combine(Cli.Testnets, "medalla", "recent-finalized-block.ssz");

    private static string Words(string s) => string.Join(' ', s.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));

    private static void OneLine(string err) => Assert.Single(err.TrimEnd('\n').Split('\n'));

    public static TheoryData<string> CommandPaths()
    {
        var data = new TheoryData<string>();
        foreach (var c in Program.Commands) data.Add(c.Group is null ? c.Name : c.Group + " " + c.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(CommandPaths))]
    public void EveryCommandHasGeneratedHelpNamingEveryOptionWithADescription(string path)
    {
        var cmd = Program.Commands.Single(c => (c.Group is null ? c.Name : c.Group + " " + c.Name) == path);
        var (code, output, err) = Cli.Run([.. path.Split(' '), "--help"]);
        Assert.Equal(0, code);
        Assert.Equal("", err);
        Assert.Contains($"cirrus {path}", output);
        Assert.Contains(Words(cmd.Summary), Words(output)); // help wraps long lines
        foreach (var s in cmd.Symbols)
        {
            Assert.False(string.IsNullOrWhiteSpace(s.Description), $"{path} {s.Name} has no description");
            if (s is Option o) Assert.Contains(o.Name, output);
        }
    }

    [Fact]
    public void RootHelpListsCommandsGroupsAndHowToComplete()
    {
        var (code, output, _) = Cli.Run("--help");
        Assert.Equal(0, code);
        foreach (var name in new[] { "beacon-node", "validator-client", "devnet", "ncli", "deposits", "completion", "deposits create|new-mnemonic|send" })
            Assert.Contains(name, output);
        Assert.Contains("@FILE", output);
        (code, output, _) = Cli.Run("beacon-node", "--help");
        Assert.Contains("CIRRUS_DATA_DIR", output);
        (code, output, _) = Cli.Run("help");
        Assert.Equal(0, code);
        Assert.Contains("Usage:", output);
        (code, output, _) = Cli.Run("-V");
        Assert.Equal(0, code);
        Assert.StartsWith("cirrus ", output);
    }

    [Theory]
    [InlineData("unknown option --typo", "ncli", "pretty", "--typo", "x.ssz")]
    [InlineData("unknown option --typo", "ncli", "slots", "--typo=3")]
    [InlineData("unknown option --typo", "beacon-node", "--typo", "value")]
    [InlineData("option --pre needs a value", "ncli", "slots", "--pre")]
    [InlineData("option --force takes no value", "ncli", "slots", "--force=yes")]
    [InlineData("unexpected argument 'extra'", "deposits", "new-mnemonic", "--out", "m.txt", "extra")]
    [InlineData("unknown command 'frobnicate'", "frobnicate")]
    [InlineData("unknown command 'ncli frobnicate'", "ncli", "frobnicate")]
    [InlineData("option --graffiti belongs to 'cirrus validator-client'", "validator-client", "--graffiti", "x", "import")]
    [InlineData("option --validators: 'ten' is not a non-negative integer", "ncli", "interop-genesis", "--preset", "minimal", "--validators", "ten")]
    [InlineData("missing required option --out", "ncli", "interop-genesis", "--preset", "minimal", "--validators", "8", "--genesis-time", "0")]
    [InlineData("response file '/nonexistent/args.rsp'", "ncli", "pretty", "@/nonexistent/args.rsp")]
    public void UsageErrorsAreOneLineWithExitCodeTwo(string expected, params string[] args)
    {
        var (code, output, err) = Cli.Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        OneLine(err);
        Assert.StartsWith("error: ", err);
        Assert.Contains(expected, err);
    }

    [Fact]
    public void DoubleDashEndsTheOptions()
    {
        // after `--` a dash-led word is a file name, not a misspelt option
        var (code, _, err) = Cli.Run("ncli", "hash-tree-root", "--type", "BeaconState", "--", "--not-an-option.ssz");
        Assert.Equal(1, code);
        Assert.Equal("error: file not found: --not-an-option.ssz\n", err);
    }

    [Fact]
    public void ResponseFileArgumentsAreTheSameAsTypedOnes()
    {
        var typed = Cli.Run("ncli", "hash-tree-root", "--type", "SignedBeaconBlock", "--preset", "mainnet", MedallaBlock);
        Assert.Equal(0, typed.Code);
        File.WriteAllText(P("args.rsp"), "--type SignedBeaconBlock\n--preset=mainnet\n");
        var fromFile = Cli.Run("ncli", "hash-tree-root", "@" + P("args.rsp"), MedallaBlock);
        Assert.Equal(0, fromFile.Code);
        Assert.Equal(typed.Out, fromFile.Out);
        File.WriteAllText(P("all.rsp"), $"ncli\nhash-tree-root\n--type\nSignedBeaconBlock\n\"{MedallaBlock}\"\n");
        Assert.Equal(typed.Out, Cli.Run("@" + P("all.rsp")).Out);
    }

    [Fact]
    public void AValueOptionGivenTwiceTakesTheLastAndARepeatableOneKeepsAll()
    {
        var a = Program.Parse(["beacon-node", "--network", "mainnet", "--network", "minimal", "--peer", "p1", "--peer", "p2", "--no-discovery"]);
        Assert.Equal("minimal", a.Option("network"));
        Assert.Equal(["p1", "p2"], a.Options("peer"));
        Assert.True(a.Flag("no-discovery"));
        Assert.False(a.Flag("subscribe-all-subnets"));
    }

    [Fact]
    public void EnvironmentVariablesSitBetweenTheCommandLineAndTheConfigFile()
    {
        string config = P("vc.yaml");
        File.WriteAllText(config, "network: mainnet\ngraffiti: from-file\nmetrics-port: 9001\nno-doppelganger-protection: true\ndata-dir: file-dir\n");
        Dictionary<string, string> env = new()
        {
            ["CIRRUS_NETWORK"] = "minimal",
            ["CIRRUS_METRICS_PORT"] = "9002",
            ["CIRRUS_NO_DOPPELGANGER_PROTECTION"] = "false",
            ["CIRRUS_BEACON_NODE"] = "http://127.0.0.1:1",
            ["CIRRUS_CONFIG"] = config,
        };
        var a = Program.Parse(["validator-client", "--metrics-port", "9003"], env.GetValueOrDefault);
        Assert.Equal("9003", a.Option("metrics-port"));          // command line
        Assert.Equal("minimal", a.Option("network"));            // environment over file
        Assert.False(a.Flag("no-doppelganger-protection"));      // an environment `false` over the file's `true`
        Assert.Equal(["http://127.0.0.1:1"], a.Options("beacon-node"));
        Assert.Equal("from-file", a.Option("graffiti"));         // file
        Assert.Equal("file-dir", a.Option("data-dir"));
        Assert.Null(a.Option("interop-validators"));             // nowhere: the command's default

        // a repeatable option's variable holds a comma-separated list
        env = new Dictionary<string, string> { ["CIRRUS_BEACON_NODE"] = "http://127.0.0.1:1, http://127.0.0.1:2" };
        Assert.Equal(["http://127.0.0.1:1", "http://127.0.0.1:2"], Program.Parse(["validator-client"], env.GetValueOrDefault).Options("beacon-node"));
    }

    [Fact]
    public void EnvironmentValuesReachTheCommandAndBadOnesAreOneLineErrors()
    {
        var env = new Dictionary<string, string> { ["CIRRUS_NETWORK"] = "minimal", ["CIRRUS_DATA_DIR"] = P("d"), ["CIRRUS_METRICS_PORT"] = "70000" };
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Program.Run(["validator-client", "--beacon-node", "http://127.0.0.1:1"], o, e, env.GetValueOrDefault);
        Assert.Equal(2, code);
        Assert.Equal("error: option --metrics-port: 70000 is not a port number", e.ToString().TrimEnd());

        env = new Dictionary<string, string> { ["CIRRUS_SUBSCRIBE_ALL_SUBNETS"] = "maybe" };
        e = new StringWriter();
        Assert.Equal(2, Program.Run(["beacon-node", "--network", "minimal"], o, e, env.GetValueOrDefault));
        OneLine(e.ToString());
        Assert.StartsWith("error: CIRRUS_SUBSCRIBE_ALL_SUBNETS: 'maybe' is not true or false", e.ToString());

        // only the service commands read the environment
        env = new Dictionary<string, string> { ["CIRRUS_TYPE"] = "SignedBeaconBlock" };
        e = new StringWriter();
        Assert.Equal(2, Program.Run(["ncli", "hash-tree-root", MedallaBlock], o, e, env.GetValueOrDefault));
        Assert.StartsWith("error: missing required option --type", e.ToString());
    }

    [Fact]
    public void SuggestDirectiveCompletesOptionsAndCommands()
    {
        var (code, output, _) = Cli.Run("[suggest:23]", "cirrus beacon-node --da");
        Assert.Equal(0, code);
        Assert.Equal(["--data-dir"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        (_, output, _) = Cli.Run("[suggest:15]", "cirrus ncli tra");
        Assert.Contains("transition", output.Split('\n'));
        (_, output, _) = Cli.Run("[suggest:35]", "cirrus validator-client slashing-pro");
        Assert.Contains("slashing-protection", output.Split('\n'));
        // option values with a fixed set of choices complete too
        string line = "cirrus devnet --log-format ";
        (_, output, _) = Cli.Run($"[suggest:{line.Length}]", line);
        Assert.Equal(["json", "text"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
        line = "cirrus beacon-node --network me";
        (_, output, _) = Cli.Run($"[suggest:{line.Length}]", line);
        Assert.Equal(["medalla"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void BashCompletionScriptAsksTheBinary()
    {
        string exe = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "cirrus.exe" : "cirrus");
        Assert.True(File.Exists(exe), $"the cirrus apphost is not beside the tests: {exe}");
        if (!File.Exists("/bin/bash")) return;
        var (code, script, _) = Cli.Run("completion", "bash");
        Assert.Equal(0, code);
        File.WriteAllText(P("cirrus.bash"), script);
        string line = $"{exe} beacon-node --da";
        var psi = new ProcessStartInfo("/bin/bash")
        {
            ArgumentList = { "-c", $"source '{P("cirrus.bash")}'; COMP_WORDS=('{exe}' beacon-node --da); COMP_CWORD=2; " +
                $"COMP_LINE='{line}'; COMP_POINT={line.Length}; _cirrus_complete; printf '%s\\n' \"${{COMPREPLY[@]}}\"" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var bash = Process.Start(psi)!;
        string output = bash.StandardOutput.ReadToEnd();
        Assert.True(bash.WaitForExit(60_000));
        Assert.Equal("--data-dir\n", output);

        Assert.Equal(0, Cli.Run("completion", "zsh").Code);
        var (bad, _, err) = Cli.Run("completion", "fish");
        Assert.Equal(2, bad);
        OneLine(err);
    }
}
