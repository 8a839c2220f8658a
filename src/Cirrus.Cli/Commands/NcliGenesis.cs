using System.CommandLine;
using Cirrus.Consensus.Genesis;

namespace Cirrus.Cli.Commands;

/// <summary>`cirrus ncli interop-genesis`: the interop (mock-deposit) genesis state devnets start from.</summary>
public sealed class NcliGenesis : ICliCommand
{
    /// <summary>Keep tool runs and devnets bounded: every validator costs a deposit signature.</summary>
    public const ulong MaxValidators = 16384;

    public string? Group => "ncli";
    public string Name => "interop-genesis";
    public string Summary => "write an interop genesis state (validators with the interop keys) for a devnet";
    public IEnumerable<Symbol> Symbols =>
    [
        Opt.Value("preset", "PRESET", "mainnet, minimal or a CONFIG.yaml (required)"),
        Opt.Value("validators", "N", $"how many interop validators (required; at most {MaxValidators})"),
        Opt.Value("genesis-time", "UNIX", "the genesis time in seconds since 1970 (required)"),
        Opt.Value("out", "FILE", "where to write the SSZ genesis state (required)"),
    ];

    public int Run(CommandArgs a, TextWriter stdout, TextWriter stderr)
    {
        var config = NcliTransitionSupport.Preset(a.Required("preset"));
        ulong n = a.ULong("validators");
        if (n == 0 || n > MaxValidators) throw new CliException($"--validators must be between 1 and {MaxValidators}", 2);
        ulong time = a.ULong("genesis-time");
        string outPath = a.Required("out");
        var state = InteropGenesis.CreateGenesisState(config, (int)n, time);
        CliFiles.WriteFileAtomic(outPath, config.Schema.Serialize(state));
        stdout.WriteLine($"{outPath}: {n} validators, genesis time {time}, genesis validators root {state.GenesisValidatorsRoot}");
        return 0;
    }
}
