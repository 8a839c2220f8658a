using Cirrus.Consensus.Config;

namespace Cirrus.Consensus.Tests;

public class ConfigTests
{
    [Theory]
    [InlineData("mainnet")]
    [InlineData("minimal")]
    public void BuiltinPresetsEqualTheVectorsConfigFiles(string preset)
    {
        string text = File.ReadAllText(Path.Combine(TestPaths.Vectors, preset, "config", "phase0.yaml"));
        var fromFile = ChainConfig.FromYaml(text);
        var builtin = Networks.Preset(preset)!;
        Assert.Equal(preset, builtin.ConfigName);
        foreach (var (k, v) in fromFile.Values)
            Assert.True(builtin.Raw(k) == v, $"{k}: built-in {builtin.Raw(k)}, file {v}");
        Assert.Equal(fromFile.Values.Count, builtin.Values.Count);
    }

    [Fact]
    public void TypedValuesAndLookupByName()
    {
        var m = ChainConfig.Mainnet;
        Assert.Equal(32UL, m.SlotsPerEpoch);
        Assert.Equal(65536UL, m.EpochsPerHistoricalVector);
        Assert.Equal(90UL, m.ShuffleRoundCount);
        Assert.Equal("0x02000000", m.DomainRandao.ToString());
        Assert.Equal(4UL, m.Get("JUSTIFICATION_BITS_LENGTH"));
        Assert.Equal(32UL, m.Get("DEPOSIT_CONTRACT_TREE_DEPTH"));
        Assert.Equal(8192UL, m.Get("SLOTS_PER_HISTORICAL_ROOT"));
        Assert.Null(m.Get("NO_SUCH_VALUE"));
        var mi = ChainConfig.Minimal;
        Assert.Equal(8UL, mi.SlotsPerEpoch);
        Assert.Equal("0x00000001", mi.GenesisForkVersion.ToString());
        Assert.Equal(64, mi.Schema.Default<Types.BeaconState>().RandaoMixes.Length);
    }

    [Theory]
    [InlineData("zinken", "0x00000003", 1024UL, 1602504000UL)]
    [InlineData("altona", "0x00000121", 640UL, 1593433800UL)]
    [InlineData("medalla", "0x00000001", 16384UL, 1596546000UL)]
    public void TestnetsBuiltinMatchTheirPublishedDirectories(string name, string forkVersion, ulong minValidators, ulong minGenesisTime)
    {
        var builtin = Networks.Builtin(name)!;
        Assert.Equal(forkVersion, builtin.Config.GenesisForkVersion.ToString());
        Assert.Equal(minValidators, builtin.Config.MinGenesisActiveValidatorCount);
        Assert.Equal(minGenesisTime, builtin.Config.MinGenesisTime);
        var dir = Networks.FromDirectory(Path.Combine(TestPaths.Testnets, name), TestPaths.ReadIfExists);
        // Every value the published file states (absent ones fall back to mainnet in the directory loader).
        var stated = File.ReadAllLines(Path.Combine(TestPaths.Testnets, name, "config.yaml"))
            .Where(l => l.Contains(':') && !l.TrimStart().StartsWith('#')).Select(l => l.Split(':', 2)[0].Trim()).ToHashSet();
        Assert.True(stated.Count > 50);
        foreach (var (k, v) in dir.Config.Values)
            if (stated.Contains(k)) Assert.True(string.Equals(builtin.Config.Raw(k), v, StringComparison.OrdinalIgnoreCase), $"{k}: built-in {builtin.Config.Raw(k)}, directory {v}");
        Assert.NotEmpty(dir.BootstrapNodes);
        Assert.All(dir.BootstrapNodes, n => Assert.StartsWith("enr:", n));
        Assert.Equal(builtin.DepositContractBlock, dir.DepositContractBlock);
    }

    [Fact]
    public void MalformedConfigsAreConfigErrors()
    {
        Assert.Throws<ConfigException>(() => ChainConfig.FromYaml("SLOTS_PER_EPOCH: lots"));
        Assert.Throws<ConfigException>(() => ChainConfig.FromYaml("SLOTS_PER_EPOCH: 0"));
        Assert.Throws<ConfigException>(() => ChainConfig.FromYaml("GENESIS_FORK_VERSION: 0x0102"));
        Assert.Throws<ConfigException>(() => ChainConfig.FromYaml("- a\n- b"));
        Assert.Throws<ConfigException>(() => ChainConfig.FromYaml("A: [1"));
        Assert.Throws<ConfigException>(() => Networks.FromDirectory("/nonexistent", TestPaths.ReadIfExists));
        Assert.Equal(12UL, ChainConfig.FromYaml("SLOTS_PER_EPOCH: 4\nSLOTS_PER_HISTORICAL_ROOT: 64").SecondsPerSlot);
    }
}
