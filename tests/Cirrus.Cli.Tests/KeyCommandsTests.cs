using System.Text;
using Cirrus.Consensus.Config;
using Cirrus.Validator.Keys;

namespace Cirrus.Cli.Tests;

/// <summary>`cirrus deposits create`, `deposits new-mnemonic` and `validator-client import`, with the cheap pbkdf2 KDF.</summary>
public sealed class KeyCommandsTests : IDisposable
{
    private const string Mnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    private const string Password = "correct horse battery";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cirrus-keycli-" + Guid.NewGuid().ToString("N"));

    public KeyCommandsTests()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(P("mnemonic.txt"), Mnemonic + "\n");
        File.WriteAllText(P("password.txt"), Password + "\n");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private (int Code, string Out, string Err) Create(string outDir, params string[] extra) =>
        Cli.Run([.. new[] { "deposits", "create", "--count", "2", "--first-index", "3", "--mnemonic-file", P("mnemonic.txt"), "--out", outDir,
            "--network", "minimal", "--kdf", "pbkdf2" }, .. extra]);

    [Fact]
    public void CreateWritesKeystoresAndDepositDataThatCheckOut()
    {
        var (code, output, err) = Create(P("out"), "--password-file", P("password.txt"));
        Assert.True(code == 0, err);
        Assert.Contains("[2/2] validator 4", output);
        string[] keystores = Directory.GetFiles(P("out"), "keystore-m_12381_3600_*_0_0-*.json").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(2, keystores.Length);
        Assert.Matches(@"keystore-m_12381_3600_3_0_0-\d+\.json$", keystores[0]);
        Assert.Empty(Directory.GetFiles(P("out"), "*.txt")); // shared password: no per-keystore files

        byte[] seed = Bip39.MnemonicToSeed(Mnemonic);
        var ks = Keystore.Load(keystores[0]);
        Assert.Equal("m/12381/3600/3/0/0", ks.Path);
        Assert.Equal(KdfFunction.Pbkdf2, ks.Kdf.Function);
        using var key = ks.DecryptKey(Password);
        Assert.Equal(KeyDerivation.DeriveSkAtPath(seed, "m/12381/3600/3/0/0"), key.ToBytes());

        string depositFile = Assert.Single(Directory.GetFiles(P("out"), "deposit_data-*.json"));
        var entries = DepositDataFile.Parse(File.ReadAllText(depositFile));
        Assert.Equal(2, entries.Count);
        var minimal = ChainConfig.Minimal;
        using var withdrawal = KeyDerivation.DeriveKeyAtPath(seed, "m/12381/3600/3/0");
        Assert.Equal(key.PublicKey.ToBytes(), entries[0].Data.Pubkey.AsSpan().ToArray());
        Assert.Equal(DepositDataFile.BlsWithdrawalCredentials(minimal, withdrawal.PublicKey.ToBytes()), entries[0].Data.WithdrawalCredentials);
        Assert.All(entries, e => Assert.True(DepositDataFile.Verify(minimal, e)));
        Assert.All(entries, e => Assert.Equal("minimal", e.NetworkName));
        Assert.DoesNotContain(Password, output + err);
    }

    [Fact]
    public void GeneratedPasswordsThenImportAndLoad()
    {
        var (code, _, err) = Create(P("out"));
        Assert.True(code == 0, err);
        string[] passwords = Directory.GetFiles(P("out"), "keystore-*.txt");
        Assert.Equal(2, passwords.Length);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(passwords[0]));

        var r = Cli.Run("validator-client", "import", "--keystores", P("out"), "--data-dir", P("data"));
        Assert.True(r.Code == 0, r.Err);
        Assert.EndsWith("imported 2, skipped 0 (already present)\n", r.Out.Replace("\r\n", "\n"));
        var keys = ValidatorKeyLoader.Load(P("data"));
        Assert.Equal(2, keys.Count);
        foreach (var k in keys)
        {
            Assert.True(Directory.Exists(P("data/validators/" + k.PubkeyHex)));
            k.Dispose();
        }

        r = Cli.Run("validator-client", "import", "--keystores", P("out"), "--data-dir", P("data"));
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("imported 0, skipped 2 (already present)", r.Out);
    }

    [Fact]
    public void ImportWithWrongPasswordIsOneLineWithoutThePassword()
    {
        Assert.Equal(0, Create(P("out"), "--password-file", P("password.txt")).Code);
        File.WriteAllText(P("wrong.txt"), "hunter2-not-it");
        var (code, output, err) = Cli.Run("validator-client", "import", "--keystores", P("out"), "--password-file", P("wrong.txt"), "--data-dir", P("data"));
        Assert.Equal(1, code);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("error: wrong password for keystore ", err);
        Assert.DoesNotContain("hunter2", output + err);
        Assert.False(Directory.Exists(P("data/validators")) && Directory.GetDirectories(P("data/validators")).Length > 0);
    }

    [Theory]
    [InlineData("--keystores", "missing-dir")]
    [InlineData("--password-file", "missing.txt")]
    public void ImportMissingFilesAreOneLineErrors(string flag, string missing)
    {
        Directory.CreateDirectory(P("ks"));
        File.WriteAllText(P("ks/keystore-x.json"), "{}");
        var args = new Dictionary<string, string> { ["--keystores"] = P("ks"), ["--password-file"] = P("password.txt"), ["--data-dir"] = P("data") };
        args[flag] = P(missing);
        var (code, _, err) = Cli.Run([.. new[] { "validator-client", "import" }, .. args.SelectMany(kv => new[] { kv.Key, kv.Value })]);
        Assert.Equal(1, code);
        Assert.Equal($"error: file not found: {P(missing)}\n", err.Replace("\r\n", "\n"));
    }

    [Fact]
    public void ImportOfCorruptKeystoreNamesTheFile()
    {
        Directory.CreateDirectory(P("ks"));
        File.WriteAllText(P("ks/keystore-x.json"), "{ not json");
        var (code, _, err) = Cli.Run("validator-client", "import", "--keystores", P("ks"), "--password-file", P("password.txt"), "--data-dir", P("data"));
        Assert.Equal(1, code);
        Assert.Equal($"error: keystore {P("ks/keystore-x.json")}: not valid JSON\n", err.Replace("\r\n", "\n"));
    }

    [Theory]
    [InlineData(2, "--count", "0")]
    [InlineData(2, "--kdf", "argon2")]
    [InlineData(2, "--network", "nowhere")]
    [InlineData(2, "--bogus", "1")]
    [InlineData(2, "--first-index", "4294967295")]
    [InlineData(1, "--mnemonic-file", "missing.txt")]
    public void CreateRejectsBadFlags(int exit, string flag, string value)
    {
        var args = new List<string> { "deposits", "create", "--count", "2", "--mnemonic-file", P("mnemonic.txt"), "--out", P("out"), "--kdf", "pbkdf2" };
        int at = args.IndexOf(flag);
        if (at >= 0) args[at + 1] = flag == "--mnemonic-file" ? P(value) : value;
        else args.AddRange([flag, value]);
        var (code, _, err) = Cli.Run([.. args]);
        Assert.Equal(exit, code);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("error: ", err);
        Assert.False(Directory.Exists(P("out")) && Directory.GetFiles(P("out")).Length > 0);
    }

    [Fact]
    public void CreateForANetworkDirectoryUsesItsForkVersion()
    {
        string medalla = Path.Combine(Cli.Testnets, "medalla");
        var (code, _, err) = Cli.Run("deposits", "create", "--count", "1", "--mnemonic-file", P("mnemonic.txt"), "--out", P("out"),
            "--network-dir", medalla, "--kdf", "pbkdf2", "--password-file", P("password.txt"));
        Assert.True(code == 0, err);
        var e = Assert.Single(DepositDataFile.Parse(File.ReadAllText(Assert.Single(Directory.GetFiles(P("out"), "deposit_data-*.json")))));
        Assert.Equal("00000001", Convert.ToHexStringLower(e.ForkVersion.AsSpan()));
        Assert.Equal("medalla", e.NetworkName);
        var config = Networks.FromDirectory(medalla, f => File.Exists(f) ? File.ReadAllBytes(f) : null).Config;
        Assert.True(DepositDataFile.Verify(config, e));

        var missing = Cli.Run("deposits", "create", "--count", "1", "--mnemonic-file", P("mnemonic.txt"), "--out", P("out2"), "--network-dir", P("nowhere"));
        Assert.Equal(1, missing.Code);
        Assert.Equal($"error: network directory not found: {P("nowhere")}\n", missing.Err.Replace("\r\n", "\n"));
        var both = Cli.Run("deposits", "create", "--count", "1", "--mnemonic-file", P("mnemonic.txt"), "--out", P("out2"), "--network-dir", medalla, "--network", "mainnet");
        Assert.Equal(2, both.Code);
    }

    [Fact]
    public void CreateRejectsABadMnemonicWithoutEchoingIt()
    {
        File.WriteAllText(P("bad.txt"), Mnemonic.Replace("about", "abandon"));
        var (code, _, err) = Cli.Run("deposits", "create", "--count", "1", "--mnemonic-file", P("bad.txt"), "--out", P("out"));
        Assert.Equal(1, code);
        Assert.Contains("checksum", err);
        Assert.DoesNotContain("abandon", err);
    }

    [Fact]
    public void CreateRejectsAShortPassword()
    {
        File.WriteAllText(P("short.txt"), "1234567\n");
        var (code, _, err) = Create(P("out"), "--password-file", P("short.txt"));
        Assert.Equal(1, code);
        Assert.Contains("shorter than 8", err);
        Assert.DoesNotContain("1234567", err);
    }

    [Fact]
    public void NewMnemonicIsValidPrivateAndNotOverwritten()
    {
        var (code, _, err) = Cli.Run("deposits", "new-mnemonic", "--out", P("m.txt"));
        Assert.True(code == 0, err);
        string m = File.ReadAllText(P("m.txt"));
        Assert.True(Bip39.IsValid(m));
        Assert.Equal(24, m.Trim().Split(' ').Length);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(P("m.txt")));
        Assert.Equal(1, Cli.Run("deposits", "new-mnemonic", "--out", P("m.txt")).Code);
        Assert.Equal(m, File.ReadAllText(P("m.txt")));
    }

    [Fact]
    public void GroupsAreListedInHelp()
    {
        var (code, output, _) = Cli.Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("deposits create", output);
        Assert.Contains("validator-client import", output);
        Assert.Equal(2, Cli.Run("deposits").Code);
        Assert.Equal(2, Cli.Run("deposits", "nope").Code);
    }
}
