using System.Text.Json;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Cli.Tests;

public class NcliSszTests
{
    private static string Zinken => Path.Combine(Cli.Testnets, "zinken", "genesis.ssz");
    private static string MedallaBlock => Path.Combine(Cli.Testnets, "medalla", "recent-finalized-block.ssz");

    [Fact]
    public void HashTreeRootOfZinkenGenesis()
    {
        var (code, output, err) = Cli.Run("ncli", "hash-tree-root", "--type", "BeaconState", "--preset", "mainnet", Zinken);
        Assert.Equal(0, code);
        Assert.Equal("", err);
        Assert.Matches("^0x[0-9a-f]{64}\n$", output);
        // Cross-check one level down: the state's genesis_validators_root field is the root of its validators.
        var schema = Cirrus.Consensus.Config.Networks.Preset("mainnet")!.Schema;
        var state = schema.Deserialize<BeaconState>(File.ReadAllBytes(Zinken));
        Assert.Equal(3761, state.Validators.Count);
        var validatorsType = new ListType<Cirrus.Consensus.Types.Validator>(schema.Get<Cirrus.Consensus.Types.Validator>(), 1UL << 40);
        Assert.Equal(state.GenesisValidatorsRoot, validatorsType.HashTreeRoot(state.Validators));
        Assert.Equal(schema.HashTreeRoot(state).ToString() + "\n", output);
    }

    [Fact]
    public void PrettyPrintsMedallaBlockWithSpecNames()
    {
        var (code, output, _) = Cli.Run("ncli", "pretty", "--type", "SignedBeaconBlock", "--preset", "mainnet", MedallaBlock);
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var msg = doc.RootElement.GetProperty("message");
        Assert.Equal("403808", msg.GetProperty("slot").GetString());
        Assert.StartsWith("0x", msg.GetProperty("parent_root").GetString());
        Assert.Equal(JsonValueKind.Array, msg.GetProperty("body").GetProperty("attestations").ValueKind);
        Assert.True(msg.GetProperty("body").TryGetProperty("eth1_data", out _));
        // The JSON reads back to the same bytes.
        var t = Cirrus.Consensus.Config.Networks.Preset("mainnet")!.Schema.Get<SignedBeaconBlock>();
        Assert.Equal(File.ReadAllBytes(MedallaBlock), t.Serialize(t.FromJson(output)));
    }

    [Fact]
    public void PrettyPrintsZinkenGenesisState()
    {
        var (code, output, _) = Cli.Run("ncli", "pretty", "--type", "BeaconState", "--preset", "mainnet", "--compact", Zinken);
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(3761, doc.RootElement.GetProperty("validators").GetArrayLength());
        Assert.Equal("0", doc.RootElement.GetProperty("slot").GetString());
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("random")]
    [InlineData("wrongtype")]
    [InlineData("empty")]
    [InlineData("missing")]
    public void GarbageGivesOneLineErrorAndNonZeroExit(string kind)
    {
        string path = Path.Combine(Path.GetTempPath(), $"cirrus-garbage-{kind}-{Environment.ProcessId}.ssz");
        string type = "SignedBeaconBlock";
        switch (kind)
        {
            case "truncated": File.WriteAllBytes(path, File.ReadAllBytes(MedallaBlock)[..^7]); break;
            case "random":
                var b = new byte[5000];
                new Random(7).NextBytes(b);
                File.WriteAllBytes(path, b);
                break;
            case "wrongtype": File.WriteAllBytes(path, File.ReadAllBytes(MedallaBlock)); type = "BeaconState"; break;
            case "empty": File.WriteAllBytes(path, []); break;
            case "missing": break;
        }
        try
        {
            foreach (string tool in new[] { "pretty", "hash-tree-root" })
            {
                var (code, output, err) = Cli.Run("ncli", tool, "--type", type, "--preset", "mainnet", path);
                Assert.NotEqual(0, code);
                Assert.Equal("", output);
                Assert.StartsWith("error: ", err);
                Assert.Single(err.TrimEnd('\n').Split('\n'));
            }
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("ncli", "pretty", "--type", "NoSuchType", "x.ssz")]
    [InlineData("ncli", "pretty", "--type", "BeaconState", "--preset", "nope", "x.ssz")]
    [InlineData("ncli", "pretty", "--typo", "BeaconState", "x.ssz")]
    [InlineData("ncli", "pretty", "--type")]
    [InlineData("ncli", "hash-tree-root", "--type", "BeaconState")]
    [InlineData("no-such-command")]
    [InlineData("ncli", "no-such-tool")]
    public void BadArgumentsGiveOneLineError(params string[] args)
    {
        var (code, _, err) = Cli.Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void HelpAndVersion()
    {
        var (code, output, _) = Cli.Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("ncli", output);
        (code, output, _) = Cli.Run("--version");
        Assert.Equal(0, code);
        Assert.StartsWith("cirrus ", output);
        (code, output, _) = Cli.Run("ncli", "--help");
        Assert.Equal(0, code);
        Assert.Contains("hash-tree-root", output);
        Assert.Contains("pretty", output);
    }
}
