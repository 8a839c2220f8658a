using Cirrus.Api;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Node;
using Cirrus.Validator.SlashingProtection;

namespace Cirrus.Cli.Tests;

/// <summary>What a careless operator or a hostile input did to the CLI (the hardening issue), one test per finding.</summary>
public sealed class HardeningCliTests : IDisposable
{
    private const string Mnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    private const string Password = "correct horse battery";
    private const string Gvr = "0x04700007fabc8282644aed6d1c7c9e21d38a03a0c4ba193f3afe428824b3a673";
    private readonly string _dir = Directory.CreateTempSubdirectory("cirrus-harden-").FullName;

    public HardeningCliTests()
    {
        File.WriteAllText(P("mnemonic.txt"), Mnemonic + "\n");
        File.WriteAllText(P("password.txt"), Password + "\n");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private static void OneLine(string err) => Assert.Single(err.TrimEnd('\n').Split('\n'));

    /// <summary>Runs the CLI on a worker with a bound, so a hang fails the test instead of stalling the run.</summary>
    private static (int Code, string Out, string Err) Bounded(params string[] args)
    {
        var run = Task.Run(() => Cli.Run(args));
        Assert.True(run.Wait(TimeSpan.FromSeconds(60)), "the command did not return within 60 s");
        return run.Result;
    }

    [Theory]
    [InlineData("5:99999999")]
    [InlineData("16384:1")]
    [InlineData("18446744073709551615:2")]
    public void InteropValidatorRangeIsCheckedBeforeAnyKeyIsDerived(string range)
    {
        var (code, _, err) = Bounded("validator-client", "--network", "minimal", "--beacon-node", "http://127.0.0.1:1", "--data-dir", P("d"),
            "--interop-validators", range);
        Assert.Equal(2, code);
        OneLine(err);
        Assert.StartsWith("error: option --interop-validators:", err);
    }

    public static TheoryData<string[]> DevZeroInputs => new()
    {
        new[] { "ncli", "pretty", "--preset", "minimal", "--type", "BeaconState", "/dev/zero" },
        new[] { "ncli", "hash-tree-root", "--preset", "minimal", "--type", "SignedBeaconBlock", "/dev/zero" },
        new[] { "ncli", "interop-genesis", "--preset", "/dev/zero", "--validators", "1", "--genesis-time", "0", "--out", "x.ssz" },
        new[] { "deposits", "create", "--count", "1", "--mnemonic-file", "/dev/zero", "--out", "o", "--network", "minimal", "--password-file", "p" },
        new[] { "validator-client", "import", "--keystores", "k", "--data-dir", "d", "--password-file", "/dev/zero" },
        new[] { "validator-client", "slashing-protection", "import", "--data-dir", "d", "--file", "/dev/zero", "--genesis-validators-root", Gvr },
    };

    [Theory]
    [MemberData(nameof(DevZeroInputs))]
    public void DevZeroAsAnInputFileIsOneLineError(string[] args)
    {
        if (!File.Exists("/dev/zero")) return;
        var (code, _, err) = Bounded(args);
        Assert.Equal(1, code);
        OneLine(err);
        Assert.Contains("/dev/zero is larger than", err);
    }

    [Fact]
    public void HugeSparsePresetFileIsOneLineError()
    {
        // Sparse: 2 GiB of length, no disk blocks.
        string huge = P("huge.yaml");
        using (var fs = File.Create(huge)) fs.SetLength(2L << 30);
        try
        {
            var (code, _, err) = Bounded("ncli", "interop-genesis", "--preset", huge, "--validators", "1", "--genesis-time", "0", "--out", P("g.ssz"));
            Assert.Equal(1, code);
            OneLine(err);
            Assert.Contains("larger than 4 MiB, more than a config file can be", err);
        }
        finally
        {
            File.Delete(huge);
        }
    }

    [Fact]
    public void ImportedKeystoresAndSecretsAreOwnerOnly()
    {
        if (OperatingSystem.IsWindows()) return;
        var r = Cli.Run("deposits", "create", "--count", "1", "--mnemonic-file", P("mnemonic.txt"), "--out", P("out"),
            "--network", "minimal", "--kdf", "pbkdf2", "--password-file", P("password.txt"));
        Assert.True(r.Code == 0, r.Err);
        // A pre-existing secrets directory open to everyone.
        Directory.CreateDirectory(P("data/secrets"));
        File.SetUnixFileMode(P("data/secrets"), (UnixFileMode)0x1FF);
        r = Cli.Run("validator-client", "import", "--keystores", P("out"), "--data-dir", P("data"), "--password-file", P("password.txt"));
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains($"warning: {P("data/secrets")} was accessible to other users (mode 0777)", r.Out);

        const UnixFileMode dirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        const UnixFileMode fileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        string keystore = Assert.Single(Directory.GetFiles(P("data/validators"), "keystore.json", SearchOption.AllDirectories));
        Assert.Equal(fileMode, File.GetUnixFileMode(keystore));
        Assert.Equal(fileMode, File.GetUnixFileMode(Assert.Single(Directory.GetFiles(P("data/secrets")))));
        Assert.Equal(dirMode, File.GetUnixFileMode(Path.GetDirectoryName(keystore)!));
        Assert.Equal(dirMode, File.GetUnixFileMode(P("data/validators")));
        Assert.Equal(dirMode, File.GetUnixFileMode(P("data/secrets")));
    }

    private string Interchange(string gvr) =>
        WriteText("i.json", $$"""
            {"metadata": {"interchange_format_version": "5", "genesis_validators_root": "{{gvr}}"},
             "data": [{"pubkey": "0xb845089a1457f811bfc000588fbb4e713669be8ce060ea6be3c6ece09afc3794106c91ca73acda5e5457122d58723bed",
                       "signed_blocks": [{"slot": "81952"}], "signed_attestations": []}]}
            """);

    private string WriteText(string name, string text)
    {
        File.WriteAllText(P(name), text);
        return P(name);
    }

    [Fact]
    public void SlashingProtectionImportForAnotherChainIntoAFreshDataDirChangesNothing()
    {
        string file = Interchange(Gvr);
        string other = "0x" + new string('1', 64);
        // The chain is named and differs from the file's: refused, nothing created.
        var (code, _, err) = Cli.Run("validator-client", "slashing-protection", "import", "--data-dir", P("vc"), "--file", file,
            "--genesis-validators-root", other);
        Assert.Equal(1, code);
        OneLine(err);
        Assert.Contains("nothing imported", err);
        Assert.False(File.Exists(SlashingProtectionDb.PathIn(P("vc"))));
        // No chain named: the file's own claim does not decide which chain a new database belongs to.
        (code, _, err) = Cli.Run("validator-client", "slashing-protection", "import", "--data-dir", P("vc"), "--file", file);
        Assert.Equal(2, code);
        OneLine(err);
        Assert.False(File.Exists(SlashingProtectionDb.PathIn(P("vc"))));
    }

    [Fact]
    public async Task ValidatorClientRefusesAZeroLengthSlashingProtectionDatabase()
    {
        var config = ChainConfig.Minimal;
        var chain = new BeaconChain(config, InteropGenesis.CreateGenesisState(config, 64, 1_600_000_000), null);
        await using var api = new BeaconApi(chain, "127.0.0.1", 0);
        await api.StartAsync();
        Directory.CreateDirectory(P("d"));
        string db = SlashingProtectionDb.PathIn(P("d"));
        File.WriteAllBytes(db, []);
        var (code, _, err) = await Task.Run(() => Bounded("validator-client", "--network", "minimal", "--beacon-node", $"http://127.0.0.1:{api.Port}",
            "--data-dir", P("d"), "--interop-validators", "0:2"));
        Assert.Equal(1, code);
        OneLine(err);
        Assert.Contains(db, err);
        Assert.Equal(0, new FileInfo(db).Length);
    }

    [Theory]
    [InlineData("0.0.0.0", true)]
    [InlineData("::", true)]
    [InlineData("192.168.1.10", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("::1", false)]
    public void RestApiBeyondLoopbackIsWarnedAbout(string address, bool warned)
    {
        string? warning = Cirrus.Cli.Commands.NodeSetup.RestExposureWarning(System.Net.IPAddress.Parse(address));
        Assert.Equal(warned, warning is not null);
        if (warned) Assert.Contains("no authentication", warning);
    }
}
