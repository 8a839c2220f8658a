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

/// <summary>--log-level, --log-format json and --config FILE.</summary>
public sealed class LoggingAndConfigTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cirrus-opcli-" + Guid.NewGuid().ToString("N"));

    public LoggingAndConfigTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name, string text)
    {
        string p = Path.Combine(_dir, name);
        System.IO.File.WriteAllText(p, text);
        return p;
    }

    [Fact]
    public void JsonLinesCarryLevelCategoryAndTheMessageVerbatim()
    {
        var o = new StringWriter();
        using var sink = Logging.Create(o, Program.Parse(["beacon-node", "--log-format", "json"]), "cirrus.test");
        var log = sink.Log;
        log("head {0} at slot \"7\"");
        log("WARNING: something odd");
        var lines = o.ToString().TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        using var first = System.Text.Json.JsonDocument.Parse(lines[0]);
        Assert.Equal("info", first.RootElement.GetProperty("level").GetString());
        Assert.Equal("cirrus.test", first.RootElement.GetProperty("category").GetString());
        Assert.Equal("head {0} at slot \"7\"", first.RootElement.GetProperty("message").GetString());
        Assert.True(DateTime.TryParse(first.RootElement.GetProperty("timestamp").GetString(), out _));
        using var second = System.Text.Json.JsonDocument.Parse(lines[1]);
        Assert.Equal("warn", second.RootElement.GetProperty("level").GetString());
    }

    [Fact]
    public void LevelFiltersAndTextKeepsTheTimestampedLine()
    {
        var o = new StringWriter();
        using var sink = Logging.Create(o, Program.Parse(["beacon-node", "--log-level", "warn"]), "cirrus.test");
        var log = sink.Log;
        log("an ordinary line");
        log("WARNING: kept");
        log("error: kept too");
        var lines = o.ToString().TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^\d\d:\d\d:\d\d\.\d{3} WARNING: kept$", lines[0].TrimEnd('\r'));
    }

    [Theory]
    [InlineData("--log-level", "loud")]
    [InlineData("--log-format", "xml")]
    public void BadLoggingFlagsExitTwo(string flag, string value)
    {
        var (code, _, err) = Cli.Run("validator-client", "--network", "minimal", "--data-dir", Path.Combine(_dir, "d"),
            "--beacon-node", "http://127.0.0.1:1", "--interop-validators", "0:1", flag, value);
        Assert.Equal(2, code);
        Assert.StartsWith($"error: option {flag}: '{value}'", err);
    }

    [Fact]
    public void ConfigFileSetsOptionsListsAndFlagsAndTheCommandLineWins()
    {
        string f = File("vc.yaml", "network: minimal\nbeacon-node: [http://127.0.0.1:1, http://127.0.0.1:2]\n" +
            "no-doppelganger-protection: true\nmetrics-port: 9100\ngraffiti: \"a: b\"\n# a comment\n");
        var a = Program.Parse(["validator-client", "--config", f, "--metrics-port", "9200"]);
        Assert.Equal("minimal", a.Option("network"));
        Assert.Equal(["http://127.0.0.1:1", "http://127.0.0.1:2"], a.Options("beacon-node"));
        Assert.True(a.Flag("no-doppelganger-protection"));
        Assert.Equal("9200", a.Option("metrics-port"));
        Assert.Equal("a: b", a.Option("graffiti"));
    }

    [Fact]
    public void ConfigFileValuesReachTheCommand()
    {
        // the file's port is out of range: the command's own check says so
        string f = File("bad-port.yaml", $"network: minimal\ndata-dir: {Path.Combine(_dir, "d")}\nbeacon-node: http://127.0.0.1:1\nmetrics-port: 70000\n");
        var (code, _, err) = Cli.Run("validator-client", "--config", f);
        Assert.Equal(2, code);
        Assert.Equal("error: option --metrics-port: 70000 is not a port number", err.TrimEnd());
    }

    [Theory]
    [InlineData("network: {name: minimal}\n", "must be a value or a list")]
    [InlineData("- a\n- b\n", "expected one mapping")]
    [InlineData("network: [minimal\n", "not valid YAML")]
    [InlineData("config: other.yaml\n", "cannot name another")]
    [InlineData("no-such-option: 1\n", "unknown option --no-such-option")]
    public void BadConfigFilesAreOneLineErrors(string yaml, string expect)
    {
        string f = File("bad.yaml", yaml);
        var (code, _, err) = Cli.Run("validator-client", "--config", f, "--data-dir", Path.Combine(_dir, "d"));
        Assert.Equal(2, code);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.Contains(expect, err);
    }

    [Fact]
    public void MissingConfigFileIsAnError()
    {
        var (code, _, err) = Cli.Run("beacon-node", "--config", Path.Combine(_dir, "nope.yaml"));
        Assert.NotEqual(0, code);
        Assert.StartsWith("error: ", err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
    }
}

/// <summary>--log-file PATH with --log-file-max-size and --log-file-count.</summary>
public sealed class LogFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cirrus-logfile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void RotatesAtTheSizeAndKeepsTheCount()
    {
        string path = Path.Combine(_dir, "node.log");
        var console = new StringWriter();
        string filler = new('x', 1000);
        using (var sink = Logging.Create(console, Program.Parse(["beacon-node", "--log-file", path, "--log-file-max-size", "1", "--log-file-count", "2",
                   "--log-format", "json"]), "cirrus.test"))
            for (int i = 0; i < 4000; i++) sink.Log($"line {i:D5} {filler}");

        const long mib = 1 << 20;
        Assert.True(File.Exists(path + ".1") && File.Exists(path + ".2"));
        Assert.False(File.Exists(path + ".3")); // the count is bounded: the oldest files are gone
        foreach (var f in new[] { path, path + ".1", path + ".2" }) Assert.True(new FileInfo(f).Length <= mib, f);
        int lineBytes = File.ReadLines(path + ".1").First().Length + 1;
        Assert.True(new FileInfo(path + ".1").Length > mib - lineBytes); // rotated at the size, not before

        // every line is in the console and, in the same format, in the files (PATH.2 the oldest kept)
        var consoleLines = console.ToString().TrimEnd('\n').Split('\n');
        Assert.Equal(4000, consoleLines.Length);
        var kept = File.ReadAllLines(path + ".2").Concat(File.ReadAllLines(path + ".1")).Concat(File.ReadAllLines(path)).ToArray();
        Assert.Equal(consoleLines[^kept.Length..], kept);
        using var last = System.Text.Json.JsonDocument.Parse(kept[^1]);
        Assert.StartsWith("line 03999 ", last.RootElement.GetProperty("message").GetString());

        // a restart appends to PATH
        long before = new FileInfo(path).Length;
        using (var sink = Logging.Create(new StringWriter(), Program.Parse(["beacon-node", "--log-file", path]), "cirrus.test")) sink.Log("again");
        Assert.True(new FileInfo(path).Length > before);
    }

    [Fact]
    public void CountZeroKeepsOnlyTheCurrentFile()
    {
        string path = Path.Combine(_dir, "vc.log");
        using (var sink = Logging.Create(new StringWriter(), Program.Parse(["validator-client", "--log-file", path, "--log-file-max-size", "1", "--log-file-count", "0"]), "t"))
            for (int i = 0; i < 1500; i++) sink.Log(new string('y', 1000));
        Assert.False(File.Exists(path + ".1"));
        Assert.True(new FileInfo(path).Length < 1 << 20);
    }

    [Theory]
    [InlineData("/nonexistent-dir/sub/node.log")]
    [InlineData("")]
    public void BadPathIsAOneLineError(string path)
    {
        var (code, output, err) = Cli.Run("validator-client", "--network", "minimal", "--data-dir", Path.Combine(_dir, "d"),
            "--beacon-node", "http://127.0.0.1:1", "--interop-validators", "0:1", "--log-file", path);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("error: cannot open the log file ", err);
    }

    [Theory]
    [InlineData("--log-file-max-size", "0")]
    [InlineData("--log-file-count", "many")]
    public void BadRotationOptionsExitTwo(string flag, string value)
    {
        var (code, _, err) = Cli.Run("beacon-node", "--network", "minimal", "--rest-port", "0", "--log-file", Path.Combine(_dir, "n.log"), flag, value);
        Assert.Equal(2, code);
        Assert.StartsWith($"error: option {flag}: ", err);
        (code, _, err) = Cli.Run("beacon-node", "--network", "minimal", "--rest-port", "0", flag, "3");
        Assert.Equal(2, code);
        Assert.Contains("need --log-file", err);
    }
}
