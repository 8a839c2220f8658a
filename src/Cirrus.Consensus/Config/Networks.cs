using System.Text;

namespace Cirrus.Consensus.Config;

/// <summary>
/// A network: its chain config plus what a node needs to join it (eth2-testnets layout:
/// config.yaml, genesis.ssz, bootstrap_nodes.txt, deposit_contract_block.txt).
/// </summary>
public sealed class NetworkConfig
{
    public required string Name { get; init; }
    public required ChainConfig Config { get; init; }
    /// <summary>SSZ BeaconState at genesis, when known.</summary>
    public byte[]? GenesisState { get; init; }
    public IReadOnlyList<string> BootstrapNodes { get; init; } = [];
    /// <summary>The eth1 block (number or hash, as published) the deposit contract was deployed in.</summary>
    public string? DepositContractBlock { get; init; }
}

/// <summary>The built-in networks and custom networks from a directory.</summary>
public static class Networks
{
    public static readonly IReadOnlyList<string> BuiltinNames = ["mainnet", "minimal", "medalla", "zinken", "altona"];

    /// <summary>A built-in network by name (case-insensitive), or null.</summary>
    public static NetworkConfig? Builtin(string name) => name.ToLowerInvariant() switch
    {
        "mainnet" => new NetworkConfig { Name = "mainnet", Config = ChainConfig.Mainnet },
        "minimal" => new NetworkConfig { Name = "minimal", Config = ChainConfig.Minimal },
        "medalla" => new NetworkConfig { Name = "medalla", Config = ChainConfig.FromOverrides(BuiltinConfigs.Medalla), DepositContractBlock = "3085928" },
        "zinken" => new NetworkConfig { Name = "zinken", Config = ChainConfig.FromOverrides(BuiltinConfigs.Zinken), DepositContractBlock = "3488417" },
        "altona" => new NetworkConfig
        {
            Name = "altona",
            Config = ChainConfig.FromOverrides(BuiltinConfigs.Altona),
            DepositContractBlock = "0x73056f16a59bf70abad5b4365438e8a7d646aa0d7f56d22c3d9e4c6000d8e176",
        },
        _ => null,
    };

    /// <summary>A preset config by name ("mainnet", "minimal" or a built-in network), or null.</summary>
    public static ChainConfig? Preset(string name) => Builtin(name)?.Config;

    /// <summary>
    /// A custom network from a directory in the eth2-testnets layout. The caller supplies file
    /// reading (this library does no I/O): <paramref name="readFile"/> returns a file's bytes, or
    /// null when it does not exist. config.yaml is required; the other files are optional.
    /// </summary>
    public static NetworkConfig FromDirectory(string directory, Func<string, byte[]?> readFile)
    {
        byte[] configBytes = readFile(Path.Combine(directory, "config.yaml"))
            ?? throw new ConfigException($"{directory}: no config.yaml");
        var config = ChainConfig.FromYaml(Encoding.UTF8.GetString(configBytes));
        byte[]? genesis = readFile(Path.Combine(directory, "genesis.ssz"));
        byte[]? boot = readFile(Path.Combine(directory, "bootstrap_nodes.txt"));
        byte[]? block = readFile(Path.Combine(directory, "deposit_contract_block.txt"));
        var nodes = new List<string>();
        if (boot != null)
            foreach (string line in Encoding.UTF8.GetString(boot).Split('\n'))
            {
                string t = line.Trim();
                if (t.Length > 0 && !t.StartsWith('#')) nodes.Add(t);
            }
        string name = config.Raw("CONFIG_NAME") is { Length: > 0 } n ? n : Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));
        return new NetworkConfig
        {
            Name = name,
            Config = config,
            GenesisState = genesis,
            BootstrapNodes = nodes,
            DepositContractBlock = block is null ? null : Encoding.UTF8.GetString(block).Trim(),
        };
    }
}
