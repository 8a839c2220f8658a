using Cirrus.Api;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Node;

namespace Cirrus.Cli.Tests;

/// <summary>`cirrus validator-client`: the errors that stop it before or at start-up.</summary>
public sealed class ValidatorClientCliTests : IDisposable
{
    private const string Mnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    private const string Password = "correct horse battery";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cirrus-vccli-" + Guid.NewGuid().ToString("N"));

    public ValidatorClientCliTests()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(P("mnemonic.txt"), Mnemonic + "\n");
        File.WriteAllText(P("password.txt"), Password + "\n");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private static (int Code, string Out, string Err) Vc(params string[] args) =>
        Cli.Run([.. new[] { "validator-client" }, .. args]);

    private void ImportOneKey()
    {
        var r = Cli.Run("deposits", "create", "--count", "1", "--mnemonic-file", P("mnemonic.txt"), "--out", P("out"),
            "--network", "minimal", "--kdf", "pbkdf2", "--password-file", P("password.txt"));
        Assert.True(r.Code == 0, r.Err);
        r = Cli.Run("validator-client", "import", "--keystores", P("out"), "--data-dir", P("data"), "--password-file", P("password.txt"));
        Assert.True(r.Code == 0, r.Err);
    }

    [Fact]
    public void NoKeysIsOneClearLine()
    {
        var (code, _, err) = Vc("--network", "minimal", "--beacon-node", "http://127.0.0.1:1", "--data-dir", P("empty"));
        Assert.Equal(1, code);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("error: no validator keys", err);
    }

    [Fact]
    public void WrongSecretInTheDataDirIsOneLineWithoutThePassword()
    {
        ImportOneKey();
        string secret = Assert.Single(Directory.GetFiles(P("data/secrets")));
        File.WriteAllText(secret, "hunter2-not-it");
        var (code, output, err) = Vc("--network", "minimal", "--beacon-node", "http://127.0.0.1:1", "--data-dir", P("data"));
        Assert.Equal(1, code);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.Contains("wrong password", err);
        Assert.DoesNotContain("hunter2", output + err);
    }

    [Fact]
    public void CorruptKeystoreIsOneLine()
    {
        ImportOneKey();
        string ks = Assert.Single(Directory.GetFiles(P("data/validators"), "keystore.json", SearchOption.AllDirectories));
        File.WriteAllText(ks, "{\"crypto\": 5}");
        var (code, _, err) = Vc("--network", "minimal", "--beacon-node", "http://127.0.0.1:1", "--data-dir", P("data"));
        Assert.Equal(1, code);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.Contains("keystore", err);
    }

    [Theory]
    [InlineData("--network", "minimal", "--data-dir", "d")]
    [InlineData("--network", "minimal", "--data-dir", "d", "--beacon-node", "ftp://x")]
    [InlineData("--network", "minimal", "--data-dir", "d", "--beacon-node", "http://127.0.0.1:1", "--interop-validators", "5")]
    [InlineData("--network", "minimal", "--data-dir", "d", "--beacon-node", "http://127.0.0.1:1", "--interop-validators", "0:0")]
    [InlineData("--network", "minimal", "--data-dir", "d", "--beacon-node", "http://127.0.0.1:1", "--interop-validators", "5:99999999")]
    [InlineData("--network", "minimal", "--data-dir", "d", "--beacon-node", "http://127.0.0.1:1", "--metrics-port", "70000")]
    [InlineData("--network", "nowhere", "--data-dir", "d", "--beacon-node", "http://127.0.0.1:1")]
    [InlineData("--data-dir", "d", "--beacon-node", "http://127.0.0.1:1")]
    public void BadArgumentsExitTwo(params string[] args)
    {
        var (code, _, err) = Vc(args);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err);
    }

    [Fact]
    public void GraffitiTooLongIsAnError()
    {
        var (code, _, err) = Vc("--network", "minimal", "--beacon-node", "http://127.0.0.1:1", "--data-dir", P("d"),
            "--interop-validators", "0:1", "--graffiti", new string('g', 33));
        Assert.Equal(1, code);
        Assert.Contains("graffiti", err);
    }

    [Fact]
    public async Task NodeOnAnotherNetworkExitsOne()
    {
        // The node runs minimal with 6 s slots; the client is told minimal (6 s too) but a different genesis fork version.
        var config = ChainConfig.Minimal;
        var chain = new BeaconChain(config, InteropGenesis.CreateGenesisState(config, 64, 1_600_000_000), null);
        await using var api = new BeaconApi(chain, "127.0.0.1", 0);
        await api.StartAsync();
        Directory.CreateDirectory(P("net"));
        File.WriteAllText(P("net/config.yaml"), "PRESET_BASE: minimal\nGENESIS_FORK_VERSION: 0x00000077\n");
        var (code, output, err) = Vc("--network-dir", P("net"), "--beacon-node", $"http://127.0.0.1:{api.Port}", "--data-dir", P("d"),
            "--interop-validators", "0:2");
        Assert.Equal(1, code);
        Assert.Contains("error: the beacon node runs another network: its genesis fork version is 0x00000001", err);
        Assert.DoesNotContain("Exception", output + err);

        File.WriteAllText(P("net/config.yaml"), "PRESET_BASE: minimal\nSECONDS_PER_SLOT: 2\n");
        (code, _, err) = Vc("--network-dir", P("net"), "--beacon-node", $"http://127.0.0.1:{api.Port}", "--data-dir", P("d"),
            "--interop-validators", "0:2");
        Assert.Equal(1, code);
        Assert.Contains("its SECONDS_PER_SLOT is 6, ours is 2", err);
    }
}

/// <summary>A second client on a data directory whose slashing protection is in use stops with one line.</summary>
public sealed class ValidatorClientLockTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cirrus-vclock-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task SlashingProtectionInUseExitsOne()
    {
        var config = ChainConfig.Minimal;
        var chain = new BeaconChain(config, InteropGenesis.CreateGenesisState(config, 64, 1_600_000_000), null);
        await using var api = new BeaconApi(chain, "127.0.0.1", 0);
        await api.StartAsync();
        Directory.CreateDirectory(_dir);
        using var held = Cirrus.Validator.SlashingProtection.SlashingProtectionDb.Open(
            Cirrus.Validator.SlashingProtection.SlashingProtectionDb.PathIn(_dir), chain.GenesisValidatorsRoot);
        var run = Task.Run(() => Cli.Run("validator-client", "--network", "minimal", "--beacon-node", $"http://127.0.0.1:{api.Port}",
            "--data-dir", _dir, "--interop-validators", "0:2"));
        var (code, _, err) = await run.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(1, code);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.Contains("in use by another process", err);
    }
}
