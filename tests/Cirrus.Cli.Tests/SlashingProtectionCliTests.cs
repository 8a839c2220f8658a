using Cirrus.Ssz;
using Cirrus.Validator.SlashingProtection;

namespace Cirrus.Cli.Tests;

public sealed class SlashingProtectionCliTests : IDisposable
{
    private const string Gvr = "0x04700007fabc8282644aed6d1c7c9e21d38a03a0c4ba193f3afe428824b3a673";
    private const string Pubkey = "0xb845089a1457f811bfc000588fbb4e713669be8ce060ea6be3c6ece09afc3794106c91ca73acda5e5457122d58723bed";
    private readonly string _dir = Directory.CreateTempSubdirectory("cirrus-spcli-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static string File5(string gvr, string slot, string source, string target) => $$"""
        {
          "metadata": { "interchange_format_version": "5", "genesis_validators_root": "{{gvr}}" },
          "data": [
            {
              "pubkey": "{{Pubkey}}",
              "signed_blocks": [ { "slot": "{{slot}}", "signing_root": "0x4ff6f743a43f3b4f95350831aeaf0a122a1a392922c45d804280284a69eb850b" } ],
              "signed_attestations": [ { "source_epoch": "{{source}}", "target_epoch": "{{target}}" } ]
            }
          ]
        }
        """;

    private string Write(string name, string content)
    {
        string p = Path.Combine(_dir, name);
        File.WriteAllText(p, content);
        return p;
    }

    [Fact]
    public void ImportCreatesTheDatabaseAndExportWritesTheMergedHistory()
    {
        string data = Path.Combine(_dir, "vc");
        var (code, output, err) = Cli.Run("validator-client", "slashing-protection", "import", "--data-dir", data, "--file", Write("a.json", File5(Gvr, "81952", "2290", "3007")),
            "--genesis-validators-root", Gvr);
        Assert.True(code == 0, err);
        Assert.Contains("1 new validators", output);
        Assert.True(File.Exists(SlashingProtectionDb.PathIn(data)));

        // A second file merges: the higher slot and epochs win.
        (code, _, err) = Cli.Run("validator-client", "slashing-protection", "import", "--data-dir", data, "--file", Write("b.json", File5(Gvr, "90000", "2000", "3000")));
        Assert.True(code == 0, err);

        string outFile = Path.Combine(_dir, "out.json");
        (code, output, err) = Cli.Run("validator-client", "slashing-protection", "export", "--data-dir", data, "--file", outFile);
        Assert.True(code == 0, err);
        Assert.Contains("exported 1 validators", output);
        var exported = Interchange.Parse(File.ReadAllBytes(outFile));
        Assert.Equal(Bytes32.FromHex(Gvr), exported.GenesisValidatorsRoot);
        var rec = Assert.Single(exported.Data);
        Assert.Equal(Bytes48.FromHex(Pubkey), rec.Pubkey);
        Assert.Equal(90000UL, Assert.Single(rec.SignedBlocks).Slot);
        var att = Assert.Single(rec.SignedAttestations);
        Assert.Equal((2290UL, 3007UL), (att.SourceEpoch, att.TargetEpoch));

        // The database the CLI wrote protects: the imported slot is refused, a later one allowed.
        using var db = SlashingProtectionDb.Open(SlashingProtectionDb.PathIn(data), Bytes32.FromHex(Gvr));
        Assert.False(db.CheckAndInsertBlockProposal(Bytes48.FromHex(Pubkey), 90000, Bytes32.FromHex("0x" + new string('a', 64))).IsAllowed);
        Assert.True(db.CheckAndInsertBlockProposal(Bytes48.FromHex(Pubkey), 90001, Bytes32.FromHex("0x" + new string('a', 64))).IsAllowed);
    }

    [Fact]
    public void ImportOfAnotherChainsFileIsRefused()
    {
        string data = Path.Combine(_dir, "vc");
        Assert.Equal(0, Cli.Run("validator-client", "slashing-protection", "import", "--data-dir", data, "--file", Write("a.json", File5(Gvr, "1", "0", "1")),
            "--genesis-validators-root", Gvr).Code);
        string other = "0x" + new string('1', 64);
        var (code, _, err) = Cli.Run("validator-client", "slashing-protection", "import", "--data-dir", data, "--file", Write("b.json", File5(other, "5", "1", "2")));
        Assert.Equal(1, code);
        Assert.StartsWith("error: interchange genesis_validators_root", err);
        // And a new database made with an explicit root refuses a file for another chain.
        (code, _, err) = Cli.Run("validator-client", "slashing-protection", "import", "--data-dir", Path.Combine(_dir, "vc2"),
            "--genesis-validators-root", other, "--file", Path.Combine(_dir, "a.json"));
        Assert.Equal(1, code);
        Assert.Contains("genesis_validators_root", err);
    }

    [Theory]
    [InlineData("not json at all", "not valid JSON")]
    [InlineData("{\"metadata\": {}, \"data\": []}", "missing field metadata.interchange_format_version")]
    // escapes that are not valid text (the fuzz finding): System.Text.Json threw InvalidOperationException
    [InlineData("{\"metadata\":{\"interchange_format_version\":\"5\",\"genesis_validators_root\":\"\\ud800\"},\"data\":[]}", "is not valid text")]
    [InlineData("{\"metadata\":{\"interchange_format_version\":\"\\udc00\"},\"data\":[]}", "unsupported interchange_format_version")]
    public void ACorruptFileIsOneLineErrorAndCreatesNothing(string content, string expected)
    {
        string data = Path.Combine(_dir, "vc");
        var (code, _, err) = Cli.Run("validator-client", "slashing-protection", "import", "--data-dir", data, "--file", Write("bad.json", content));
        Assert.Equal(1, code);
        Assert.StartsWith("error: ", err);
        Assert.Contains(expected, err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.False(File.Exists(SlashingProtectionDb.PathIn(data)));
    }

    [Fact]
    public void UsageErrors()
    {
        var (code, _, err) = Cli.Run("validator-client", "slashing-protection", "export", "--data-dir", Path.Combine(_dir, "none"), "--file", Path.Combine(_dir, "x.json"));
        Assert.Equal(1, code);
        Assert.Contains("no slashing protection database", err);
        Assert.False(File.Exists(Path.Combine(_dir, "x.json")));

        (code, _, err) = Cli.Run("validator-client", "slashing-protection", "import", "--data-dir", _dir);
        Assert.Equal(2, code);
        Assert.Contains("--file", err);

        (code, _, err) = Cli.Run("validator-client", "slashing-protection", "import", "--data-dir", _dir, "--file", Path.Combine(_dir, "missing.json"));
        Assert.Equal(1, code);
        Assert.Contains("file not found", err);

        (code, _, err) = Cli.Run("validator-client", "slashing-protection", "import", "--data-dir", _dir, "--file", "x", "--genesis-validators-root", "0x12");
        Assert.Equal(2, code);
        Assert.Contains("--genesis-validators-root", err);

        (code, _, err) = Cli.Run("validator-client", "slashing-protection", "frobnicate");
        Assert.Equal(2, code);
        Assert.Contains("unknown command 'validator-client slashing-protection frobnicate'", err);

        (code, var output, _) = Cli.Run("validator-client", "slashing-protection", "--help");
        Assert.Equal(0, code);
        Assert.Contains("export", output);
        Assert.Contains("import", output);

        (code, output, _) = Cli.Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("validator-client slashing-protection export|import", output);
    }

    [Fact]
    public void ExportWhileTheValidatorClientHoldsTheDatabaseIsAClearError()
    {
        string data = Path.Combine(_dir, "vc");
        Assert.Equal(0, Cli.Run("validator-client", "slashing-protection", "import", "--data-dir", data, "--file", Write("a.json", File5(Gvr, "1", "0", "1")),
            "--genesis-validators-root", Gvr).Code);
        using var held = SlashingProtectionDb.Open(SlashingProtectionDb.PathIn(data), Bytes32.FromHex(Gvr));
        var (code, _, err) = Cli.Run("validator-client", "slashing-protection", "export", "--data-dir", data, "--file", Path.Combine(_dir, "x.json"));
        Assert.Equal(1, code);
        Assert.Contains("in use by another process", err);
    }
}
